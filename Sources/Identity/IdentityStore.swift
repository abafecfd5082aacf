import EOPStorage
import Foundation
import HummingbirdBcrypt
import Logging

/// Staff users, roles, customers, sessions, CSRF tokens, API tokens and login
/// throttling, stored in PostgreSQL schema `eop_identity`.
///
/// Owner: the host. It is built over the host's superuser ``ConnectionPool``;
/// plugins never reach it and only ever see a ``Principal``.
///
/// Threading: every method is safe from any thread [any-thread] and blocks
/// its thread [may-block] on the database and, for password operations, on
/// bcrypt (≈ 0.25 s at cost 12). From async code (the gateway), call it from a
/// thread pool, not the cooperative executor.
///
/// Secrets: passwords are stored only as bcrypt hashes; session and API tokens
/// only as their SHA-256. Tokens are returned once, at creation.
///
/// Errors: input problems throw ``IdentityError`` (naming the field), refused
/// logins throw ``AuthenticationFailure``, database failures throw `PostgresError`.
public final class IdentityStore: Sendable {
    /// The pool every operation borrows one connection from.
    public let pool: ConnectionPool
    /// bcrypt cost, session lifetimes, throttle limits.
    public let configuration: IdentityConfiguration
    /// Where the current time comes from.
    public let clock: any IdentityClock
    let logger: Logger
    /// A bcrypt hash of a random string, verified against when an email is
    /// unknown so the response time does not reveal whether the account exists.
    let dummyHash: String

    /// The schema all tables live in.
    public static let schema = "eop_identity"

    /// Makes a store. Call ``bootstrap()`` once before use (each host start is fine).
    /// - Parameters:
    ///   - pool: connections with rights to create schema `eop_identity` (the host superuser pool).
    ///   - configuration: tunables; tests pass `IdentityConfiguration(bcryptCost: 4)`.
    ///   - clock: the time source (tests pass a ``ManualIdentityClock``).
    ///   - logger: receives security-relevant events (logins refused, tokens revoked); never secrets.
    public init(
        pool: ConnectionPool, configuration: IdentityConfiguration = IdentityConfiguration(),
        clock: any IdentityClock = SystemIdentityClock(), logger: Logger = Logger(label: "eop.identity")
    ) {
        precondition((4...31).contains(configuration.bcryptCost), "bcryptCost must be between 4 and 31")
        self.pool = pool
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.dummyHash = Bcrypt.hash(Secrets.newToken(), cost: configuration.bcryptCost)
    }

    /// Creates schema `eop_identity` and its tables if missing.
    ///
    /// Idempotent, and safe when several hosts start at once: the work runs in
    /// one transaction under `pg_advisory_xact_lock`, so a second host waits and
    /// then finds everything in place.
    public func bootstrap() throws {
        try pool.withConnection { connection in
            try connection.transaction { tx in
                _ = try tx.execute("SELECT pg_advisory_xact_lock($1::bigint)", [PostgresValue(Self.bootstrapLockKey)])
                for statement in IdentitySchema.statements { _ = try tx.execute(statement) }
                _ = try tx.execute(
                    "INSERT INTO eop_identity.schema_version (version) VALUES ($1) ON CONFLICT DO NOTHING",
                    [PostgresValue(IdentitySchema.version)])
            }
        }
    }

    /// Deletes expired sessions and login attempts older than the throttle
    /// window; returns how many rows went. Call it now and then (e.g. hourly).
    @discardableResult
    public func purgeExpired() throws -> Int {
        let now = clock.now
        let cutoff = now.addingTimeInterval(-configuration.throttle.window)
        return try pool.withConnection { connection in
            let sessions = try connection.execute(
                "DELETE FROM eop_identity.sessions WHERE idle_expires_at <= $1 OR absolute_expires_at <= $1",
                [PostgresValue(now)])
            let attempts = try connection.execute(
                "DELETE FROM eop_identity.login_attempts WHERE attempted_at <= $1", [PostgresValue(cutoff)])
            return (sessions.affectedRows ?? 0) + (attempts.affectedRows ?? 0)
        }
    }

    /// Advisory lock key for bootstrap: the bytes of "eopident" as a big-endian int64.
    static let bootstrapLockKey: Int64 = 0x656F_7069_6465_6E74

    /// bcrypt hash of `password` at the configured cost.
    func hash(_ password: String) -> String {
        Bcrypt.hash(password, cost: configuration.bcryptCost)
    }
}
