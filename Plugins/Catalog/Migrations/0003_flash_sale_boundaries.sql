-- catalog.price.next_change asks for the earliest flash-sale start or end after now:
-- one index probe each instead of a scan of every sale.
CREATE INDEX IF NOT EXISTS flash_sales_starts_at ON flash_sales (starts_at);
CREATE INDEX IF NOT EXISTS flash_sales_ends_at ON flash_sales (ends_at);
