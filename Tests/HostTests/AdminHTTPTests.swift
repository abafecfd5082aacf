import EOPAdmin
import EOPConsole
import EOPGateway
import EOPIdentity
import EOPLoader
import EOPStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A backend with fixed rows: these tests are about sign-in, CSRF and authorisation.
struct FixedBackend: AdminBackend {
    func plugins() -> [PluginRow] { [PluginRow(id: "catalog", name: "Catalog", version: "1.0.0", state: "active")] }
    func activate(_ id: String) throws {}
    func deactivate(_ id: String) throws { throw FixtureError("cannot deactivate '\(id)': active modules depend on it: cart") }
    func license() -> LicenseSummary { LicenseSummary(licensee: "Test", tier: "Starter", environment: "development", expires: "2030-01-01", daysLeft: 9, entitled: 1, refused: 0) }
    func deadLetters() throws -> [DeadLetterRow] { [] }
    func replay(_ id: UUID) throws {}
    func settingsForms() -> [ModuleSettingsForm] { [] }
    func permissions() -> [String: String] { ["catalog.product.read": "Read products", "admin.read": "Read admin"] }
    func updateSettings(_ pluginID: String, values: [String: String]) throws -> String { "saved" }
    func swap(_ id: String, source: String, by: String, pauseDeadline: Duration, progress: @escaping @Sendable (SwapStep) -> Void) throws -> SwapRecord {
        throw SwapError(step: "verify", reason: "'\(id)' is not installed", record: nil)
    }
    func rollback(_ id: String, by: String, progress: @escaping @Sendable (SwapStep) -> Void) throws -> SwapRecord {
        throw SwapError(step: "verify", reason: "'\(id)' has not been swapped", record: nil)
    }
    func swapHistory(_ id: String?) throws -> [SwapRecord] { [] }
}

@Suite("Sign-in, CSRF and the admin API over HTTP")
struct AdminHTTPTests {
    static func setUp() async throws -> (Gateway, IdentityStore, PluginHost) {
        let db = try await TestDatabase.make()
        let conninfo = db.target.conninfo
        let store = IdentityStore(pool: ConnectionPool(name: "identity", maxConnections: 2) { try PostgresConnection(conninfo) },
                                  configuration: IdentityConfiguration(bcryptCost: 4))
        try store.bootstrap()
        _ = try store.createFirstOwner(email: "owner@shop.example", password: "correct horse battery")
        _ = try store.createRole("viewer", permissions: ["catalog.product.read"])
        _ = try store.createStaff(email: "viewer@shop.example", password: "another long secret", displayName: "Viewer", roles: ["viewer"])
        let ws = try Workspace()
        let host = try ws.host()
        let admin = AdminRoutes(backend: FixedBackend(), store: store, renderer: try ConsoleRenderer())
        let accounts = AccountRoutes(store: store)
        let gateway = Gateway(plugins: host, configuration: .init(port: 0, principals: IdentityPrincipals(store: store),
                                                                  hostRoutes: { admin.register(on: $0); accounts.register(on: $0) }))
        return (gateway, store, host)
    }

