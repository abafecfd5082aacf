-- Catalog's tables, in the module's own schema (the host sets the search_path).
-- One database is one shop, so "unique per shop" is unique in the table.
-- Money: integer minor units (bigint) with the variant's ISO 4217 currency.

CREATE TABLE brands (
    id uuid PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX brands_name ON brands (lower(name));

-- A tree: parent_id NULL is a root. Moves that would make a cycle are refused by the plugin.
CREATE TABLE categories (
    id uuid PRIMARY KEY,
    parent_id uuid REFERENCES categories (id) ON DELETE RESTRICT,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    position integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS DISTINCT FROM id)
);
-- Two siblings may not share a name (so a CSV path "Clothing > Shirts" names one category).
CREATE UNIQUE INDEX categories_sibling_name ON categories (coalesce(parent_id, '00000000-0000-0000-0000-000000000000'), lower(name));

CREATE TABLE products (
    id uuid PRIMARY KEY,
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    description text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'archived')),
    brand_id uuid REFERENCES brands (id) ON DELETE RESTRICT,
    -- Option axes in order, e.g. {size, colour}; every variant names a value for each.
    option_axes text[] NOT NULL DEFAULT '{}',
    -- Full text: the name weighs most. 'simple' keeps words unstemmed, so prefix
    -- matching ("shi" finds "shirt") behaves the same in every language.
    search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', name), 'A') || setweight(to_tsvector('simple', description), 'C')
    ) STORED,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_search ON products USING gin (search);
CREATE INDEX products_name_order ON products (lower(name), id);
CREATE INDEX products_brand ON products (brand_id);
CREATE INDEX products_status ON products (status);

CREATE TABLE product_categories (
    product_id uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    category_id uuid NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
    PRIMARY KEY (product_id, category_id)
);
CREATE INDEX product_categories_category ON product_categories (category_id);

-- Free attributes (material=cotton); filterable by name and value.
CREATE TABLE product_attributes (
    product_id uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    value text NOT NULL CHECK (length(value) <= 500),
    PRIMARY KEY (product_id, name)
);
CREATE INDEX product_attributes_lookup ON product_attributes (lower(name), lower(value));

CREATE TABLE variants (
    id uuid PRIMARY KEY,
    product_id uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    sku text NOT NULL CHECK (length(sku) BETWEEN 1 AND 100),
    -- {"size": "M", "colour": "red"}: one value per axis of the product.
    options jsonb NOT NULL DEFAULT '{}',
    price bigint NOT NULL CHECK (price >= 0),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    position integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product_id, options)
);
-- SKU unique per shop, whatever its case ("ab-1" and "AB-1" are one SKU).
CREATE UNIQUE INDEX variants_sku ON variants (lower(sku));
CREATE INDEX variants_product ON variants (product_id);
CREATE INDEX variants_price ON variants (price);

-- A bundle is a product whose items are other variants with quantities; it sells
-- through its own variant (its own SKU and price).
CREATE TABLE bundle_items (
    bundle_product_id uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    variant_id uuid NOT NULL REFERENCES variants (id) ON DELETE RESTRICT,
    quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
    PRIMARY KEY (bundle_product_id, variant_id)
);

-- Price by customer group (NULL: everyone) and quantity break (from min_quantity units).
CREATE TABLE price_tiers (
    id uuid PRIMARY KEY,
    variant_id uuid NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    customer_group text CHECK (length(customer_group) BETWEEN 1 AND 100),
    min_quantity integer NOT NULL CHECK (min_quantity >= 1),
    price bigint NOT NULL CHECK (price >= 0)
);
CREATE UNIQUE INDEX price_tiers_key ON price_tiers (variant_id, coalesce(customer_group, ''), min_quantity);

-- A sale price for [starts_at, ends_at): whole seconds, start included, end excluded.
CREATE TABLE flash_sales (
    id uuid PRIMARY KEY,
    variant_id uuid NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    price bigint NOT NULL CHECK (price >= 0),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (starts_at = date_trunc('second', starts_at) AND ends_at = date_trunc('second', ends_at))
);
CREATE INDEX flash_sales_window ON flash_sales (variant_id, starts_at, ends_at);
