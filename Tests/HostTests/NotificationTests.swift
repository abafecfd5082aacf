import EOPAdmin
import EOPEventLog
import EOPGateway
import EOPIdentity
import EOPLoader
import EOPManifest
import EOPNotification
import EOPStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// The notification module end to end: facts published through the durable event log,
/// messages delivered to a real SMTP server (aiosmtpd) and to a local stand-in for
/// Twilio that checks requests like the real API, on a real PostgreSQL database.
@Suite("Notification", .serialized)
struct NotificationTests {
    @Test("an order.order.placed fact becomes a rendered email in a real SMTP server, and an in-app item")
    func orderPlacedEmail() async throws {
        let smtp = try LocalServer.smtp()
        let env = try await NotificationEnvironment(configuration: .init(smtp: smtp.settings))
        defer { env.close() }
        let customer = UUID().uuidString.lowercased()
        let factID = try env.publish("order.order.placed", ["order_id": "o-1001", "total": 12345, "currency": "USD",
                                                            "customer": customer, "customer_email": "ann@example.test"])

        let mail = try await smtp.waitForLines(1)[0]
        #expect(mail["rcpt_tos"] as? [String] == ["ann@example.test"])
        #expect(mail["to"] as? String == "ann@example.test")
        #expect(mail["mail_from"] as? String == "shop@example.test")
        #expect(mail["subject"] as? String == "Order o-1001 received")
        #expect((mail["text"] as? String)?.contains("We received order o-1001 for $123.45.") == true)
        #expect((mail["html"] as? String)?.contains("<strong>o-1001</strong>") == true)

        let rows = try await env.waitFor { try env.notifications.deliveries(requestID: factID).filter { $0.status != "queued" } } until: { $0.count == 2 }
        let email = try #require(rows.first { $0.channel == "email" })
        #expect(email.status == "sent")
        #expect(email.attempts == 1)
        #expect(email.providerAnswer.contains("SMTP 250"))
        let inbox = try await env.waitFor { try env.notifications.inbox(user: customer) } until: { !$0.isEmpty }
        #expect(inbox.first?.title == "Order o-1001 received")
        #expect(inbox.first?.read == false)
        #expect(try env.notifications.markRead(user: customer, id: inbox[0].id))
        #expect(try env.notifications.inbox(user: customer, unreadOnly: true).isEmpty)
        #expect(try env.notifications.markRead(user: "someone-else", id: inbox[0].id) == false)
    }

    @Test("an SMS reaches a local Twilio stand-in with Basic auth and the To, From and Body form fields")
    func smsThroughTwilio() async throws {
        let twilio = try LocalServer.twilio(sid: "AC0123456789", token: "secret-token")
        let env = try await NotificationEnvironment(configuration: .init(
            twilio: .init(baseURL: twilio.baseURL, accountSID: "AC0123456789", authToken: "secret-token", from: "+15005550006")))
        defer { env.close() }
        try env.notifications.saveRule(.init(topic: "order.fulfillment.shipped", type: "order.shipped",
                                             recipient: ["phone": "{{customer_phone}}"], channels: [.sms]))
        let factID = try env.publish("order.fulfillment.shipped", ["order_id": "o-77", "customer_phone": "+15551234567", "tracking_number": "1Z999"])

        let sms = try await twilio.waitForLines(1)[0]
        #expect(sms["to"] as? String == "+15551234567")
        #expect(sms["from"] as? String == "+15005550006")
        #expect(sms["body"] as? String == "Order o-77 has shipped. Tracking: 1Z999")
        let row = try await env.waitFor { try env.notifications.deliveries(requestID: factID).filter { $0.channel == "sms" && $0.status == "sent" } } until: { $0.count == 1 }
        #expect(row[0].providerAnswer == "Twilio message \(sms["sid"] as? String ?? "?")")
    }

