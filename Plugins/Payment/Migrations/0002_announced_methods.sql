-- Methods Payment has announced with `payment.method.enabled`: a method that needs the
-- operator's configuration is announced once when it becomes offered (checked at every
-- activation, when settings apply). A row is removed when the method stops being offered,
-- so offering it again announces it again.
CREATE TABLE announced_methods (
    method       text PRIMARY KEY CHECK (length(method) BETWEEN 1 AND 100),
    announced_at timestamptz NOT NULL DEFAULT now()
);
