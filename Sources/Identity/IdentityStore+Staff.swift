import EOPStorage
import Foundation

extension IdentityStore {
    /// Creates a staff user with a bcrypt-hashed password and the given roles.
    /// - Throws: ``IdentityError`` for a malformed email, a password that breaks a
    ///   rule (≥ 10 characters, not the email, ≤ 72 bytes), an empty display name,
    ///   an email already used by another staff user (ignoring case), or an unknown role.
    @discardableResult
    public func createStaff(email: String, password: String, displayName: String, roles: [String] = []) throws -> StaffUser {
        let email = try Validation.email(email)
        try Validation.password(password, email: email, minimum: configuration.minimumPasswordLength)
        let displayName = try Validation.name(displayName, field: "displayName")
        let roles = Array(Set(try roles.map { try Validation.roleName($0, field: "roles") })).sorted()
        let hash = hash(password)
        return try pool.withConnection { connection in
            try connection.transaction { tx in
                try insertStaff(tx, email: email, hash: hash, displayName: displayName, roles: roles)
            }
        }
    }

    /// Creates a role granting `permissions`.
    /// - Throws: ``IdentityError`` if the name is not `[a-z0-9_-]{1,64}`, a
    ///   permission is malformed (`[a-z0-9_-]+(\.[a-z0-9_-]+)+` or `*`), or the role exists.
    @discardableResult
    public func createRole(_ name: String, permissions: [String]) throws -> Role {
        let name = try Validation.roleName(name, field: "name")
        let permissions = try Validation.permissions(permissions)
        do {
            _ = try pool.withConnection { connection in
                try connection.execute(
                    "INSERT INTO eop_identity.roles (name, permissions, created_at) VALUES ($1, $2::text[], $3)",
                    [PostgresValue(name), PostgresValue(Validation.textArrayLiteral(permissions)), PostgresValue(clock.now)])
            }
        } catch let error as PostgresError where error.sqlState == PostgresError.uniqueViolation {
            throw IdentityError.roleExists(field: "name", name: name)
        }
        return Role(name: name, permissions: permissions)
    }

    /// Replaces the permissions of an existing role; sessions see the change on their next lookup.
    /// - Throws: ``IdentityError/unknownRole(field:name:)`` or ``IdentityError/invalidPermission(field:permission:)``.
    public func setPermissions(ofRole name: String, to permissions: [String]) throws {
        let permissions = try Validation.permissions(permissions)
        let result = try pool.withConnection { connection in
            try connection.execute(
                "UPDATE eop_identity.roles SET permissions = $2::text[] WHERE name = $1",
                [PostgresValue(name), PostgresValue(Validation.textArrayLiteral(permissions))])
        }
        if result.affectedRows == 0 { throw IdentityError.unknownRole(field: "name", name: name) }
    }

    /// All roles, by name.
    public func roles() throws -> [Role] {
        try pool.withConnection { connection in
            let rows = try connection.execute(
                "SELECT name, array_to_string(permissions, ',') AS permissions FROM eop_identity.roles ORDER BY name")
            return try (0..<rows.rowCount).map { row in
                Role(name: try rows.string(row: row, "name") ?? "",
                     permissions: Self.splitList(try rows.string(row: row, "permissions")))
            }
        }
    }

