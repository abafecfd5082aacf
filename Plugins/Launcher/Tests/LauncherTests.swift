import EOPIdentity
import EOPPluginTesting
import EOPStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Launcher plugin: setup wizard, onboarding checklist from facts, health page — against PostgreSQL over HTTP")
struct LauncherTests {
    static let staff = testHeaders("staff:owner:*")
    /// Settings that keep the disk check out of the way (free space is the machine's, not the test's).
    static func settings(smtp: String) -> [String: String] {
        ["launcher": #"{"smtp_url": "\#(smtp)", "smtp_timeout_ms": 500, "disk_min_free_mb": 0}"#]
    }

    @Test("the wizard checks currency (ISO 4217), locale and email, runs once, says Catalog is not active, and publishes the shop")
    func wizard() async throws {
        let shop = try await ModuleHost(modules: ["launcher"], settings: Self.settings(smtp: ""), identity: true)
        defer { shop.shutdown() }
        try #require(shop.host.plugin("launcher")?.state == .active, "\(shop.reason("launcher"))")
        let json = testHeaders(nil)
        let identity = try #require(shop.identity)
        try await shop.http { client in
            try await client.execute(uri: "/api/launcher/setup", method: .get) { r in
                #expect((try? jsonObject(r.body))?["completed"] as? Bool == false)
            }
            let good = #""shop_name":"Dhaka Tea","locale":"bn-BD","staff_email":"owner@tea.example","staff_password":"brewing-leaves-42","sample_catalog":true"#
            for (body, field) in [("{\(good),\"currency\":\"XYZ\"}", "currency"),
                                  (#"{"shop_name":"T","currency":"EUR","locale":"english","staff_email":"a@b.example","sample_catalog":false}"#, "locale"),
                                  (#"{"shop_name":"T","currency":"EUR","locale":"en-GB","staff_email":"nobody","sample_catalog":false}"#, "staff_email"),
                                  (#"{"shop_name":"T","currency":"EUR","locale":"en-GB","staff_email":"a@b.example"}"#, "sample_catalog"),
                                  (#"{"currency":"EUR","locale":"en-GB","staff_email":"a@b.example","sample_catalog":false}"#, "shop_name"),
                                  (#"{"shop_name":"T","currency":"EUR","locale":"en-GB","staff_email":"a@b.example","sample_catalog":false}"#, "staff_password")] {
                try await client.execute(uri: "/api/launcher/setup", method: .post, headers: json, body: ByteBuffer(string: body)) { r in
                    #expect(r.status == .badRequest, "\(body)")
                    #expect(problemField(r.body) == field, "\(body): \(String(buffer: r.body))")
                }
            }
            // The host's password rule (at least 10 characters) comes back naming the wizard's field, and nothing is set up.
            let short = #"{"shop_name":"T","currency":"EUR","locale":"en-GB","staff_email":"a@b.example","staff_password":"short","sample_catalog":false}"#
            try await client.execute(uri: "/api/launcher/setup", method: .post, headers: json, body: ByteBuffer(string: short)) { r in
                #expect(r.status == .unprocessableContent, "\(String(buffer: r.body))")
                #expect(problemField(r.body) == "staff_password", "\(String(buffer: r.body))")
            }
            #expect(try identity.hasAnyStaff() == false)
            try await client.execute(uri: "/api/launcher/setup", method: .post, headers: json, body: ByteBuffer(string: "{\(good),\"currency\":\"bdt\"}")) { r in
                #expect(r.status == .created, "\(String(buffer: r.body))")
                let answer = try jsonObject(r.body)
                #expect((answer["shop"] as? [String: Any])?["currency"] as? String == "BDT")
                let sample = try #require(answer["sample_catalog"] as? [String: Any])
                #expect(sample["outcome"] as? String == "Catalog is not active: it is not installed")
                let staff = try #require(answer["staff_account"] as? [String: Any])
                #expect(staff["created"] as? Bool == true, "\(staff)")
                #expect(staff["email"] as? String == "owner@tea.example")
                #expect(!String(buffer: r.body).contains("brewing-leaves-42"), "the password is never echoed")
            }
            // The account is real: the owner signs in with the wizard's password and holds every permission.
            let owner = try identity.authenticateStaff(email: "owner@tea.example", password: "brewing-leaves-42", client: "127.0.0.1")
            #expect(owner.permissions.contains("*"), "\(owner.permissions)")
            try await client.execute(uri: "/api/launcher/setup", method: .post, headers: json, body: ByteBuffer(string: "{\(good),\"currency\":\"EUR\"}")) { r in
                #expect(r.status == .conflict)
            }
            try await client.execute(uri: "/api/launcher/setup", method: .get) { r in
                let answer = try jsonObject(r.body)
                #expect(answer["completed"] as? Bool == true)
                #expect((answer["shop"] as? [String: Any])?["name"] as? String == "Dhaka Tea")
                #expect((answer["shop"] as? [String: Any])?["staff_email"] == nil, "the owner's login is not shown to anyone")
            }
            try await client.execute(uri: "/api/launcher/setup", method: .get, headers: testHeaders("staff:owner:*")) { r in
                #expect(((try? jsonObject(r.body))?["shop"] as? [String: Any])?["staff_email"] as? String == "owner@tea.example")
            }
        }
        #expect(shop.log.drain(timeout: .seconds(10)))
        let db = try shop.connect()
        defer { db.close() }
        let fact = try db.execute("SELECT convert_from(payload, 'UTF8') FROM eop.events WHERE topic = 'launcher.shop.configured' AND source = 'launcher'")
        #expect(fact.rowCount == 1)
        #expect(fact.string(row: 0, column: 0)?.contains(#""currency":"BDT""#) == true)
    }

    @Test("with a staff account already made (eop users create-owner), only signed-in staff may run the wizard, and no second account is made")
    func wizardAfterOwner() async throws {
        let shop = try await ModuleHost(modules: ["launcher"], settings: Self.settings(smtp: ""), identity: true)
        defer { shop.shutdown() }
        let identity = try #require(shop.identity)
        let owner = try identity.createFirstOwner(email: "first@tea.example", password: "first-owner-pass")
        let body = #"{"shop_name":"Tea","currency":"EUR","locale":"en-GB","staff_email":"second@tea.example","staff_password":"second-owner-pass","sample_catalog":false}"#
        try await shop.http { client in
            try await client.execute(uri: "/api/launcher/setup", method: .post, headers: testHeaders(nil), body: ByteBuffer(string: body)) { r in
                #expect(r.status == .forbidden, "\(String(buffer: r.body))")
                #expect(problemField(r.body) == "staff_email")
            }
            let staff = testHeaders("staff:\(owner.id.uuidString.lowercased()):*")
            try await client.execute(uri: "/api/launcher/setup", method: .post, headers: staff, body: ByteBuffer(string: body)) { r in
                #expect(r.status == .created, "\(String(buffer: r.body))")
                let account = try #require(try jsonObject(r.body)["staff_account"] as? [String: Any])
                #expect(account["created"] as? Bool == false)
            }
        }
        #expect(throws: AuthenticationFailure.self) { try identity.authenticateStaff(email: "second@tea.example", password: "second-owner-pass", client: "127.0.0.1") }
    }

    @Test("the checklist ticks 'first product' when catalog.product.created arrives, once, and the rest stay open")
    func checklistTicksFromFact() async throws {
        let shop = try await ModuleHost(modules: ["launcher"], settings: Self.settings(smtp: ""))
        defer { shop.shutdown() }
        try #require(shop.host.plugin("launcher")?.state == .active, "\(shop.reason("launcher"))")
        func items() async throws -> [String: [String: Any]] {
            let result = Box<[String: [String: Any]]>([:])
            try await shop.http { client in
                try await client.execute(uri: "/api/launcher/checklist", method: .get, headers: Self.staff) { r in
                    #expect(r.status == .ok, "\(String(buffer: r.body))")
                    for item in try jsonObject(r.body)["items"] as? [[String: Any]] ?? [] { result.value[item["item"] as? String ?? "?"] = item }
                }
            }
            return result.value
        }
        let before = try await items()
        #expect(before.count == 4)
        #expect(before.values.allSatisfy { $0["done"] as? Bool == false })

        let product = #"{"product_id":"0193a1b2-0000-7000-8000-000000000001","slug":"green-tea","name":"Green tea","status":"active","variants":[{"variant_id":"v1","sku":"GT-1","price":450,"currency":"BDT"}]}"#
        let first = try shop.host.publish(topic: "catalog.product.created", payload: Data(product.utf8), source: "catalog")
        #expect(shop.log.drain(timeout: .seconds(20)))
        let after = try await items()
        #expect(after["first_product"]?["done"] as? Bool == true, "\(after)")
        #expect(after["first_product"]?["done_by"] as? String == "catalog.product.created")
        #expect(["payment_method", "shipping", "notifications"].allSatisfy { after[$0]?["done"] as? Bool == false })

        // A second product changes nothing: the item records the first fact.
        try shop.host.publish(topic: "catalog.product.created", payload: Data(product.utf8), source: "catalog")
        #expect(shop.log.drain(timeout: .seconds(20)))
        let db = try shop.connect()
        defer { db.close() }
        let row = try db.execute("SELECT event_id FROM \(shop.schema(of: "launcher")).checklist WHERE item = 'first_product'")
        #expect(row.string(row: 0, column: 0) == first.uuidString.lowercased())

        // An item whose module publishes nothing yet can be ticked by hand, with the permission.
        try await shop.http { client in
            try await client.execute(uri: "/api/launcher/checklist/shipping", method: .post, headers: testHeaders("staff:clerk:")) { r in #expect(r.status == .forbidden) }
            try await client.execute(uri: "/api/launcher/checklist/shipping", method: .post, headers: Self.staff) { r in
                #expect((try? jsonObject(r.body))?["remaining"] as? Int == 2)
            }
            try await client.execute(uri: "/api/launcher/checklist/nothing", method: .post, headers: Self.staff) { r in #expect(r.status == .notFound) }
        }
    }

    @Test("health: the SMTP check fails when nothing listens (503) and passes when a server accepts; database, plugins, license checked")
    func healthReportsSMTP() async throws {
        let port = try closedLoopbackPort()
        let shop = try await ModuleHost(modules: ["launcher"], refused: ["docs"], settings: Self.settings(smtp: "smtp://127.0.0.1:\(port)"))
        defer { shop.shutdown() }
        try #require(shop.host.plugin("launcher")?.state == .active, "\(shop.reason("launcher"))")
        try await shop.http { client in
            try await client.execute(uri: "/api/launcher/health", method: .get) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/api/launcher/health", method: .get, headers: Self.staff) { r in
                #expect(r.status == .serviceUnavailable, "\(String(buffer: r.body))")
                let answer = try jsonObject(r.body)
                #expect(answer["status"] as? String == "fail")
                let checks = Dictionary(uniqueKeysWithValues: (answer["checks"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "?", $0) })
                #expect(Set(checks.keys) == ["database", "plugins", "license", "smtp", "disk"])
                #expect(checks["smtp"]?["status"] as? String == "fail")
                #expect((checks["smtp"]?["detail"] as? String)?.contains("127.0.0.1:\(port) is not reachable") == true, "\(checks["smtp"] ?? [:])")
                #expect(checks["database"]?["status"] as? String == "ok", "\(checks["database"] ?? [:])")
                #expect((checks["database"]?["detail"] as? String)?.hasPrefix("PostgreSQL ") == true)
                #expect(checks["plugins"]?["status"] as? String == "ok", "\(checks["plugins"] ?? [:])")
                #expect(checks["license"]?["status"] as? String == "ok", "\(checks["license"] ?? [:])")
                #expect((checks["license"]?["detail"] as? String)?.contains("starter tier, expires 2030-01-01") == true, "\(checks["license"] ?? [:])")
                #expect(checks["disk"]?["status"] as? String == "ok")
            }
        }

        shop.shutdown()  // one ModuleHost at a time
        let listener = try LoopbackListener()
        defer { listener.close() }
        let reachable = try await ModuleHost(modules: ["launcher"], settings: Self.settings(smtp: "smtp://127.0.0.1:\(listener.port)"))
        defer { reachable.shutdown() }
        try await reachable.http { client in
            try await client.execute(uri: "/api/launcher/health", method: .get, headers: Self.staff) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
                let smtp = (try jsonObject(r.body)["checks"] as? [[String: Any]])?.first { $0["name"] as? String == "smtp" }
                #expect(smtp?["status"] as? String == "ok", "\(smtp ?? [:])")
            }
        }
    }
}
