-- Named menus of nested items. Runs in the plugin's own schema.
CREATE TABLE menus (
    id         bigserial PRIMARY KEY,
    handle     text NOT NULL UNIQUE CHECK (handle ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- An item links to a category, product or page (by its id or slug) or to a URL.
-- `groups` empty: everyone sees it; else only customers of those groups.
CREATE TABLE menu_items (
    id        bigserial PRIMARY KEY,
    menu_id   bigint NOT NULL REFERENCES menus(id) ON DELETE CASCADE,
    parent_id bigint REFERENCES menu_items(id) ON DELETE CASCADE,
    label     text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    kind      text NOT NULL CHECK (kind IN ('category', 'product', 'page', 'url')),
    target    text NOT NULL CHECK (length(target) BETWEEN 1 AND 2000),
    position  integer NOT NULL DEFAULT 0,
    groups    text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX menu_items_menu ON menu_items (menu_id, parent_id, position);
