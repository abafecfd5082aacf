-- Cart's tables, in the module's own schema (the host sets the search_path).
-- Money: integer minor units (bigint) with an ISO 4217 currency. Ids are UUIDv7.

-- A cart belongs to a guest (who holds a random cart_token; only its SHA-256 is kept) or
-- to a customer (customer_id from the signed-in principal). A customer has at most one
-- open shopping cart; express ("buy now") carts are separate, one per Idempotency-Key.
CREATE TABLE carts (
    id uuid PRIMARY KEY,
    token_hash bytea UNIQUE,
    customer_id text CHECK (length(customer_id) BETWEEN 1 AND 200),
    purpose text NOT NULL DEFAULT 'shop' CHECK (purpose IN ('shop', 'express')),
    express_key text,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'merged', 'converted')),
    currency char(3) NOT NULL,
    -- Changes on every change of the cart; Order keys its idempotency on cart id + version.
    version bigint NOT NULL DEFAULT 1,
    email text,
    shipping_address jsonb,
    billing_address jsonb,
    codes text[] NOT NULL DEFAULT '{}',
    merged_into uuid REFERENCES carts (id),
    order_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    converted_at timestamptz,
    CHECK (token_hash IS NOT NULL OR customer_id IS NOT NULL),
    CHECK ((purpose = 'express') = (express_key IS NOT NULL))
);
CREATE UNIQUE INDEX carts_one_open_per_customer ON carts (customer_id) WHERE status = 'open' AND purpose = 'shop';
CREATE UNIQUE INDEX carts_express_key ON carts (customer_id, express_key) WHERE express_key IS NOT NULL;
CREATE INDEX carts_order ON carts (order_id) WHERE order_id IS NOT NULL;

-- One line per variant (quantities add up); gift cards and fees are lines of their own.
CREATE TABLE cart_lines (
    id uuid PRIMARY KEY,
    cart_id uuid NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('variant', 'bundle', 'gift_card', 'digital', 'fee')),
    variant_id uuid,
    product_id uuid,
    sku text NOT NULL,
    name text NOT NULL,
    quantity bigint NOT NULL CHECK (quantity >= 1),
    unit_price bigint NOT NULL CHECK (unit_price >= 0),
    currency char(3) NOT NULL,
    -- Gift card: recipient_email, message. Fee: code.
    details jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind IN ('variant', 'bundle', 'digital')) = (variant_id IS NOT NULL))
);
CREATE UNIQUE INDEX cart_lines_one_per_variant ON cart_lines (cart_id, variant_id) WHERE variant_id IS NOT NULL;
CREATE INDEX cart_lines_cart ON cart_lines (cart_id, created_at);

-- A price that changed since the customer saw it (found by checkout.prepare), shown until
-- the next successful prepare or until the line changes.
CREATE TABLE price_changes (
    line_id uuid PRIMARY KEY REFERENCES cart_lines (id) ON DELETE CASCADE,
    cart_id uuid NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    sku text NOT NULL,
    old_price bigint NOT NULL,
    new_price bigint NOT NULL,
    noticed_at timestamptz NOT NULL DEFAULT now()
);

-- Tax by the address: (country, region) first, then (country, '') for the whole country.
CREATE TABLE tax_rates (
    country char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    region text NOT NULL DEFAULT '',
    rate_bp integer NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
    PRIMARY KEY (country, region)
);

-- What a customer's express checkout uses: saved through PUT /api/cart/preferences, or
-- filled from their last order where still empty.
CREATE TABLE preferences (
    customer_id text PRIMARY KEY,
    email text,
    shipping_address jsonb,
    billing_address jsonb,
    payment_method text,
    updated_at timestamptz NOT NULL DEFAULT now()
);
