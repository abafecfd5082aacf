import EOPStorage
import Foundation

extension IdentityStore {
    /// Registers a storefront customer with a bcrypt-hashed password.
    /// - Throws: ``IdentityError`` for a malformed email, a password that breaks a
    ///   rule (≥ 10 characters, not the email, ≤ 72 bytes), an empty name, or an
    ///   email already registered (ignoring case).
    @discardableResult
    public func registerCustomer(email: String, password: String, name: String) throws -> Customer {
        let email = try Validation.email(email)
        try Validation.password(password, email: email, minimum: configuration.minimumPasswordLength)
        let name = try Validation.name(name, field: "name")
        let hash = hash(password)
        let id = UUID()
        do {
            _ = try pool.withConnection { connection in
                try connection.execute(
                    """
                    INSERT INTO eop_identity.customers (id, email, password_hash, name, created_at)
                    VALUES ($1, $2, $3, $4, $5)
                    """,
                    [PostgresValue(id), PostgresValue(email), PostgresValue(hash), PostgresValue(name), PostgresValue(clock.now)])
            }
        } catch let error as PostgresError where error.sqlState == PostgresError.uniqueViolation {
            throw IdentityError.duplicateEmail(field: "email", email: email)
        }
        return Customer(id: id, email: email, name: name)
    }

    /// A customer by id, or `nil`.
    public func customer(_ id: UUID) throws -> Customer? {
        try pool.withConnection { connection in
            guard let principal = try Self.loadCustomerPrincipal(connection, id) else { return nil }
            return Customer(id: id, email: principal.email ?? "", name: principal.displayName ?? "")
        }
    }

    /// Starts a session for a new anonymous guest (a fresh guest id each call).
    public func createGuestSession() throws -> IssuedSession {
        try createSession(for: Principal(kind: .guest, id: UUID()))
    }

    static func loadCustomerPrincipal(_ connection: PostgresConnection, _ id: UUID) throws -> Principal? {
        let rows = try connection.execute(
            "SELECT email, name FROM eop_identity.customers WHERE id = $1", [PostgresValue(id)])
        guard rows.rowCount == 1 else { return nil }
        return Principal(kind: .customer, id: id, email: try rows.string(row: 0, "email"),
                         displayName: try rows.string(row: 0, "name"))
    }
}
