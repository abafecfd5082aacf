/// The `eop_identity` schema, as idempotent statements run by ``IdentityStore/bootstrap()``.
///
/// Secrets at rest: `password_hash` holds bcrypt output; `token_hash` holds
/// SHA-256 digests; `csrf_secret` is random per session and only ever used
/// as an HMAC key. No column holds a password or a token.
///
/// Rationale: emails keep their spelling but are unique on `lower(email)`
/// (no `citext` extension needed). All times come from the store's clock, so
/// no column defaults to `now()`.
enum IdentitySchema {
    /// Bumped when a statement below changes shape; older databases get an upgrade step.
    static let version: Int64 = 1

    static let statements: [String] = [
        "CREATE SCHEMA IF NOT EXISTS eop_identity",
        """
        CREATE TABLE IF NOT EXISTS eop_identity.schema_version (
            version bigint PRIMARY KEY
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS eop_identity.staff_users (
            id uuid PRIMARY KEY,
            email text NOT NULL,
            password_hash text NOT NULL,
            display_name text NOT NULL,
            disabled boolean NOT NULL DEFAULT false,
            created_at timestamptz NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX IF NOT EXISTS staff_users_email_key ON eop_identity.staff_users (lower(email))",
        """
        CREATE TABLE IF NOT EXISTS eop_identity.roles (
            name text PRIMARY KEY,
            permissions text[] NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS eop_identity.user_roles (
            user_id uuid NOT NULL REFERENCES eop_identity.staff_users (id) ON DELETE CASCADE,
            role_name text NOT NULL REFERENCES eop_identity.roles (name) ON DELETE CASCADE ON UPDATE CASCADE,
            PRIMARY KEY (user_id, role_name)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS eop_identity.customers (
            id uuid PRIMARY KEY,
            email text NOT NULL,
            password_hash text NOT NULL,
            name text NOT NULL,
            created_at timestamptz NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX IF NOT EXISTS customers_email_key ON eop_identity.customers (lower(email))",
        """
        CREATE TABLE IF NOT EXISTS eop_identity.sessions (
            token_hash bytea PRIMARY KEY,
            principal_kind text NOT NULL CHECK (principal_kind IN ('staff', 'customer', 'guest')),
            principal_id uuid NOT NULL,
            csrf_secret bytea NOT NULL,
            created_at timestamptz NOT NULL,
            last_seen_at timestamptz NOT NULL,
            idle_timeout_seconds double precision NOT NULL,
            idle_expires_at timestamptz NOT NULL,
            absolute_expires_at timestamptz NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS sessions_principal ON eop_identity.sessions (principal_kind, principal_id)",
        """
        CREATE TABLE IF NOT EXISTS eop_identity.api_tokens (
            id uuid PRIMARY KEY,
            token_hash bytea NOT NULL UNIQUE,
            name text NOT NULL,
            user_id uuid NOT NULL REFERENCES eop_identity.staff_users (id) ON DELETE CASCADE,
            created_at timestamptz NOT NULL,
            last_used_at timestamptz,
            revoked_at timestamptz
        )
        """,
        """
        CREATE UNIQUE INDEX IF NOT EXISTS api_tokens_active_name
            ON eop_identity.api_tokens (user_id, name) WHERE revoked_at IS NULL
        """,
        """
        CREATE TABLE IF NOT EXISTS eop_identity.login_attempts (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            account_key text NOT NULL,
            client_key text NOT NULL,
            outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'disabled')),
            attempted_at timestamptz NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS login_attempts_account ON eop_identity.login_attempts (account_key, attempted_at)",
        "CREATE INDEX IF NOT EXISTS login_attempts_client ON eop_identity.login_attempts (client_key, attempted_at)",
    ]
}
