-- A product's pictures: Gallery media, referenced there as catalog.product <id> so that
-- Gallery refuses to delete one while a product shows it. URLs are kept as Gallery gave
-- them (content-addressed, so they never change for a medium).
CREATE TABLE product_media (
    product_id uuid NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    media_id uuid NOT NULL,
    position integer NOT NULL,
    url text NOT NULL,
    thumbnail_url text,
    alt text NOT NULL DEFAULT '',
    PRIMARY KEY (product_id, media_id)
);
CREATE INDEX product_media_order ON product_media (product_id, position);