    @Test("a push reaches a local FCM HTTP v1 stand-in with the bearer token, device token, title and body")
    func pushThroughFCM() async throws {
        let fcm = try LocalServer(script: "fake_fcm.py", arguments: ["shop-project", "access-token-1"])
        let env = try await NotificationEnvironment(configuration: .init(fcm: .init(baseURL: fcm.baseURL, project: "shop-project", accessToken: "access-token-1")))
        defer { env.close() }
        let id = try env.notifications.notify(type: "order.shipped", recipient: .init(pushToken: "device-token-42"), channels: [.push],
                                              data: ["order_id": "o-88"], origin: "test")
        let push = try await fcm.waitForLines(1)[0]
        #expect(push["token"] as? String == "device-token-42")
        #expect(push["title"] as? String == "Your order is on its way")
        #expect(push["body"] as? String == "Order o-88 has shipped.")
        let row = try await env.waitFor { try env.notifications.deliveries(status: "sent", requestID: id) } until: { $0.count == 1 }
        #expect(row[0].providerAnswer == "FCM message \(push["name"] as? String ?? "?")")
    }

    @Test("email goes over STARTTLS when the server offers it (and requires it)")
    func smtpStartTLS() async throws {
        let smtp = try LocalServer.smtp(starttls: true)
        var settings = smtp.settings
        settings.verifyTLS = false  // the test server's certificate is self-signed
        let env = try await NotificationEnvironment(configuration: .init(smtp: settings))
        defer { env.close() }
        _ = try env.notifications.notify(type: "order.paid", recipient: .init(email: "tls@example.test"), channels: [.email],
                                         data: ["order_id": "o-3", "total": 500, "currency": "GBP"], origin: "test")
        let mail = try await smtp.waitForLines(1)[0]
        #expect(mail["tls"] as? Bool == true)
        #expect(mail["subject"] as? String == "Payment received for order o-3")
        #expect((mail["text"] as? String)?.contains("£5.00") == true)
    }

    @Test("Twilio's refusal of wrong credentials is recorded as a final failure with its message")
    func smsWrongCredentials() async throws {
        let twilio = try LocalServer.twilio(sid: "AC0123456789", token: "secret-token")
        let env = try await NotificationEnvironment(configuration: .init(
            twilio: .init(baseURL: twilio.baseURL, accountSID: "AC0123456789", authToken: "wrong", from: "+15005550006")))
        defer { env.close() }
        let id = try env.notifications.notify(type: "order.shipped", recipient: .init(phone: "+15551234567"), channels: [.sms],
                                              data: ["order_id": "o-78"], origin: "test")
        let row = try await env.waitFor { try env.notifications.deliveries(status: "failed", requestID: id) } until: { $0.count == 1 }
        #expect(row[0].providerAnswer == "HTTP 401: Authenticate")
        #expect(row[0].attempts == 1)  // a 4xx is final: no retry
        #expect(try twilio.lines().isEmpty)
    }

    @Test("a user who opted out gets no marketing message, but still gets the transactional one")
    func optOutHonoured() async throws {
        let smtp = try LocalServer.smtp()
        let env = try await NotificationEnvironment(configuration: .init(smtp: smtp.settings))
        defer { env.close() }
        let n = env.notifications
        try n.saveType(.init(id: "promo.thanks", topic: "order.order.placed", transactional: false, description: "Marketing follow-up"))
        try n.saveTemplate(.init(type: "promo.thanks", channel: .email, locale: "en", subject: "10% off your next order", body: "Thanks for order {{order_id}}!"))
        try n.saveRule(.init(topic: "order.order.placed", type: "promo.thanks", recipient: ["user": "{{customer}}", "email": "{{customer_email}}"], channels: [.email]))
        try n.setPreference(user: "cust-opted-out", type: "promo.thanks", channel: "email", optedOut: true)
        // Transactional mail cannot be opted out of.
        try n.setPreference(user: "cust-opted-out", type: "order.placed", channel: "*", optedOut: true)

        let optedOut = try env.publish("order.order.placed", ["order_id": "o-1", "total": 100, "currency": "USD", "customer": "cust-opted-out", "customer_email": "out@example.test"])
        let optedIn = try env.publish("order.order.placed", ["order_id": "o-2", "total": 100, "currency": "USD", "customer": "cust-in", "customer_email": "in@example.test"])

        let mails = try await smtp.waitForLines(3)
        let received = Set(mails.map { "\(($0["rcpt_tos"] as? [String])?.first ?? "?") \($0["subject"] as? String ?? "?")" })
        #expect(received == ["out@example.test Order o-1 received", "in@example.test Order o-2 received", "in@example.test 10% off your next order"])
        let skipped = try n.deliveries(status: "skipped", requestID: optedOut)
        #expect(skipped.count == 1)
        #expect(skipped.first?.type == "promo.thanks")
        #expect(skipped.first?.providerAnswer == "the recipient opted out of promo.thanks by email")
        #expect(try n.deliveries(status: "skipped", requestID: optedIn).isEmpty)
        try await Task.sleep(for: .milliseconds(500))
        #expect(try smtp.lines().count == 3)  // nothing more arrives later
    }

