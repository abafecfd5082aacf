-- A listing page (a category's products by name, keyset `after`) reads only its own rows:
-- the shop's listings walk the active products in name order and stop after one page,
-- instead of collecting and sorting every product of the category.
CREATE INDEX products_active_name_order ON products (lower(name), id) WHERE status = 'active';
-- A category's members with their products in the index itself (no table visit per member).
CREATE INDEX product_categories_members ON product_categories (category_id, product_id);
DROP INDEX product_categories_category;
-- A product's cheapest variant (a card's "from" price) is the first entry of this index;
-- it also serves every lookup by product that variants_product served.
CREATE INDEX variants_product_price ON variants (product_id, price);
DROP INDEX variants_product;
