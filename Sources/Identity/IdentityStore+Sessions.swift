import EOPStorage
import Foundation

extension IdentityStore {
    /// Starts a session for `principal` (from a login, or a guest principal).
    ///
    /// Returns the token for the cookie (shown only now: the store keeps its
    /// SHA-256), the CSRF token for forms and the expiry. Lifetimes come from
    /// ``IdentityConfiguration/sessionLifetime(for:)``.
    /// Rationale: call it after every successful login and end the previous
    /// (guest) session, so a session id planted before login is worthless.
    public func createSession(for principal: Principal) throws -> IssuedSession {
        let lifetime = configuration.sessionLifetime(for: principal.kind)
        let token = Secrets.newToken()
        let secret = Secrets.randomBytes()
        let now = clock.now
        let absolute = now.addingTimeInterval(lifetime.absoluteTimeout)
        let idle = min(now.addingTimeInterval(lifetime.idleTimeout), absolute)
        _ = try pool.withConnection { connection in
            try connection.execute(
                """
                INSERT INTO eop_identity.sessions (token_hash, principal_kind, principal_id, csrf_secret, created_at,
                    last_seen_at, idle_timeout_seconds, idle_expires_at, absolute_expires_at)
                VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)
                """,
                [PostgresValue(Secrets.digest(token)), PostgresValue(principal.kind.rawValue), PostgresValue(principal.id),
                 PostgresValue(secret), PostgresValue(now), PostgresValue(lifetime.idleTimeout),
                 PostgresValue(idle), PostgresValue(absolute)])
        }
        return IssuedSession(token: token, csrfToken: CSRF.token(secret: secret), expires: idle,
                             absoluteExpires: absolute, principal: principal)
    }

    /// The live session for `token`, with the principal's current permissions,
    /// or `nil` if the token is unknown, the session expired (idle or absolute),
    /// or its staff user is now disabled or gone. A hit slides the idle expiry
    /// forward (never past the absolute one). Expired sessions are deleted.
    public func session(_ token: String) throws -> Session? {
        guard !token.isEmpty, token.utf8.count <= 256 else { return nil }
        let digest = PostgresValue(Secrets.digest(token))
        let now = clock.now
        return try pool.withConnection { connection in
            let rows = try connection.execute(
                """
                SELECT principal_kind, principal_id, csrf_secret, created_at, idle_timeout_seconds,
                       idle_expires_at, absolute_expires_at
                FROM eop_identity.sessions WHERE token_hash = $1
                """, [digest])
            guard rows.rowCount == 1,
                  let kind = try rows.string(row: 0, "principal_kind").flatMap(Principal.Kind.init(rawValue:)),
                  let id = try rows.uuid(row: 0, "principal_id"),
                  let secret = try rows.bytes(row: 0, "csrf_secret"),
                  let created = try rows.date(row: 0, "created_at"),
                  let idleTimeout = try rows.double(row: 0, "idle_timeout_seconds"),
                  let idleExpires = try rows.date(row: 0, "idle_expires_at"),
                  let absoluteExpires = try rows.date(row: 0, "absolute_expires_at")
            else { return nil }
            if now >= idleExpires || now >= absoluteExpires {
                _ = try connection.execute("DELETE FROM eop_identity.sessions WHERE token_hash = $1", [digest])
                return nil
            }
            let principal: Principal?
            switch kind {
            case .staff: principal = try Self.loadStaffPrincipal(connection, id)
            case .customer: principal = try Self.loadCustomerPrincipal(connection, id)
            case .guest: principal = Principal(kind: .guest, id: id)
            }
            guard let principal else { return nil }
            let slid = min(now.addingTimeInterval(idleTimeout), absoluteExpires)
            _ = try connection.execute(
                "UPDATE eop_identity.sessions SET last_seen_at = $2, idle_expires_at = $3 WHERE token_hash = $1",
                [digest, PostgresValue(now), PostgresValue(slid)])
            return Session(principal: principal, createdAt: created, lastSeenAt: now, expiresAt: slid,
                           absoluteExpiresAt: absoluteExpires, csrfSecret: secret)
        }
    }

    /// Ends the session for `token` (logout). Returns false if there was none.
    @discardableResult
    public func endSession(_ token: String) throws -> Bool {
        let result = try pool.withConnection { connection in
            try connection.execute(
                "DELETE FROM eop_identity.sessions WHERE token_hash = $1", [PostgresValue(Secrets.digest(token))])
        }
        return (result.affectedRows ?? 0) > 0
    }

    /// Ends every session of a principal (e.g. after a password change or on "log out everywhere").
    /// Returns how many ended.
    @discardableResult
    public func endSessions(of principal: Principal) throws -> Int {
        let result = try pool.withConnection { connection in
            try connection.execute(
                "DELETE FROM eop_identity.sessions WHERE principal_kind = $1 AND principal_id = $2",
                [PostgresValue(principal.kind.rawValue), PostgresValue(principal.id)])
        }
        return result.affectedRows ?? 0
    }

    /// True if `token` is the CSRF token of `session` (constant-time comparison).
    /// The gateway checks it on every state-changing HTML form post.
    public func verifyCSRF(session: Session, token: String) -> Bool {
        session.verifyCSRF(token)
    }
}
