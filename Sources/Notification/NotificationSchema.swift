import EOPPlatformKit
import EOPStorage

/// The `eop_notification` schema, as idempotent statements run at start.
///
/// Rationale: Notification is a core host module, so like Identity it lives in a schema
/// of the host's database user (no plugin role can read it). Each delivery is one row
/// that moves queued → sent | failed (or is recorded as skipped when the recipient
/// opted out), with every attempt and the provider's answer in `attempts`.
enum NotificationSchema {
    static let lock: Int64 = 0x454F_5010  // "EOP" 16: one host bootstraps at a time

    static let statements: [String] = [
        "CREATE SCHEMA IF NOT EXISTS eop_notification",
        // Notification types: which event's payload their templates may use.
        """
        CREATE TABLE IF NOT EXISTS eop_notification.types (
            id text PRIMARY KEY,
            topic text NOT NULL,
            transactional boolean NOT NULL,
            description text NOT NULL DEFAULT '')
        """,
        """
        CREATE TABLE IF NOT EXISTS eop_notification.templates (
            type text NOT NULL REFERENCES eop_notification.types (id) ON DELETE CASCADE,
            channel text NOT NULL CHECK (channel IN ('email', 'sms', 'push', 'inapp')),
            locale text NOT NULL,
            subject text NOT NULL DEFAULT '',
            html text NOT NULL DEFAULT '',
            body text NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (type, channel, locale))
        """,
        // "When fact X happens, send type T to recipient R over channels C", per shop.
        """
        CREATE TABLE IF NOT EXISTS eop_notification.rules (
            id uuid PRIMARY KEY,
            shop text NOT NULL DEFAULT 'default',
            topic text NOT NULL,
            type text NOT NULL REFERENCES eop_notification.types (id) ON DELETE CASCADE,
            recipient jsonb NOT NULL,
            channels text[] NOT NULL,
            enabled boolean NOT NULL DEFAULT true,
            created_at timestamptz NOT NULL DEFAULT now())
        """,
        "CREATE INDEX IF NOT EXISTS rules_topic ON eop_notification.rules (topic) WHERE enabled",
        // Opt-outs; type or channel '*' means all.
        """
        CREATE TABLE IF NOT EXISTS eop_notification.preferences (
            user_id text NOT NULL,
            type text NOT NULL,
            channel text NOT NULL,
            opted_out boolean NOT NULL,
            PRIMARY KEY (user_id, type, channel))
        """,
        """
        CREATE TABLE IF NOT EXISTS eop_notification.deliveries (
            id uuid PRIMARY KEY,
            request_id uuid NOT NULL,
            rule_id uuid,
            origin text NOT NULL,
            type text NOT NULL,
            channel text NOT NULL,
            user_id text,
            address text NOT NULL DEFAULT '',
            locale text NOT NULL,
            subject text NOT NULL DEFAULT '',
            html text NOT NULL DEFAULT '',
            body text NOT NULL DEFAULT '',
            status text NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'skipped')),
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL DEFAULT now(),
            claimed_until timestamptz,
            provider_answer text NOT NULL DEFAULT '',
            created_at timestamptz NOT NULL DEFAULT now(),
            sent_at timestamptz)
        """,
        // A fact seen twice (another host, a crash before the offset moved) queues nothing new.
        "CREATE UNIQUE INDEX IF NOT EXISTS deliveries_once ON eop_notification.deliveries (request_id, rule_id, channel) WHERE rule_id IS NOT NULL",
        "CREATE INDEX IF NOT EXISTS deliveries_due ON eop_notification.deliveries (next_attempt_at) WHERE status = 'queued'",
        """
        CREATE TABLE IF NOT EXISTS eop_notification.attempts (
            delivery_id uuid NOT NULL REFERENCES eop_notification.deliveries (id) ON DELETE CASCADE,
            attempt integer NOT NULL,
            at timestamptz NOT NULL DEFAULT now(),
            outcome text NOT NULL,
            answer text NOT NULL,
            PRIMARY KEY (delivery_id, attempt))
        """,
        """
        CREATE TABLE IF NOT EXISTS eop_notification.inbox (
            id uuid PRIMARY KEY,
            user_id text NOT NULL,
            delivery_id uuid UNIQUE,
            type text NOT NULL,
            title text NOT NULL,
            body text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            read_at timestamptz)
        """,
        "CREATE INDEX IF NOT EXISTS inbox_user ON eop_notification.inbox (user_id, created_at DESC)",
        // The module's own place in the event log (a durable consumer's offset). It starts
        // at the end of the log, like every new subscriber.
        "CREATE TABLE IF NOT EXISTS eop_notification.feed (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), position bigint NOT NULL)",
        "INSERT INTO eop_notification.feed (position) SELECT position FROM eop.relay_state ON CONFLICT DO NOTHING",
        "CREATE TABLE IF NOT EXISTS eop_notification.seeded (what text PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())",
    ]

    /// Creates or updates the schema and ships the default types, templates and rules
    /// (defaults never overwrite a staff edit; the default rules are added once).
    static func bootstrap(_ connection: PostgresConnection, defaultLocale: String) throws {
        try connection.transaction { c in
            _ = try c.execute("SELECT pg_advisory_xact_lock($1)", [PostgresValue(lock)])
            for statement in statements { _ = try c.execute(statement, []) }
            for type in DefaultTemplates.types {
                _ = try c.execute("INSERT INTO eop_notification.types (id, topic, transactional, description) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                                  [PostgresValue(type.id), PostgresValue(type.topic), PostgresValue(type.transactional), PostgresValue(type.description)])
            }
            for t in DefaultTemplates.templates {
                _ = try c.execute("""
                    INSERT INTO eop_notification.templates (type, channel, locale, subject, html, body) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
                    """, [PostgresValue(t.type), PostgresValue(t.channel.rawValue), PostgresValue(t.locale), PostgresValue(t.subject), PostgresValue(t.html), PostgresValue(t.body)])
            }
            let first = try c.execute("INSERT INTO eop_notification.seeded (what) VALUES ('default rules') ON CONFLICT DO NOTHING", [])
            if first.affectedRows == 1 {
                for rule in DefaultTemplates.rules {
                    _ = try c.execute("""
                        INSERT INTO eop_notification.rules (id, topic, type, recipient, channels) VALUES ($1, $2, $3, $4::jsonb, string_to_array($5, ','))
                        """, [PostgresValue(UUIDv7.generate()), PostgresValue(rule.topic), PostgresValue(rule.type), PostgresValue(rule.recipientJSON),
                              PostgresValue(rule.channels.map(\.rawValue).joined(separator: ","))])
                }
            }
        }
    }
}