    @Test("an SMTP server that refuses the first attempt (451) gets a retry, and the success is recorded")
    func smtpRetry() async throws {
        let smtp = try LocalServer.smtp(refuseFirst: 1)
        let env = try await NotificationEnvironment(configuration: .init(smtp: smtp.settings, retryDelay: .milliseconds(200)))
        defer { env.close() }
        let id = try env.notifications.notify(type: "password.reset", recipient: .init(email: "bob@example.test"), channels: [.email],
                                              data: ["user_id": "u-1", "email": "bob@example.test", "reset_url": "https://shop.test/reset/abc", "expires_in_minutes": 30],
                                              origin: "test")
        let mail = try await smtp.waitForLines(1)[0]
        #expect(mail["subject"] as? String == "Reset your password")
        #expect((mail["text"] as? String)?.contains("https://shop.test/reset/abc") == true)
        let row = try await env.waitFor { try env.notifications.deliveries(status: "sent", requestID: id) } until: { $0.count == 1 }
        #expect(row[0].attempts == 2)
        let attempts = try env.notifications.attempts(of: row[0].id)
        #expect(attempts.map(\.outcome) == ["retry", "sent"])
        #expect(attempts[0].answer.contains("451"))
    }

    @Test("a broken template is refused when saved, naming the part, the line and the reason")
    func brokenTemplatesRefused() async throws {
        let env = try await NotificationEnvironment(configuration: .init())
        defer { env.close() }
        let n = env.notifications
        func refusal(_ t: Notifications.Template) -> NotificationError? {
            do { try n.saveTemplate(t); return nil } catch { return error as? NotificationError }
        }
        let unknown = refusal(.init(type: "order.placed", channel: .email, locale: "de", subject: "Bestellung {{order_id}}",
                                    html: "<p>Hallo</p>\n<p>Summe: {{totl}}</p>", body: "Summe {{total_formatted}}"))
        #expect(unknown?.field == "html")
        #expect(unknown?.line == 2)
        #expect(unknown?.reason.hasPrefix("unknown variable 'totl'") == true)

        let unclosed = refusal(.init(type: "order.placed", channel: .sms, locale: "en", body: "Order {{order_id}}\n{{#customer}}\nfor you"))
        #expect(unclosed?.field == "body")
        #expect(unclosed?.line == 3)
        #expect(unclosed?.reason.contains("never closed") == true)

        let nested = refusal(.init(type: "order.shipped", channel: .sms, locale: "en", body: "{{#tracking_url}}\n{{tracking_url.host}}{{/tracking_url}}"))
        #expect(nested?.description == "body line 2: unknown variable 'tracking_url.host'; the payload has carrier, customer, customer_email, customer_phone, fulfillment_id, items, number, order_id, tracking_number, tracking_url")

        // Every shipped default passes the same check, and previews with sample data.
        let defaults = try n.templates()
        #expect(Set(defaults.map(\.type)) == ["order.placed", "order.paid", "order.shipped", "password.reset", "stock.low"])
        for template in defaults {
            try n.saveTemplate(template)
            #expect(try !n.preview(template, data: nil).body.isEmpty || template.channel == .inapp)
        }

        // Nothing was written; a good template is saved and previews with sample data.
        #expect(try n.templates().contains { $0.locale == "de" } == false)
        try n.saveTemplate(.init(type: "order.placed", channel: .email, locale: "de", subject: "Bestellung {{order_id}}", html: "<p>{{total_formatted}}</p>", body: "Summe {{total_formatted}}"))
        let preview = try n.preview(.init(type: "order.placed", channel: .email, locale: "de", subject: "Bestellung {{order_id}}", html: "<b>{{customer}}</b>", body: "Summe {{total_formatted}}"),
                                    data: ["order_id": "o-5", "total": 250, "currency": "EUR", "customer": "<Ann & Co>"])
        #expect(preview == .init(subject: "Bestellung o-5", html: "<b>&lt;Ann &amp; Co&gt;</b>", body: "Summe €2.50"))
        #expect(throws: NotificationError.self) { try n.preview(.init(type: "order.placed", channel: .sms, locale: "en", body: "x"), data: ["order_id": "o"]) }
    }

