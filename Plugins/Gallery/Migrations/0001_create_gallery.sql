-- Gallery: media stored by content (SHA-256), their derived variants, and who uses them.
-- Runs in the module's own schema as its own role.

-- One row per distinct content: the same bytes uploaded twice are one medium.
CREATE TABLE media (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    sha256       text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    kind         text NOT NULL CHECK (kind IN ('image', 'video', 'document')),
    content_type text NOT NULL,
    extension    text NOT NULL,
    byte_size    bigint NOT NULL CHECK (byte_size > 0),
    file_name    text NOT NULL DEFAULT '',
    width        integer,
    height       integer,
    alt_text     text NOT NULL DEFAULT '',
    tags         text[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_tags ON media USING gin (tags);
CREATE INDEX media_created ON media (created_at DESC, id);

-- Thumbnails and resized copies made on upload; each is itself a content-addressed file.
CREATE TABLE variants (
    media_id     uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    name         text NOT NULL,
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content_type text NOT NULL,
    extension    text NOT NULL,
    width        integer NOT NULL,
    height       integer NOT NULL,
    byte_size    bigint NOT NULL,
    PRIMARY KEY (media_id, name)
);
CREATE INDEX variants_sha256 ON variants (sha256);

-- Owners in other modules (a Catalog product, a blog post) that use a medium.
-- Deleting a referenced medium needs force.
CREATE TABLE media_references (
    media_id   uuid NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    owner_type text NOT NULL,
    owner_id   text NOT NULL,
    role       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (media_id, owner_type, owner_id)
);