    /// Grants `role` to a staff user (no effect if already granted).
    /// - Throws: ``IdentityError/unknownRole(field:name:)`` or ``IdentityError/unknownStaff(field:id:)``.
    public func grant(role: String, to userID: UUID) throws {
        try pool.withConnection { connection in
            try connection.transaction { tx in
                try requireStaff(tx, userID)
                try requireRoles(tx, [role], field: "role")
                _ = try tx.execute(
                    "INSERT INTO eop_identity.user_roles (user_id, role_name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    [PostgresValue(userID), PostgresValue(role)])
            }
        }
    }

    /// Takes `role` away from a staff user (no effect if not granted).
    /// - Throws: ``IdentityError/unknownRole(field:name:)`` or ``IdentityError/unknownStaff(field:id:)``.
    public func revoke(role: String, from userID: UUID) throws {
        try pool.withConnection { connection in
            try connection.transaction { tx in
                try requireStaff(tx, userID)
                try requireRoles(tx, [role], field: "role")
                _ = try tx.execute(
                    "DELETE FROM eop_identity.user_roles WHERE user_id = $1 AND role_name = $2",
                    [PostgresValue(userID), PostgresValue(role)])
            }
        }
    }

    /// The union of the permissions of every role the user holds (empty for an unknown user).
    public func permissions(of userID: UUID) throws -> Set<String> {
        try pool.withConnection { connection in try Self.loadPermissions(connection, userID) }
    }

    /// A staff user by id, or `nil`.
    public func staffUser(_ id: UUID) throws -> StaffUser? {
        try pool.withConnection { connection in
            let rows = try connection.execute(
                """
                SELECT u.id, u.email, u.display_name, u.disabled,
                       coalesce((SELECT string_agg(role_name, ',' ORDER BY role_name)
                                 FROM eop_identity.user_roles WHERE user_id = u.id), '') AS roles
                FROM eop_identity.staff_users u WHERE u.id = $1
                """, [PostgresValue(id)])
            guard rows.rowCount == 1 else { return nil }
            return StaffUser(
                id: id, email: try rows.string(row: 0, "email") ?? "",
                displayName: try rows.string(row: 0, "display_name") ?? "",
                disabled: try rows.bool(row: 0, "disabled") ?? false,
                roles: Self.splitList(try rows.string(row: 0, "roles")))
        }
    }

    /// Disables (or re-enables) a staff user. A disabled user cannot log in,
    /// and their sessions and API tokens stop resolving to a principal.
    /// - Throws: ``IdentityError/unknownStaff(field:id:)``.
    public func setStaffDisabled(_ userID: UUID, _ disabled: Bool) throws {
        let result = try pool.withConnection { connection in
            try connection.execute(
                "UPDATE eop_identity.staff_users SET disabled = $2 WHERE id = $1",
                [PostgresValue(userID), PostgresValue(disabled)])
        }
        if result.affectedRows == 0 { throw IdentityError.unknownStaff(field: "userID", id: userID) }
        logger.notice("staff user \(disabled ? "disabled" : "enabled")", metadata: ["user": "\(userID)"])
    }

    /// Sets a staff user's password (same rules as ``createStaff(email:password:displayName:roles:)``)
    /// and ends all of that user's sessions.
    /// - Throws: ``IdentityError`` for a password rule or an unknown user.
    public func setStaffPassword(_ userID: UUID, password: String) throws {
        guard let user = try staffUser(userID) else { throw IdentityError.unknownStaff(field: "userID", id: userID) }
        try Validation.password(password, email: user.email, minimum: configuration.minimumPasswordLength)
        let hash = hash(password)
        try pool.withConnection { connection in
            try connection.transaction { tx in
                _ = try tx.execute(
                    "UPDATE eop_identity.staff_users SET password_hash = $2 WHERE id = $1",
                    [PostgresValue(userID), PostgresValue(hash)])
                _ = try tx.execute(
                    "DELETE FROM eop_identity.sessions WHERE principal_kind = 'staff' AND principal_id = $1",
                    [PostgresValue(userID)])
            }
        }
    }

    // MARK: - Internals

    func insertStaff(_ tx: PostgresConnection, email: String, hash: String, displayName: String, roles: [String]) throws -> StaffUser {
        try requireRoles(tx, roles, field: "roles")
        let id = UUID()
        do {
            _ = try tx.execute(
                """
                INSERT INTO eop_identity.staff_users (id, email, password_hash, display_name, created_at)
                VALUES ($1, $2, $3, $4, $5)
                """,
                [PostgresValue(id), PostgresValue(email), PostgresValue(hash), PostgresValue(displayName), PostgresValue(clock.now)])
        } catch let error as PostgresError where error.sqlState == PostgresError.uniqueViolation {
            throw IdentityError.duplicateEmail(field: "email", email: email)
        }
        for role in roles {
            _ = try tx.execute(
                "INSERT INTO eop_identity.user_roles (user_id, role_name) VALUES ($1, $2)",
                [PostgresValue(id), PostgresValue(role)])
        }
        return StaffUser(id: id, email: email, displayName: displayName, disabled: false, roles: roles)
    }

    func requireRoles(_ connection: PostgresConnection, _ roles: [String], field: String) throws {
        for role in roles {
            let rows = try connection.execute("SELECT 1 FROM eop_identity.roles WHERE name = $1", [PostgresValue(role)])
            if rows.rowCount == 0 { throw IdentityError.unknownRole(field: field, name: role) }
        }
    }

    func requireStaff(_ connection: PostgresConnection, _ userID: UUID) throws {
        let rows = try connection.execute("SELECT 1 FROM eop_identity.staff_users WHERE id = $1", [PostgresValue(userID)])
        if rows.rowCount == 0 { throw IdentityError.unknownStaff(field: "userID", id: userID) }
    }

    static func loadPermissions(_ connection: PostgresConnection, _ userID: UUID) throws -> Set<String> {
        let rows = try connection.execute(
            """
            SELECT DISTINCT unnest(r.permissions) AS permission
            FROM eop_identity.user_roles ur JOIN eop_identity.roles r ON r.name = ur.role_name
            WHERE ur.user_id = $1
            """, [PostgresValue(userID)])
        return Set((0..<rows.rowCount).compactMap { rows.string(row: $0, column: 0) })
    }

    /// The staff principal for `userID` with current permissions, or `nil` if
    /// the user is gone or disabled.
    static func loadStaffPrincipal(_ connection: PostgresConnection, _ userID: UUID) throws -> Principal? {
        let rows = try connection.execute(
            "SELECT email, display_name, disabled FROM eop_identity.staff_users WHERE id = $1", [PostgresValue(userID)])
        guard rows.rowCount == 1, try rows.bool(row: 0, "disabled") == false else { return nil }
        return Principal(
            kind: .staff, id: userID, email: try rows.string(row: 0, "email"),
            displayName: try rows.string(row: 0, "display_name"),
            permissions: try loadPermissions(connection, userID))
    }

    static func splitList(_ text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        return text.split(separator: ",").map(String.init)
    }
}