    static func cookies(_ response: TestResponse) -> [String: String] {
        var jar: [String: String] = [:]
        for header in response.headers[values: .setCookie] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            if pair.count == 2 { jar[String(pair[0])] = String(pair[1]) } else if pair.count == 1 { jar[String(pair[0])] = "" }
        }
        return jar
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf_token" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func form(_ fields: [String: String], cookie: String) -> (HTTPFields, ByteBuffer) {
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&")
        return ([.contentType: "application/x-www-form-urlencoded", .cookie: cookie], ByteBuffer(string: body))
    }

    @Test("the login form rejects a missing or wrong CSRF token; the right one signs in with an HttpOnly, SameSite cookie")
    func loginCSRF() async throws {
        let (gateway, _, _) = try await Self.setUp()
        try await gateway.application().test(.live) { client in
            let page = try await client.execute(uri: "/admin/login", method: .get)
            let cookie = try #require(Self.cookies(page)["eop_login_csrf"])
            let token = try #require(Self.csrf(in: String(buffer: page.body)))
            #expect(token == cookie)
            let wrong = Self.form(["email": "owner@shop.example", "password": "correct horse battery", "csrf_token": "forged"], cookie: "eop_login_csrf=\(cookie)")
            let refused = try await client.execute(uri: "/admin/login", method: .post, headers: wrong.0, body: wrong.1)
            #expect(refused.status == .forbidden)
            #expect(Self.cookies(refused)["eop_session"] == nil)
            let right = Self.form(["email": "owner@shop.example", "password": "correct horse battery", "csrf_token": token], cookie: "eop_login_csrf=\(cookie)")
            let ok = try await client.execute(uri: "/admin/login", method: .post, headers: right.0, body: right.1)
            #expect(ok.status == .seeOther)
            #expect(ok.headers[.location] == "/admin")
            let setCookie = try #require(ok.headers[values: .setCookie].first { $0.hasPrefix("eop_session=") })
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"))

            // Signed in: a console form without the session's CSRF token is refused.
            let session = "eop_session=\(try #require(Self.cookies(ok)["eop_session"]))"
            let dashboard = try await client.execute(uri: "/admin", method: .get, headers: [.cookie: session])
            #expect(dashboard.status == .ok)
            let sessionToken = try #require(Self.csrf(in: String(buffer: dashboard.body)))
            let noToken = Self.form([:], cookie: session)
            #expect(try await client.execute(uri: "/admin/plugins/catalog/deactivate", method: .post, headers: noToken.0, body: noToken.1).status == .forbidden)
            let withToken = Self.form(["csrf_token": sessionToken], cookie: session)
            let done = try await client.execute(uri: "/admin/plugins/catalog/deactivate", method: .post, headers: withToken.0, body: withToken.1)
            #expect(done.status == .seeOther)
            #expect(done.headers[.location]?.contains("cart") == true, "the refusal reason reaches the operator: \(done.headers[.location] ?? "")")
        }
    }

    @Test("login throttling: the sixth failure is answered 429 with Retry-After, and then even the right password is refused")
    func throttling() async throws {
        let (gateway, _, _) = try await Self.setUp()
        try await gateway.application().test(.live) { client in
            func attempt(_ password: String) async throws -> TestResponse {
                let page = try await client.execute(uri: "/admin/login", method: .get)
                let cookie = try #require(Self.cookies(page)["eop_login_csrf"])
                let f = Self.form(["email": "viewer@shop.example", "password": password, "csrf_token": cookie], cookie: "eop_login_csrf=\(cookie)")
                return try await client.execute(uri: "/admin/login", method: .post, headers: f.0, body: f.1)
            }
            for _ in 0..<5 { #expect(try await attempt("wrong password!").status == .unauthorized) }
            #expect(try await attempt("wrong password!").status == .tooManyRequests)
            let throttled = try await attempt("another long secret")
            #expect(throttled.status == .tooManyRequests)
            #expect(Int(throttled.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(Self.cookies(throttled)["eop_session"] == nil)
        }
    }

    @Test("the admin API: 401 without credentials, 403 without the permission, 200 with a bearer token that has it")
    func adminAPI() async throws {
        let (gateway, store, _) = try await Self.setUp()
        let owner = try store.authenticateStaff(email: "owner@shop.example", password: "correct horse battery", client: "test")
        let ownerToken = try store.createAPIToken(userID: owner.id, name: "ci")
        let viewer = try store.authenticateStaff(email: "viewer@shop.example", password: "another long secret", client: "test")
        let viewerToken = try store.createAPIToken(userID: viewer.id, name: "ci")
        try await gateway.application().test(.live) { client in
            #expect(try await client.execute(uri: "/api/admin/plugins", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/admin/plugins", method: .get, headers: [.authorization: "Bearer \(viewerToken)"]).status == .forbidden)
            let ok = try await client.execute(uri: "/api/admin/plugins", method: .get, headers: [.authorization: "Bearer \(ownerToken)"])
            #expect(ok.status == .ok)
            #expect(String(buffer: ok.body).contains(#""id":"catalog""#))
            let refused = try await client.execute(uri: "/api/admin/plugins/catalog/deactivate", method: .post, headers: [.authorization: "Bearer \(ownerToken)"])
            #expect(refused.status == .conflict)
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect(String(buffer: refused.body).contains("active modules depend on it: cart"))
            let badUser = try await client.execute(uri: "/api/admin/users", method: .post, headers: [.authorization: "Bearer \(ownerToken)", .contentType: "application/json"],
                                                   body: ByteBuffer(string: #"{"email":"new@shop.example","password":"short"}"#))
            #expect(badUser.status == .badRequest)
            #expect(String(buffer: badUser.body).contains(#""field":"password""#))
            let undeclared = try await client.execute(uri: "/api/admin/roles", method: .post, headers: [.authorization: "Bearer \(ownerToken)", .contentType: "application/json"],
                                                      body: ByteBuffer(string: #"{"name":"clerk","permissions":["catalog.product.read","catalog.price.fly"]}"#))
            #expect(undeclared.status == .badRequest)
            #expect(String(buffer: undeclared.body).contains("catalog.price.fly is not declared"))
            let role = try await client.execute(uri: "/api/admin/roles", method: .post, headers: [.authorization: "Bearer \(ownerToken)", .contentType: "application/json"],
                                                body: ByteBuffer(string: #"{"name":"clerk","permissions":["catalog.product.read"]}"#))
            #expect(role.status == .created)
        }
    }

    @Test("a customer registers, signs in with a session cookie, is known to the gateway, and signs out")
    func customerAccount() async throws {
        let (gateway, _, _) = try await Self.setUp()
        let json: HTTPFields = [.contentType: "application/json"]
        try await gateway.application().test(.live) { client in
            let created = try await client.execute(uri: "/api/account/customers", method: .post, headers: json,
                                                   body: ByteBuffer(string: #"{"email":"ada@example.com","password":"a long enough secret","name":"Ada"}"#))
            #expect(created.status == .created)
            let duplicate = try await client.execute(uri: "/api/account/customers", method: .post, headers: json,
                                                     body: ByteBuffer(string: #"{"email":"ADA@example.com","password":"a long enough secret","name":"Ada"}"#))
            #expect(duplicate.status == .badRequest)
            #expect(String(buffer: duplicate.body).contains(#""field":"email""#))
            let wrong = try await client.execute(uri: "/api/account/session", method: .post, headers: json,
                                                 body: ByteBuffer(string: #"{"email":"ada@example.com","password":"nope nope nope"}"#))
            #expect(wrong.status == .unauthorized)
            let signedIn = try await client.execute(uri: "/api/account/session", method: .post, headers: json,
                                                    body: ByteBuffer(string: #"{"email":"ada@example.com","password":"a long enough secret"}"#))
            #expect(signedIn.status == .ok)
            let cookie = try #require(Self.cookies(signedIn)["eop_session"])
            let me = try await client.execute(uri: "/api/account/session", method: .get, headers: [.cookie: "eop_session=\(cookie)"])
            #expect(me.status == .ok)
            #expect(String(buffer: me.body).contains(#""kind":"customer""#))
            let out = try await client.execute(uri: "/api/account/session", method: .delete, headers: [.cookie: "eop_session=\(cookie)"])
            #expect(out.status == .noContent)
            #expect(try await client.execute(uri: "/api/account/session", method: .get, headers: [.cookie: "eop_session=\(cookie)"]).status == .unauthorized)
        }
    }
}
