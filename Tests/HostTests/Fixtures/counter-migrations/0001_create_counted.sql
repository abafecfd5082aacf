-- Handled events, one row each: a second delivery of the same event violates the key.
CREATE TABLE counted (
    event_id uuid PRIMARY KEY,
    handled_at timestamptz NOT NULL DEFAULT now()
);
