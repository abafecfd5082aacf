-- The setup wizard's answers (one row once the shop is set up) and the onboarding checklist.
CREATE TABLE shop (
    id             integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    name           text NOT NULL,
    currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    locale         text NOT NULL,
    staff_email    text NOT NULL,
    sample_catalog boolean NOT NULL,
    -- What happened to the sample catalog request (loaded, Catalog not active, …).
    sample_outcome text NOT NULL,
    completed_at   timestamptz NOT NULL DEFAULT now()
);

-- Items tick themselves when the fact named by `topic` arrives (or by hand).
CREATE TABLE checklist (
    item     text PRIMARY KEY,
    title    text NOT NULL,
    topic    text NOT NULL,
    position integer NOT NULL,
    done_at  timestamptz,
    done_by  text,
    event_id text
);
INSERT INTO checklist (item, title, topic, position) VALUES
    ('first_product',  'Add your first product',            'catalog.product.created',     1),
    ('payment_method', 'Set up a payment method',           'payment.method.enabled',      2),
    ('shipping',       'Set up shipping',                   'delivery.method.enabled',     3),
    ('notifications',  'Review the notification settings',  'notification.settings.changed', 4);
