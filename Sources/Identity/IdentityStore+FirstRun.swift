import EOPStorage
import Foundation

extension IdentityStore {
    /// The role created by ``createFirstOwner(email:password:)``; it grants `*`.
    public static let ownerRole = "owner"

    /// True once any staff user exists. The console offers first-run setup while false.
    public func hasAnyStaff() throws -> Bool {
        try pool.withConnection { connection in
            try connection.execute("SELECT 1 FROM eop_identity.staff_users LIMIT 1").rowCount > 0
        }
    }

    /// First-run setup: creates role `owner` (permission `*`) if missing and a
    /// staff user holding it, display name "Owner".
    ///
    /// Safe against two concurrent first runs: under an advisory lock, only an
    /// installation with no staff user at all gets an owner.
    /// - Throws: ``IdentityError/staffAlreadyExists`` if any staff user exists;
    ///   other ``IdentityError``s for the email or password rules.
    @discardableResult
    public func createFirstOwner(email: String, password: String) throws -> StaffUser {
        let email = try Validation.email(email)
        try Validation.password(password, email: email, minimum: configuration.minimumPasswordLength)
        let hash = hash(password)
        return try pool.withConnection { connection in
            try connection.transaction { tx in
                _ = try tx.execute("SELECT pg_advisory_xact_lock($1::bigint)", [PostgresValue(Self.bootstrapLockKey)])
                if try tx.execute("SELECT 1 FROM eop_identity.staff_users LIMIT 1").rowCount > 0 {
                    throw IdentityError.staffAlreadyExists
                }
                _ = try tx.execute(
                    """
                    INSERT INTO eop_identity.roles (name, permissions, created_at) VALUES ($1, '{"*"}', $2)
                    ON CONFLICT (name) DO UPDATE SET permissions = '{"*"}'
                    """, [PostgresValue(Self.ownerRole), PostgresValue(clock.now)])
                return try insertStaff(tx, email: email, hash: hash, displayName: "Owner", roles: [Self.ownerRole])
            }
        }
    }
}