    @Test("a C plugin queues an in-app notification through eop.notify.v1; bad data is refused naming the field")
    func pluginNotify() async throws {
        let env = try await NotificationEnvironment(configuration: .init())
        defer { env.close() }
        try env.workspace.compileC(Repo.root.appendingPathComponent("Tests/HostTests/Fixtures/notifier.c"), library: "libnotifier.so")
        try env.workspace.schema("notifier.notify.send", #"{"topic": "notifier.notify.send", "kind": "query", "owner": "notifier", "version": 1, "payload": {"type": "object"}}"#)
        try env.workspace.manifest("notifier", #"""
            {"id": "notifier", "version": "1.0.0", "abi": "\#(currentABI)", "library": "libnotifier.so", "runtime": "c", "release_date": "2026-11-01",
             "answers": [{"topic": "notifier.notify.send", "handler": "notifier_send"}]}
            """#)
        let (host, log) = try env.workspace.durableHost(env.database)
        defer { log.shutdown() }
        env.notifications.registerExtension(on: host, storage: log)
        defer { env.notifications.unregisterExtension(storage: log) }
        _ = host.boot()
        defer { host.shutdown() }
        #expect(host.plugin("notifier")?.state == .active, "\(host.reason("notifier"))")

        let ok = try host.ask("notifier.notify.send", #"{"order_id": "o-plugin", "tracking_number": "TN-9"}"#)
        #expect(ok["status"] as? Int == 0)
        let inbox = try await env.waitFor { try env.notifications.inbox(user: "plugin-customer") } until: { !$0.isEmpty }
        #expect(inbox.first?.title == "Order o-plugin shipped")
        #expect(inbox.first?.body == "Tracking number TN-9.")
        // The inbox item is written before its delivery row is marked sent: wait for that too.
        let rows = try await env.waitFor { try env.notifications.deliveries(status: "sent").filter { $0.origin == "plugin notifier" } } until: { !$0.isEmpty }
        #expect(rows.count == 1)

        let bad = try host.ask("notifier.notify.send", #"{"tracking_number": "TN-9"}"#)
        #expect(bad["status"] as? Int == -1)
        #expect(bad["error"] as? String == "data.order_id: is required")
    }

    @Test("over HTTP: staff save and preview templates (a broken one is 400 with line and reason), users read their inbox and set opt-outs")
    func http() async throws {
        let env = try await NotificationEnvironment(configuration: .init())
        defer { env.close() }
        let conninfo = env.database.target.conninfo
        let store = IdentityStore(pool: ConnectionPool(name: "identity", maxConnections: 2) { try PostgresConnection(conninfo) },
                                  configuration: IdentityConfiguration(bcryptCost: 4))
        try store.bootstrap()
        let owner = try store.createFirstOwner(email: "owner@shop.example", password: "correct horse battery")
        let staffToken = try store.createAPIToken(userID: owner.id, name: "ci")
        _ = try store.registerCustomer(email: "ann@example.test", password: "a long customer secret", name: "Ann")
        let session = try store.createSession(for: try store.authenticateCustomer(email: "ann@example.test", password: "a long customer secret", client: "test"))
        let customer = session.principal.id.uuidString.lowercased()
        let changed = Mutex<[String]>([])
        let routes = NotificationRoutes(notifications: env.notifications, principals: IdentityPrincipals(store: store)) { what, id in
            changed.withLock { $0.append("\(what) \(id)") }
        }
        let gateway = Gateway(plugins: env.host, configuration: .init(port: 0, principals: IdentityPrincipals(store: store), hostRoutes: { routes.register(on: $0) }))
        let staff: HTTPFields = [.authorization: "Bearer \(staffToken)", .contentType: "application/json"]
        let user: HTTPFields = [.cookie: "\(IdentityPrincipals.sessionCookie)=\(session.token)", .contentType: "application/json"]

        try await gateway.application().test(.live) { client in
            #expect(try await client.execute(uri: "/api/admin/notification/templates", method: .get).status == .unauthorized)
            let broken = try await client.execute(uri: "/api/admin/notification/templates/order.placed/email/fr", method: .put, headers: staff,
                                                  body: ByteBuffer(string: #"{"subject": "Commande {{order_id}}", "html": "<p>Merci</p>\n<p>{{totl}}</p>", "body": "Merci"}"#))
            #expect(broken.status == .badRequest)
            let problem = try #require(try JSONSerialization.jsonObject(with: Data(buffer: broken.body)) as? [String: Any])
            let error = try #require((problem["errors"] as? [[String: String]])?.first)
            #expect(error["field"] == "html")
            #expect(error["reason"]?.hasPrefix("line 2: unknown variable 'totl'") == true)

            let saved = try await client.execute(uri: "/api/admin/notification/templates/order.placed/email/fr", method: .put, headers: staff,
                                                 body: ByteBuffer(string: #"{"subject": "Commande {{order_id}}", "html": "<p>{{total_formatted}}</p>", "body": "Total {{total_formatted}}"}"#))
            #expect(saved.status == .ok)
            // Only the saved template is a settings change (the host publishes notification.settings.changed from it).
            #expect(changed.withLock { $0 } == ["template order.placed/email/fr"])
            let preview = try await client.execute(uri: "/api/admin/notification/preview", method: .post, headers: staff,
                                                   body: ByteBuffer(string: #"{"type": "order.placed", "channel": "email", "locale": "fr", "data": {"order_id": "o-9", "total": 990, "currency": "EUR"}}"#))
            let rendered = try #require(try JSONSerialization.jsonObject(with: Data(buffer: preview.body)) as? [String: String])
            #expect(rendered == ["subject": "Commande o-9", "html": "<p>€9.90</p>", "body": "Total €9.90"])

            let requestID = try env.notifications.notify(type: "order.paid", recipient: .init(user: customer), channels: [.inapp],
                                                         data: ["order_id": "o-9", "total": 990, "currency": "EUR"], origin: "test")
            _ = try await env.waitFor { try env.notifications.inbox(user: customer) } until: { !$0.isEmpty }
            let inbox = try await client.execute(uri: "/api/notification/inbox", method: .get, headers: user)
            let listed = try #require(try JSONSerialization.jsonObject(with: Data(buffer: inbox.body)) as? [String: Any])
            let item = try #require((listed["items"] as? [[String: Any]])?.first)
            #expect(item["title"] as? String == "Payment received")
            #expect(listed["unread"] as? Int == 1)
            let id = try #require(item["id"] as? String)
            #expect(try await client.execute(uri: "/api/notification/inbox/\(id)/read", method: .post, headers: user).status == .ok)
            let unread = try await client.execute(uri: "/api/notification/inbox?unread=true", method: .get, headers: user)
            #expect(String(buffer: unread.body).contains(#""unread":0"#))
            #expect(try await client.execute(uri: "/api/notification/inbox", method: .get).status == .unauthorized)

            let optOut = try await client.execute(uri: "/api/notification/preferences", method: .put, headers: user,
                                                  body: ByteBuffer(string: #"{"type": "order.paid", "channel": "sms", "opted_out": true}"#))
            #expect(optOut.status == .ok)
            #expect(try env.notifications.preferences(user: customer).map(\.type) == ["order.paid"])

            let deliveries = try await client.execute(uri: "/api/admin/notification/deliveries?request=\(requestID.uuidString.lowercased())", method: .get, headers: staff)
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(buffer: deliveries.body)) as? [[String: Any]])
            #expect(rows.map { $0["status"] as? String } == ["sent"])
        }
    }
}

/// A database with the event log and the notification module running on it.
struct NotificationEnvironment: @unchecked Sendable {
    let database: TestDatabase
    let workspace: Workspace
    let host: PluginHost
    let log: EventLog
    let notifications: Notifications

    init(configuration: NotificationConfiguration) async throws {
        database = try await TestDatabase.make()
        workspace = try Workspace()
        (host, log) = try workspace.durableHost(database)
        let conninfo = database.target.conninfo
        var configuration = configuration
        configuration.sendTimeout = .seconds(10)
        notifications = try Notifications(connect: { try PostgresConnection(conninfo) }, events: try EventCatalog.load(directory: Repo.events),
                                          configuration: configuration)
        notifications.start()
    }

    func close() {
        notifications.stop()
        log.shutdown()
    }

    /// Publishes a fact as an operator would; returns its id.
    func publish(_ topic: String, _ payload: [String: Any]) throws -> UUID {
        try host.publish(topic: topic, payload: try JSONSerialization.data(withJSONObject: payload), source: "test")
    }

    /// Polls `read` until `done` holds (10 s at most).
    func waitFor<T>(_ read: () throws -> T, until done: (T) -> Bool) async throws -> T {
        let deadline = Date().addingTimeInterval(30)  // a loaded 2-core CI machine is slow
        while true {
            let value = try read()
            if done(value) || Date() > deadline { return value }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// A Python server from Tests/HostTests/Fixtures, on a free loopback port, recording what
/// it accepted as JSON lines; stopped when the test ends.
final class LocalServer {
    let process = Process()
    let input = Pipe()
    let port: Int
    let output: URL

    init(script: String, arguments: [String]) throws {
        output = FileManager.default.temporaryDirectory.appendingPathComponent("eop-\(script)-\(UUID().uuidString.prefix(8)).jsonl")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let stdout = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Repo.root.appendingPathComponent("Tests/HostTests/Fixtures/\(script)").path, output.path] + arguments
        process.standardOutput = stdout
        process.standardInput = input
        try process.run()
        var line = Data()
        while let byte = try stdout.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)) else {
            process.terminate()
            throw FixtureError("\(script) did not start (is aiosmtpd installed? .ci/run installs it)")
        }
        self.port = port
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: output)
    }

    static func smtp(refuseFirst: Int = 0, starttls: Bool = false) throws -> LocalServer {
        try LocalServer(script: "smtp_sink.py", arguments: ["--refuse-first", String(refuseFirst)] + (starttls ? ["--starttls"] : []))
    }

    static func twilio(sid: String, token: String) throws -> LocalServer {
        try LocalServer(script: "fake_twilio.py", arguments: [sid, token])
    }

    var settings: NotificationConfiguration.SMTP { .init(url: "smtp://127.0.0.1:\(port)", from: "shop@example.test") }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    func lines() throws -> [[String: Any]] {
        try String(contentsOf: output, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// The first `count` records, waiting up to 30 s for them (a loaded 2-core CI machine is slow).
    func waitForLines(_ count: Int) async throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(30)
        while true {
            let found = try lines()
            if found.count >= count { return found }
            guard Date() < deadline else { throw FixtureError("\(output.lastPathComponent): expected \(count) record(s), got \(found.count)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
