-- Order's tables, in the module's own schema (the host sets the search_path).
-- One database is one shop. Money: integer minor units (bigint) with the order's
-- ISO 4217 currency. An order keeps copies of what the customer saw at checkout
-- (names, SKUs, prices, addresses, totals, adjustments): it never reads them back
-- from Cart or Catalog.

-- The three state machines. The plugin checks each change first and names from/to;
-- this function is the same table for the trigger below, so a forbidden change is
-- refused even by SQL that forgets to ask. Functions keep the schema's search_path
-- (FROM CURRENT), so they work whoever calls them.
CREATE FUNCTION transition_allowed(machine text, from_state text, to_state text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path FROM CURRENT AS $$
    SELECT from_state = to_state OR (machine, from_state, to_state) IN (
        ('order', 'pending', 'confirmed'), ('order', 'pending', 'canceled'),
        ('order', 'confirmed', 'completed'), ('order', 'confirmed', 'canceled'),
        ('payment', 'unpaid', 'authorized'), ('payment', 'unpaid', 'paid'),
        ('payment', 'authorized', 'paid'), ('payment', 'authorized', 'unpaid'),
        ('payment', 'paid', 'partially_refunded'), ('payment', 'paid', 'refunded'),
        ('payment', 'partially_refunded', 'refunded'),
        ('fulfillment', 'unfulfilled', 'partially_fulfilled'), ('fulfillment', 'unfulfilled', 'fulfilled'),
        ('fulfillment', 'partially_fulfilled', 'fulfilled'), ('fulfillment', 'fulfilled', 'shipped'),
        ('fulfillment', 'shipped', 'delivered'), ('fulfillment', 'shipped', 'returned'),
        ('fulfillment', 'delivered', 'returned'))
$$;

CREATE TABLE orders (
    id uuid PRIMARY KEY,
    number text NOT NULL UNIQUE,
    cart_id text NOT NULL,
    cart_version bigint NOT NULL,
    -- The owner: a signed-in customer, or a guest known by the SHA-256 of the cart
    -- token they checked out with (the token itself is a bearer secret: not kept).
    customer_id text,
    guest_token_hash text,
    customer_email text NOT NULL DEFAULT '',
    customer_name text NOT NULL DEFAULT '',
    customer_phone text NOT NULL DEFAULT '',
    currency char(3) NOT NULL,
    subtotal bigint NOT NULL,
    discount bigint NOT NULL DEFAULT 0,
    tax bigint NOT NULL DEFAULT 0,
    shipping bigint NOT NULL DEFAULT 0,
    total bigint NOT NULL CHECK (total >= 0),
    adjustments jsonb NOT NULL DEFAULT '[]',
    codes jsonb NOT NULL DEFAULT '[]',
    shipping_address jsonb,
    billing_address jsonb,
    payment_method text NOT NULL,
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'confirmed', 'completed', 'canceled')),
    payment_status text NOT NULL DEFAULT 'unpaid'
        CHECK (payment_status IN ('unpaid', 'authorized', 'paid', 'partially_refunded', 'refunded')),
    fulfillment_status text NOT NULL DEFAULT 'unfulfilled'
        CHECK (fulfillment_status IN ('unfulfilled', 'partially_fulfilled', 'fulfilled', 'shipped', 'delivered', 'returned')),
    amount_paid bigint NOT NULL DEFAULT 0 CHECK (amount_paid >= 0),
    amount_refunded bigint NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0),
    -- The payment attempt in use: idempotency key order:<id>:<attempt> at Payment.
    payment_attempt integer NOT NULL DEFAULT 1 CHECK (payment_attempt >= 1),
    placed_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (customer_id IS NOT NULL OR guest_token_hash IS NOT NULL)
);
CREATE INDEX orders_customer ON orders (customer_id, placed_at DESC) WHERE customer_id IS NOT NULL;
CREATE INDEX orders_placed ON orders (placed_at DESC, id DESC);
CREATE SEQUENCE order_numbers START 1001;

CREATE FUNCTION orders_guard_transitions() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF NOT transition_allowed('order', OLD.status, NEW.status) THEN
        RAISE EXCEPTION 'order %: order state cannot go from % to %', OLD.number, OLD.status, NEW.status USING ERRCODE = 'check_violation';
    END IF;
    IF NOT transition_allowed('payment', OLD.payment_status, NEW.payment_status) THEN
        RAISE EXCEPTION 'order %: payment state cannot go from % to %', OLD.number, OLD.payment_status, NEW.payment_status USING ERRCODE = 'check_violation';
    END IF;
    IF NOT transition_allowed('fulfillment', OLD.fulfillment_status, NEW.fulfillment_status) THEN
        RAISE EXCEPTION 'order %: fulfillment state cannot go from % to %', OLD.number, OLD.fulfillment_status, NEW.fulfillment_status USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER orders_transitions BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION orders_guard_transitions();

CREATE TABLE order_lines (
    id uuid PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES orders (id),
    position integer NOT NULL,
    cart_line_id text NOT NULL DEFAULT '',
    kind text NOT NULL DEFAULT 'variant',
    variant_id text NOT NULL DEFAULT '',
    sku text NOT NULL DEFAULT '',
    name text NOT NULL,
    quantity integer NOT NULL CHECK (quantity > 0),
    unit_price bigint NOT NULL CHECK (unit_price >= 0),
    total bigint NOT NULL CHECK (total >= 0),
    UNIQUE (order_id, position)
);

