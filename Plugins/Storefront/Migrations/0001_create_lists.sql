-- Storefront's tables, in the module's own schema (the host sets the search_path).
-- Signed-in customers' wishlist and compare list, so they follow the customer across
-- devices; guests keep theirs in the sf_wishlist / sf_compare cookies. A product is named
-- by its slug, as in the cookies and the shop's URLs (Catalog's id for it is not needed
-- to show it; a slug Catalog no longer knows is skipped when the list is shown).

-- One row per customer who has a list: locked (SELECT … FOR UPDATE) by every change to
-- their lists, so two requests cannot both take the last free place of a list.
CREATE TABLE list_owners (
    customer_id text PRIMARY KEY CHECK (length(customer_id) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE list_entries (
    customer_id text NOT NULL REFERENCES list_owners (customer_id) ON DELETE CASCADE,
    list text NOT NULL CHECK (list IN ('wishlist', 'compare')),
    slug text NOT NULL CHECK (slug ~ '^[a-z0-9-]{1,200}$'),
    -- Order of adding: lists show oldest first, as the cookies do.
    position bigint GENERATED ALWAYS AS IDENTITY,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, list, slug)
);
CREATE INDEX list_entries_in_order ON list_entries (customer_id, list, position);
