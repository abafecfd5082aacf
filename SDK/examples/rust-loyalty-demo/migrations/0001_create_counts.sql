-- Placed orders per customer, kept by the com.example.loyalty plugin (SDK/examples/rust-loyalty-demo).
CREATE TABLE customer_orders (
    customer text PRIMARY KEY,
    orders bigint NOT NULL DEFAULT 0 CHECK (orders >= 0),
    points bigint NOT NULL DEFAULT 0 CHECK (points >= 0),
    last_order_id text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
