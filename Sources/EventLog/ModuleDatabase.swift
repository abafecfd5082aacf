import EOPStorage
import Foundation

/// One module's place in the database: its schema, the login-less role that owns it,
/// and the login role the host connects as to run the module's SQL.
///
/// Rationale: the login ("session") role is NOINHERIT and a member of the owner role
/// only, so after `SET ROLE owner` a plugin has exactly its own schema, and a
/// `RESET ROLE` in hand-written SQL leaves it with nothing at all. The host's own
/// connection never runs plugin SQL.
public struct ModuleDatabase: Sendable, Equatable {
    /// The plugin id.
    public var id: String
    /// Its schema, e.g. `c_hello`.
    public var schema: String
    /// The login-less owner role, e.g. `eop_m_c_hello`.
    public var ownerRole: String
    /// The login role, e.g. `eop_s_c_hello`.
    public var sessionRole: String
    /// The login role's password (random, kept in eop.modules, readable by the host only).
    public var sessionPassword: String

    /// The schema as an SQL identifier, quoted: module ids like `order` are SQL keywords.
    public var quotedSchema: String { "\"\(schema)\"" }

    /// A PostgreSQL identifier made from a plugin id: lower case, `[a-z0-9_]`, at most 40 characters.
    public static func identifier(for id: String) -> String {
        let mapped = id.lowercased().map { c -> Character in (c.isASCII && (c.isLetter || c.isNumber)) ? c : "_" }
        return String(String(mapped).prefix(40))
    }

    /// Creates (first time) or checks the module's roles, schema and host tables, and
    /// sets the topics it may publish. Several hosts may do this at once.
    static func provision(id: String, publishes: [String], on c: PostgresConnection) throws -> ModuleDatabase {
        try c.transaction { c in
            _ = try c.execute("SELECT pg_advisory_xact_lock($1)", [PostgresValue(HostSchema.bootstrapLock)])
            let name = identifier(for: id)
            guard !["public", "eop", "eop_identity", "information_schema"].contains(name), !name.hasPrefix("pg_") else {
                throw ModuleDatabaseError("plugin id '\(id)' would own the schema '\(name)', which is reserved; choose another id")
            }
            // Roles belong to the whole cluster, schemas to one database: a tag of the database
            // keeps two EOP databases on one cluster (staging beside production, parallel
            // tests) from sharing — and racing to create, and re-password — one module's roles.
            let database = try c.execute("SELECT current_database()", []).text(0, 0)
            let tag = String(format: "%08x", UInt32(truncatingIfNeeded: database.hashValueStable))
            var module = ModuleDatabase(id: id, schema: name, ownerRole: "eop_m_\(name)_\(tag)", sessionRole: "eop_s_\(name)_\(tag)", sessionPassword: "")
            let existing = try c.execute("SELECT schema_name, owner_role, session_role, session_password FROM eop.modules WHERE id = $1", [PostgresValue(id)])
            if existing.rowCount > 0 {
                module.schema = try existing.text(0, 0)
                module.ownerRole = try existing.text(0, 1)
                module.sessionRole = try existing.text(0, 2)
                module.sessionPassword = try existing.text(0, 3)
            } else {
                let clash = try c.execute("SELECT id FROM eop.modules WHERE schema_name = $1", [PostgresValue(name)])
                if clash.rowCount > 0 {
                    throw ModuleDatabaseError("plugin id '\(id)' maps to schema '\(name)', already used by '\(try clash.text(0, 0))'")
                }
                module.sessionPassword = randomPassword()
                try createRole(module.ownerRole, "NOLOGIN", on: c)
                try createRole(module.sessionRole, "LOGIN NOINHERIT PASSWORD '\(module.sessionPassword)'", on: c)
                _ = try c.execute("ALTER ROLE \(module.sessionRole) LOGIN NOINHERIT PASSWORD '\(module.sessionPassword)'", [])
                _ = try c.execute("GRANT \(module.ownerRole) TO \(module.sessionRole)", [])
                _ = try c.execute("CREATE SCHEMA IF NOT EXISTS \(module.quotedSchema) AUTHORIZATION \(module.ownerRole)", [])
                _ = try c.execute("""
                    INSERT INTO eop.modules (id, schema_name, owner_role, session_role, session_password) VALUES ($1, $2, $3, $4, $5)
                    """, [PostgresValue(id), PostgresValue(module.schema), PostgresValue(module.ownerRole),
                          PostgresValue(module.sessionRole), PostgresValue(module.sessionPassword)])
            }
            let s = module.quotedSchema, owner = module.ownerRole
            _ = try c.execute("REVOKE ALL ON SCHEMA \(s) FROM PUBLIC", [])
            _ = try c.execute("ALTER ROLE \(module.sessionRole) SET search_path = \(s)", [])
            _ = try c.execute("GRANT USAGE ON SCHEMA eop TO \(owner)", [])
            _ = try c.execute("GRANT EXECUTE ON FUNCTION eop.enqueue(uuid, text, integer, text, bytea, uuid, uuid, bigint) TO \(owner)", [])
            _ = try c.execute("GRANT EXECUTE ON FUNCTION eop.enqueue_batch(uuid[], text[], integer[], text[], bytea[], uuid[], uuid[], bigint[]) TO \(owner)", [])
            // The module's delivery bookkeeping lives in its own schema, so that it commits
            // with the handler's own writes on the module's connection.
            _ = try c.execute("CREATE TABLE IF NOT EXISTS \(s).eop_offset (lane integer PRIMARY KEY, position bigint NOT NULL)", [])
            _ = try c.execute("CREATE TABLE IF NOT EXISTS \(s).eop_inbox (event_id uuid PRIMARY KEY, handled_at timestamptz NOT NULL DEFAULT now())", [])
            _ = try c.execute("CREATE TABLE IF NOT EXISTS \(s).eop_migrations (name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())", [])
            for table in ["eop_offset", "eop_inbox", "eop_migrations"] {
                _ = try c.execute("ALTER TABLE \(s).\(table) OWNER TO \(owner)", [])
            }
            // A new subscriber starts at the end of the log: it receives facts relayed from now on.
            _ = try c.execute("INSERT INTO \(s).eop_offset (lane, position) SELECT 0, position FROM eop.relay_state ON CONFLICT DO NOTHING", [])
            _ = try c.execute("DELETE FROM eop.publish_grants WHERE module = $1", [PostgresValue(id)])
            for topic in publishes {
                _ = try c.execute("INSERT INTO eop.publish_grants (module, topic) VALUES ($1, $2)", [PostgresValue(id), PostgresValue(topic)])
            }
            return module
        }
    }

    private static func createRole(_ role: String, _ options: String, on c: PostgresConnection) throws {
        let exists = try c.execute("SELECT 1 FROM pg_roles WHERE rolname = $1", [PostgresValue(role)])
        if exists.rowCount == 0 { _ = try c.execute("CREATE ROLE \(role) \(options)", []) }
    }

    /// 32 letters and digits: safe inside a quoted SQL literal.
    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}

/// A module that cannot get its place in the database.
public struct ModuleDatabaseError: Error, Sendable, CustomStringConvertible {
    /// Why.
    public let description: String
    init(_ description: String) { self.description = description }
}
