import EOPStorage
import Foundation

extension IdentityStore {
    /// The prefix of every API token, so leaked tokens are easy to recognise and scan for.
    public static let apiTokenPrefix = "eop_"

    /// Creates a bearer API token acting as staff user `userID`.
    ///
    /// Returns the token (`eop_` + base64url of 32 random bytes). It is shown
    /// only now: the store keeps its SHA-256.
    /// - Throws: ``IdentityError`` for an unknown user, an empty name, or a name
    ///   already used by one of the user's active tokens.
    public func createAPIToken(userID: UUID, name: String) throws -> String {
        let name = try Validation.name(name, field: "name")
        let token = Self.apiTokenPrefix + Secrets.newToken()
        do {
            try pool.withConnection { connection in
                try connection.transaction { tx in
                    try requireStaff(tx, userID)
                    _ = try tx.execute(
                        """
                        INSERT INTO eop_identity.api_tokens (id, token_hash, name, user_id, created_at)
                        VALUES ($1, $2, $3, $4, $5)
                        """,
                        [PostgresValue(UUID()), PostgresValue(Secrets.digest(token)), PostgresValue(name),
                         PostgresValue(userID), PostgresValue(clock.now)])
                }
            }
        } catch let error as PostgresError where error.sqlState == PostgresError.uniqueViolation {
            throw IdentityError.duplicateTokenName(field: "name", name: name)
        }
        return token
    }

    /// The staff principal an API token acts as, with current permissions; `nil`
    /// if the token is unknown, revoked, or its user disabled. Records the use.
    /// - Parameter token: the bearer token as sent (without the `Bearer ` scheme).
    public func principal(forBearer token: String) throws -> Principal? {
        guard token.hasPrefix(Self.apiTokenPrefix), token.utf8.count <= 256 else { return nil }
        let digest = PostgresValue(Secrets.digest(token))
        return try pool.withConnection { connection in
            let rows = try connection.execute(
                "SELECT user_id FROM eop_identity.api_tokens WHERE token_hash = $1 AND revoked_at IS NULL", [digest])
            guard rows.rowCount == 1, let userID = try rows.uuid(row: 0, "user_id"),
                  let principal = try Self.loadStaffPrincipal(connection, userID) else { return nil }
            _ = try connection.execute(
                "UPDATE eop_identity.api_tokens SET last_used_at = $2 WHERE token_hash = $1", [digest, PostgresValue(clock.now)])
            return principal
        }
    }

    /// Revokes an API token by its id (see ``apiTokens(of:)``). Returns false if
    /// no active token has that id.
    @discardableResult
    public func revokeAPIToken(id: UUID) throws -> Bool {
        let result = try pool.withConnection { connection in
            try connection.execute(
                "UPDATE eop_identity.api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                [PostgresValue(id), PostgresValue(clock.now)])
        }
        let revoked = (result.affectedRows ?? 0) > 0
        if revoked { logger.notice("API token revoked", metadata: ["token": "\(id)"]) }
        return revoked
    }

    /// Revokes an API token given the token itself (e.g. one found leaked).
    /// Returns false if it was unknown or already revoked.
    @discardableResult
    public func revokeAPIToken(_ token: String) throws -> Bool {
        let result = try pool.withConnection { connection in
            try connection.execute(
                "UPDATE eop_identity.api_tokens SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
                [PostgresValue(Secrets.digest(token)), PostgresValue(clock.now)])
        }
        return (result.affectedRows ?? 0) > 0
    }

    /// A staff user's API tokens (active and revoked), newest first; never the tokens themselves.
    public func apiTokens(of userID: UUID) throws -> [APITokenInfo] {
        try pool.withConnection { connection in
            let rows = try connection.execute(
                """
                SELECT id, name, created_at, last_used_at, revoked_at FROM eop_identity.api_tokens
                WHERE user_id = $1 ORDER BY created_at DESC, name
                """, [PostgresValue(userID)])
            return try (0..<rows.rowCount).compactMap { row in
                guard let id = try rows.uuid(row: row, "id"), let name = try rows.string(row: row, "name"),
                      let created = try rows.date(row: row, "created_at") else { return nil }
                return APITokenInfo(id: id, name: name, userID: userID, createdAt: created,
                                    lastUsedAt: try rows.date(row: row, "last_used_at"),
                                    revokedAt: try rows.date(row: row, "revoked_at"))
            }
        }
    }
}
