-- Payment: payments and the provider calls made for them, webhook events (deduplicated by
-- the provider's event id), refunds, disputes, gift cards with their ledger, and bank
-- transfer references. Money is integer minor units with an ISO 4217 code.

CREATE TABLE gift_cards (
    id             uuid PRIMARY KEY,
    -- Upper case letters and digits without separators (the shop shows XXXX-XXXX-…).
    code           text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9]{4,32}$'),
    currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    initial_amount bigint NOT NULL CHECK (initial_amount > 0),
    balance        bigint NOT NULL CHECK (balance >= 0),
    status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    expires_at     timestamptz,
    note           text NOT NULL DEFAULT '',
    issued_by      text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE payments (
    id              uuid PRIMARY KEY,
    order_id        text NOT NULL,
    method          text NOT NULL,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'authorized', 'captured', 'failed', 'partially_refunded', 'refunded', 'canceled')),
    amount          bigint NOT NULL CHECK (amount > 0),
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    captured_amount bigint NOT NULL DEFAULT 0 CHECK (captured_amount >= 0 AND captured_amount <= amount),
    -- Refunds pending or done: never more than was captured.
    refunded_amount bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= captured_amount),
    -- The caller's key: the same key is the same payment.
    idempotency_key text NOT NULL UNIQUE,
    -- The provider's id of the payment (PaymentIntent, PayPal order, reference, …) and of its capture.
    provider_ref    text,
    capture_ref     text,
    gift_card_id    uuid REFERENCES gift_cards (id),
    customer        jsonb,
    return_url      text,
    next_action     jsonb,
    failure_reason  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    authorized_at   timestamptz,
    captured_at     timestamptz
);
CREATE UNIQUE INDEX payments_provider_ref ON payments (method, provider_ref) WHERE provider_ref IS NOT NULL;
CREATE INDEX payments_capture_ref ON payments (method, capture_ref) WHERE capture_ref IS NOT NULL;
CREATE INDEX payments_order ON payments (order_id);
CREATE INDEX payments_created ON payments (created_at DESC, id DESC);

-- Every call to a provider that moves money, under the idempotency key sent with it
-- (start:<payment>, capture:<payment>, refund:<refund>); a retry counts a try on the same row.
CREATE TABLE attempts (
    id              uuid PRIMARY KEY,
    payment_id      uuid NOT NULL REFERENCES payments (id),
    action          text NOT NULL CHECK (action IN ('start', 'capture', 'refund')),
    idempotency_key text NOT NULL UNIQUE,
    -- failed: the provider refused; error: it could not be reached (safe to retry).
    status          text NOT NULL CHECK (status IN ('succeeded', 'failed', 'error')),
    tries           integer NOT NULL DEFAULT 1,
    provider_ref    text,
    message         text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attempts_payment ON attempts (payment_id);

-- A provider's event is acted on once: a redelivery finds its row.
CREATE TABLE webhook_events (
    driver      text NOT NULL,
    event_id    text NOT NULL,
    kind        text NOT NULL,
    payment_id  uuid REFERENCES payments (id),
    outcome     text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (driver, event_id)
);

CREATE TABLE refunds (
    id              uuid PRIMARY KEY,
    payment_id      uuid NOT NULL REFERENCES payments (id),
    amount          bigint NOT NULL CHECK (amount > 0),
    currency        text NOT NULL,
    status          text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    reason          text NOT NULL DEFAULT '',
    -- The caller's key (NULL for a refund made at the provider, found by its webhook).
    idempotency_key text UNIQUE,
    provider_ref    text,
    -- shop: asked for here; provider: made elsewhere (the provider's dashboard).
    origin          text NOT NULL DEFAULT 'shop' CHECK (origin IN ('shop', 'provider')),
    failure_reason  text,
    created_by      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_payment ON refunds (payment_id);
CREATE UNIQUE INDEX refunds_provider_ref ON refunds (payment_id, provider_ref) WHERE provider_ref IS NOT NULL;

CREATE TABLE disputes (
    id                  uuid PRIMARY KEY,
    payment_id          uuid NOT NULL REFERENCES payments (id),
    driver              text NOT NULL,
    provider_dispute_id text NOT NULL,
    status              text NOT NULL,
    reason              text NOT NULL,
    amount              bigint NOT NULL CHECK (amount >= 0),
    currency            text NOT NULL,
    evidence_due_by     timestamptz,
    opened_at           timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (driver, provider_dispute_id)
);
CREATE INDEX disputes_payment ON disputes (payment_id);

-- Every change of a gift card's balance, signed (+ credit, - debit).
CREATE TABLE gift_card_ledger (
    id            bigserial PRIMARY KEY,
    gift_card_id  uuid NOT NULL REFERENCES gift_cards (id),
    kind          text NOT NULL CHECK (kind IN ('issue', 'redeem', 'refund')),
    amount        bigint NOT NULL CHECK (amount <> 0),
    balance_after bigint NOT NULL CHECK (balance_after >= 0),
    payment_id    uuid REFERENCES payments (id),
    refund_id     uuid REFERENCES refunds (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gift_card_ledger_card ON gift_card_ledger (gift_card_id, id);

CREATE TABLE bank_transfer_references (
    reference       text PRIMARY KEY,
    payment_id      uuid NOT NULL UNIQUE REFERENCES payments (id),
    amount          bigint NOT NULL CHECK (amount > 0),
    currency        text NOT NULL,
    received_amount bigint,
    confirmed_at    timestamptz,
    confirmed_by    text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
