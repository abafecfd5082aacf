import EOPIdentity
import EOPStorage
import EOPTesting
import Foundation

/// A store over a fresh database on the shared test cluster, with bcrypt at
/// its minimum cost and a manual clock.
struct IdentityFixture {
    let store: IdentityStore
    let pool: ConnectionPool
    let clock: ManualIdentityClock

    static let password = "correct horse battery"

    static func make(configuration: IdentityConfiguration = IdentityConfiguration(bcryptCost: 4)) async throws -> IdentityFixture {
        let conninfo = try await freshDatabase()
        let pool = ConnectionPool(name: "identity-test", conninfo: conninfo, maxConnections: 2)
        let clock = ManualIdentityClock()
        let store = IdentityStore(pool: pool, configuration: configuration, clock: clock)
        try store.bootstrap()
        return IdentityFixture(store: store, pool: pool, clock: clock)
    }

    /// Creates a database no other test uses; returns its superuser conninfo.
    static func freshDatabase() async throws -> String {
        let cluster = try await TestCluster.shared()
        let name = TestCluster.uniqueName("identity")
        let admin = try await TestCluster.connect()
        defer { admin.close() }
        _ = try admin.execute("CREATE DATABASE \(name)")
        return try cluster.connectionString(database: name)
    }

    /// A staff user holding a role with `permissions`.
    func staff(_ email: String = "ada@example.com", permissions: [String] = ["catalog.product.write"]) throws -> StaffUser {
        let role = "role-\(UUID().uuidString.prefix(8).lowercased())"
        try store.createRole(role, permissions: permissions)
        return try store.createStaff(email: email, password: Self.password, displayName: "Ada", roles: [role])
    }
}

/// The error `body` throws, or nil.
func thrown<E: Error>(_ type: E.Type, _ body: () throws -> some Any) -> E? {
    do { _ = try body(); return nil } catch let error as E { return error } catch { return nil }
}
