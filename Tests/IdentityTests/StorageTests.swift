import EOPIdentity
import EOPStorage
import Foundation
import Testing

@Suite("Identity storage")
struct IdentityStorageTests {
    @Test("no table stores a raw password, session token, API token or CSRF token")
    func noSecretsAtRest() async throws {
        let f = try await IdentityFixture.make()
        let staffPassword = "staff-secret-password-1"
        let customerPassword = "customer-secret-password-2"
        let wrongPassword = "a-wrong-password-attempt-3"
        try f.store.createRole("editor", permissions: ["catalog.product.write"])
        let user = try f.store.createStaff(email: "ada@example.com", password: staffPassword, displayName: "Ada", roles: ["editor"])
        _ = try f.store.registerCustomer(email: "grace@example.com", password: customerPassword, name: "Grace")
        _ = thrown(AuthenticationFailure.self) { try f.store.authenticateStaff(email: "ada@example.com", password: wrongPassword, client: "c") }
        let staff = try f.store.authenticateStaff(email: "ada@example.com", password: staffPassword, client: "c")
        let customer = try f.store.authenticateCustomer(email: "grace@example.com", password: customerPassword, client: "c")
        let sessions = [try f.store.createSession(for: staff), try f.store.createSession(for: customer), try f.store.createGuestSession()]
        let apiToken = try f.store.createAPIToken(userID: user.id, name: "ci")
        _ = try f.store.principal(forBearer: apiToken)

        var secrets = [staffPassword, customerPassword, wrongPassword, apiToken, String(apiToken.dropFirst(4))]
        for session in sessions { secrets += [session.token, session.csrfToken] }

        let dump: [String] = try f.pool.withConnection { connection in
            let tables = try connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'eop_identity' ORDER BY 1")
            #expect(tables.rowCount == 8)
            var rows: [String] = []
            for t in 0..<tables.rowCount {
                let table = try #require(tables.string(row: t, column: 0))
                // Each row as text, plus every bytea column decoded, in case a secret hid as bytes.
                let result = try connection.execute("SELECT t::text FROM eop_identity.\(try connection.quoteIdentifier(table)) t")
                rows += (0..<result.rowCount).compactMap { result.string(row: $0, column: 0) }
                let all = try connection.execute("SELECT * FROM eop_identity.\(try connection.quoteIdentifier(table))")
                for c in 0..<all.columnCount where all.isBytea(column: c) {
                    for r in 0..<all.rowCount { rows.append(String(decoding: try all.bytes(row: r, column: c) ?? [], as: UTF8.self)) }
                }
            }
            return rows
        }
        #expect(dump.count > 10)
        for secret in secrets {
            #expect(!dump.contains { $0.contains(secret) }, "a table holds a secret in the clear")
        }
        // Passwords are bcrypt hashes.
        let hashes: [String] = try f.pool.withConnection { connection in
            let r = try connection.execute(
                "SELECT password_hash FROM eop_identity.staff_users UNION ALL SELECT password_hash FROM eop_identity.customers")
            return (0..<r.rowCount).compactMap { r.string(row: $0, column: 0) }
        }
        #expect(hashes.count == 2 && hashes.allSatisfy { $0.hasPrefix("$2") && $0.count == 60 })
    }

    @Test("bootstrap is idempotent and two hosts may run it at once")
    func concurrentBootstrap() async throws {
        let conninfo = try await IdentityFixture.freshDatabase()
        let configuration = IdentityConfiguration(bcryptCost: 4)
        let a = IdentityStore(pool: ConnectionPool(name: "a", conninfo: conninfo, maxConnections: 1), configuration: configuration)
        let b = IdentityStore(pool: ConnectionPool(name: "b", conninfo: conninfo, maxConnections: 1), configuration: configuration)
        async let first: Void = Task.detached { try a.bootstrap() }.value
        async let second: Void = Task.detached { try b.bootstrap() }.value
        _ = try await (first, second)
        try a.bootstrap()
        _ = try a.createStaff(email: "ada@example.com", password: IdentityFixture.password, displayName: "Ada")
        try b.bootstrap()  // keeps data
        #expect(try b.hasAnyStaff())
    }

    @Test("purgeExpired removes expired sessions and old login attempts, keeps live sessions")
    func purge() async throws {
        let f = try await IdentityFixture.make()
        let old = try f.store.createGuestSession()
        _ = thrown(AuthenticationFailure.self) { try f.store.authenticateStaff(email: "x@example.com", password: "whatever123", client: "c") }
        f.clock.advance(by: 8 * 86_400)
        let fresh = try f.store.createGuestSession()
        #expect(try f.store.purgeExpired() == 2)
        #expect(try f.store.session(fresh.token) != nil)
        #expect(try f.store.session(old.token) == nil)
    }
}