-- One row per state change of any of the three machines; the first rows (from NULL)
-- are written with the order.
CREATE TABLE order_history (
    id bigserial PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES orders (id),
    machine text NOT NULL CHECK (machine IN ('order', 'payment', 'fulfillment')),
    from_state text,
    to_state text NOT NULL,
    reason text NOT NULL DEFAULT '',
    actor text NOT NULL DEFAULT '',
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX order_history_order ON order_history (order_id, id);

-- Idempotency keys of checkout. The primary key makes concurrent requests with one
-- key queue behind the first one's transaction (INSERT … ON CONFLICT waits for it);
-- the first outcome (an order, or a refusal such as changed prices) answers every repeat.
CREATE TABLE checkout_keys (
    key text PRIMARY KEY,
    request_hash text NOT NULL,
    cart_id text,
    cart_version bigint,
    order_id uuid REFERENCES orders (id),
    outcome_status integer NOT NULL DEFAULT 0,
    outcome jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Payment attempts at the Payment module, one per idempotency key order:<id>:<attempt>.
CREATE TABLE payments (
    order_id uuid NOT NULL REFERENCES orders (id),
    attempt integer NOT NULL,
    method text NOT NULL,
    payment_id text,
    status text NOT NULL,
    next_action jsonb,
    error text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, attempt)
);
CREATE UNIQUE INDEX payments_payment ON payments (payment_id) WHERE payment_id IS NOT NULL;

-- Payment facts (and synchronous answers) already applied: a repeated fact changes nothing.
CREATE TABLE payment_facts (
    payment_id text NOT NULL,
    kind text NOT NULL,
    ref text NOT NULL DEFAULT '',
    order_id uuid NOT NULL REFERENCES orders (id),
    amount bigint NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (payment_id, kind, ref)
);

CREATE TABLE fulfillments (
    id uuid PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES orders (id),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'shipped', 'delivered')),
    carrier text NOT NULL DEFAULT '',
    tracking_number text NOT NULL DEFAULT '',
    tracking_url text NOT NULL DEFAULT '',
    created_by text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    shipped_at timestamptz,
    delivered_at timestamptz
);
CREATE INDEX fulfillments_order ON fulfillments (order_id);

CREATE TABLE fulfillment_items (
    fulfillment_id uuid NOT NULL REFERENCES fulfillments (id),
    line_id uuid NOT NULL REFERENCES order_lines (id),
    quantity integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (fulfillment_id, line_id)
);

CREATE TABLE returns (
    id uuid PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES orders (id),
    status text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'approved', 'rejected', 'received', 'refunded')),
    reason text NOT NULL,
    note text NOT NULL DEFAULT '',
    requested_by text NOT NULL,
    refund_amount bigint,
    refund_id text,
    refund_status text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX returns_order ON returns (order_id);
CREATE INDEX returns_status ON returns (status, created_at);

CREATE TABLE return_items (
    return_id uuid NOT NULL REFERENCES returns (id),
    line_id uuid NOT NULL REFERENCES order_lines (id),
    quantity integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (return_id, line_id)
);

-- Invoice numbers without gaps: the counter row is locked by the issuing transaction
-- (concurrent issues wait), and a rolled-back issue rolls the counter back with it.
CREATE TABLE invoice_counters (
    shop text PRIMARY KEY,
    last_number bigint NOT NULL CHECK (last_number >= 0)
);

CREATE FUNCTION next_invoice_number(p_shop text) RETURNS bigint LANGUAGE sql SET search_path FROM CURRENT AS $$
    INSERT INTO invoice_counters (shop, last_number) VALUES (p_shop, 1)
    ON CONFLICT (shop) DO UPDATE SET last_number = invoice_counters.last_number + 1
    RETURNING last_number
$$;

-- An issued invoice is a snapshot of the order at that moment and never changes.
CREATE TABLE invoices (
    id uuid PRIMARY KEY,
    order_id uuid NOT NULL UNIQUE REFERENCES orders (id),
    shop text NOT NULL,
    sequence bigint NOT NULL,
    number text NOT NULL UNIQUE,
    issued_at timestamptz NOT NULL DEFAULT now(),
    snapshot jsonb NOT NULL,
    UNIQUE (shop, sequence)
);

CREATE FUNCTION invoices_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'invoice % is issued and cannot be changed or deleted', OLD.number USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER invoices_no_update BEFORE UPDATE OR DELETE ON invoices FOR EACH ROW EXECUTE FUNCTION invoices_immutable();
CREATE FUNCTION invoices_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'issued invoices cannot be truncated' USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER invoices_no_truncate BEFORE TRUNCATE ON invoices FOR EACH STATEMENT EXECUTE FUNCTION invoices_no_truncate();

-- Files sold as digital products, by SKU; served only through signed download links.
CREATE TABLE digital_assets (
    sku text PRIMARY KEY,
    filename text NOT NULL,
    content_type text NOT NULL,
    content bytea NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A digital line of an order: how often it may still be downloaded.
CREATE TABLE download_grants (
    id uuid PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES orders (id),
    line_id uuid NOT NULL UNIQUE REFERENCES order_lines (id),
    sku text NOT NULL,
    download_limit integer NOT NULL CHECK (download_limit > 0),
    downloads_used integer NOT NULL DEFAULT 0,
    last_download_at timestamptz,
    CHECK (downloads_used BETWEEN 0 AND download_limit)
);
CREATE INDEX download_grants_order ON download_grants (order_id);

-- Per-install secrets (the key that signs download links), made by the plugin on first start.
CREATE TABLE secrets (
    name text PRIMARY KEY,
    value bytea NOT NULL CHECK (length(value) >= 32)
);
