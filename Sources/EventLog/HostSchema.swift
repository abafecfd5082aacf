import EOPStorage

/// The host's own tables, in schema `eop`, owned by the host's database user. Plugins
/// have no rights on them; they publish through `eop.enqueue`, which checks the
/// caller's module and topic (a SECURITY DEFINER function).
///
/// Rationale for the layout (outbox → relay → ordered log → offsets):
/// - a fact is written to `eop.outbox` in the publisher's transaction, so a rollback
///   publishes nothing;
/// - one relay at a time (advisory lock) moves committed outbox rows into `eop.events`,
///   numbering them, so positions are gap-free and never appear out of order — a
///   consumer that has read up to position P can never miss an event below P;
/// - each subscriber keeps its position (and an inbox of handled ids) in its own
///   schema and advances it in the same transaction as its handler's writes: a crash
///   rolls both back, so the event is handled again and its effects happen once.
enum HostSchema {
    /// Advisory lock keys (pg_advisory_lock takes a bigint).
    static let bootstrapLock: Int64 = 0x454F_5001  // "EOP" 1
    static let relayLock: Int64 = 0x454F_5002

    static let statements: [String] = [
        "CREATE SCHEMA IF NOT EXISTS eop",
        "REVOKE ALL ON SCHEMA eop FROM PUBLIC",
        """
        CREATE TABLE IF NOT EXISTS eop.modules (
            id text PRIMARY KEY,
            schema_name text NOT NULL UNIQUE,
            owner_role text NOT NULL UNIQUE,
            session_role text NOT NULL UNIQUE,
            session_password text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now())
        """,
        """
        CREATE TABLE IF NOT EXISTS eop.publish_grants (
            module text NOT NULL REFERENCES eop.modules (id) ON DELETE CASCADE,
            topic text NOT NULL,
            PRIMARY KEY (module, topic))
        """,
        """
        CREATE TABLE IF NOT EXISTS eop.outbox (
            id bigserial PRIMARY KEY,
            event_id uuid NOT NULL UNIQUE,
            topic text NOT NULL,
            schema_version integer NOT NULL,
            content_type text NOT NULL,
            payload bytea NOT NULL,
            source text NOT NULL,
            correlation_id uuid NOT NULL,
            causation_id uuid,
            published_us bigint NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS eop.events (
            position bigint PRIMARY KEY,
            event_id uuid NOT NULL UNIQUE,
            topic text NOT NULL,
            schema_version integer NOT NULL,
            content_type text NOT NULL,
            payload bytea NOT NULL,
            source text NOT NULL,
            correlation_id uuid NOT NULL,
            causation_id uuid,
            published_us bigint NOT NULL,
            relayed_at timestamptz NOT NULL DEFAULT now())
        """,
        "CREATE INDEX IF NOT EXISTS events_topic_position ON eop.events (topic, position)",
        "CREATE TABLE IF NOT EXISTS eop.relay_state (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), position bigint NOT NULL)",
        "INSERT INTO eop.relay_state (position) VALUES (0) ON CONFLICT DO NOTHING",
        """
        CREATE TABLE IF NOT EXISTS eop.dead_letters (
            id uuid PRIMARY KEY,
            subscriber text NOT NULL,
            handler text NOT NULL,
            event_id uuid NOT NULL,
            position bigint,
            reason text NOT NULL,
            attempts integer NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            replayed_at timestamptz,
            UNIQUE (subscriber, event_id))
        """,
        """
        CREATE TABLE IF NOT EXISTS eop.swaps (
            id bigserial PRIMARY KEY,
            plugin text NOT NULL,
            at timestamptz NOT NULL,
            record jsonb NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS swaps_by_plugin ON eop.swaps (plugin, id)",
        """
        CREATE TABLE IF NOT EXISTS eop.replays (
            subscriber text NOT NULL,
            event_id uuid NOT NULL,
            requested_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (subscriber, event_id))
        """,
        // The facts of one transaction in one call, written just before it commits.
        """
        CREATE OR REPLACE FUNCTION eop.enqueue_batch(
            p_event_ids uuid[], p_topics text[], p_schema_versions integer[], p_content_types text[], p_payloads bytea[],
            p_correlation_ids uuid[], p_causation_ids uuid[], p_published_us bigint[]) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = eop, pg_temp AS $$
        DECLARE
            m text;
            denied text;
        BEGIN
            SELECT id INTO m FROM eop.modules WHERE session_role = session_user;
            IF m IS NULL THEN
                RAISE EXCEPTION 'eop.enqueue_batch: % is not a module session', session_user USING ERRCODE = '42501';
            END IF;
            SELECT t INTO denied FROM unnest(p_topics) AS t
            WHERE NOT EXISTS (SELECT 1 FROM eop.publish_grants g WHERE g.module = m AND g.topic = t) LIMIT 1;
            IF denied IS NOT NULL THEN
                RAISE EXCEPTION 'module % may not publish %: it is not listed under publishes', m, denied USING ERRCODE = '42501';
            END IF;
            INSERT INTO eop.outbox (event_id, topic, schema_version, content_type, payload, source, correlation_id, causation_id, published_us)
            SELECT e, t, v, c, p, m, r, k, u
            FROM unnest(p_event_ids, p_topics, p_schema_versions, p_content_types, p_payloads, p_correlation_ids, p_causation_ids, p_published_us)
                 WITH ORDINALITY AS x(e, t, v, c, p, r, k, u, n)
            ORDER BY n;
            PERFORM pg_notify('eop_outbox', '');
        END $$
        """,
        "REVOKE ALL ON FUNCTION eop.enqueue_batch(uuid[], text[], integer[], text[], bytea[], uuid[], uuid[], bigint[]) FROM PUBLIC",
        // One fact (a publish outside any transaction): the batch function with one element.
        """
        CREATE OR REPLACE FUNCTION eop.enqueue(
            p_event_id uuid, p_topic text, p_schema_version integer, p_content_type text, p_payload bytea,
            p_correlation_id uuid, p_causation_id uuid, p_published_us bigint) RETURNS void
        LANGUAGE sql SECURITY DEFINER SET search_path = eop, pg_temp AS $$
            SELECT eop.enqueue_batch(ARRAY[p_event_id], ARRAY[p_topic], ARRAY[p_schema_version], ARRAY[p_content_type],
                                     ARRAY[p_payload], ARRAY[p_correlation_id], ARRAY[p_causation_id], ARRAY[p_published_us])
        $$
        """,
        "REVOKE ALL ON FUNCTION eop.enqueue(uuid, text, integer, text, bytea, uuid, uuid, bigint) FROM PUBLIC",
    ]

    /// Creates or updates the host schema; safe when several hosts start at once.
    static func bootstrap(_ connection: PostgresConnection) throws {
        try connection.transaction { c in
            _ = try c.execute("SELECT pg_advisory_xact_lock($1)", [PostgresValue(bootstrapLock)])
            for statement in statements { _ = try c.execute(statement, []) }
        }
    }
}
