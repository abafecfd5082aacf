import EOPEventLog
import EOPGateway
import EOPLoader
import EOPManifest
import EOPNotification
import EOPOutbound
import EOPStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PaymentFakes
import Testing

/// Order to cash over HTTP with the real Catalog, Cart, Order and Payment plugins in a
/// durable host, the notification module sending to a real SMTP server (aiosmtpd), and a
/// local fake of Stripe's API that signs its webhooks as Stripe does.
@Suite("Order to cash, end to end", .serialized)
struct OrderToCashTests {
    static let modules = ["catalog", "cart", "order", "payment"]
    static let staff = "staff:clerk:catalog.product.read,catalog.product.write,order.order.read,order.order.write,order.fulfillment.write,payment.payment.read,payment.payment.capture"

    final class Shop: @unchecked Sendable {
        let database: TestDatabase
        let workspace: Workspace
        let host: PluginHost
        let log: EventLog
        let notifications: Notifications
        let gateway: Gateway
        let stripe: FakeStripe
        let smtp: LocalServer

        /// `extraModules`: more manifests of `Manifests/` to load beside the four (e.g. `storefront`).
        init(extraModules: [String] = []) async throws {
            let modules = OrderToCashTests.modules + extraModules
            smtp = try LocalServer.smtp()
            stripe = try await FakeStripe.start()
            database = try await TestDatabase.make()
            workspace = try Workspace()
            log = try EventLog(target: database.target)
            let payment: [String: Any] = ["stripe_base_url": stripe.baseURL, "stripe_secret_key": stripe.secretKey,
                                          "stripe_webhook_secret": stripe.webhookSecret, "stripe_publishable_key": "pk_test_local",
                                          "public_base_url": "http://shop.test"]
            host = PluginHost(configuration: LoaderConfiguration(
                manifestPaths: modules.map { Repo.root.appendingPathComponent("Manifests/\($0).json") },
                librarySearchPaths: [Repo.buildDirectory], imageDirectory: workspace.root.appendingPathComponent("images"),
                events: try EventCatalog.load(directory: Repo.events),
                settings: ["catalog": Data(#"{"currency": "USD"}"#.utf8), "payment": try JSONSerialization.data(withJSONObject: payment)],
                transport: log, storage: log))
            log.registerExtensions(on: host)
            HTTPClientExtension.register(on: host)
            host.boot()
            for id in modules { #expect(host.plugin(id)?.state == .active, "\(id): \(host.reason(id))") }
            let conninfo = database.target.conninfo
            var configuration = NotificationConfiguration(smtp: smtp.settings)
            configuration.sendTimeout = .seconds(10)
            notifications = try Notifications(connect: { try PostgresConnection(conninfo) }, events: try EventCatalog.load(directory: Repo.events),
                                              configuration: configuration)
            notifications.start()
            gateway = Gateway(plugins: host, configuration: .init(port: 0, principals: HeaderPrincipals()))
        }

        func close() {
            notifications.stop()
            host.shutdown()
            log.shutdown()
            stripe.stop()
        }
    }

    /// One JSON call; `who` is an `x-test-principal` value, `token` a guest cart token.
    static func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ json: String? = nil,
                     who: String? = nil, token: String? = nil, key: String? = nil) async throws -> (status: Int, json: [String: Any], headers: HTTPFields) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let who { headers[HTTPField.Name("x-test-principal")!] = who }
        if let token { headers[HTTPField.Name("x-cart-token")!] = token }
        if let key { headers[HTTPField.Name("idempotency-key")!] = key }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { r in
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? ["raw": String(buffer: r.body)]
            return (Int(r.status.code), object, r.headers)
        }
    }

    /// A guest browses, adds two variants, gives an email and address and checks out with `method`.
    static func guestCheckout(_ client: some TestClientProtocol, method: String, email: String) async throws -> [String: Any] {
        let found = try await call(client, .get, "/api/catalog/search?q=lamp")
        let product = try #require((found.json["items"] as? [[String: Any]])?.first, "the guest finds the lamp: \(found.json)")
        let slug = try #require(product["slug"] as? String)
        let detail = try await call(client, .post, "/api/catalog/quote", #"{"items": [{"sku": "LAMP-S", "quantity": 1}, {"sku": "LAMP-L", "quantity": 2}]}"#)
        let quoted = try #require(detail.json["items"] as? [[String: Any]], "\(slug): \(detail.json)")
        let small = try #require(quoted.first?["variant_id"] as? String), large = try #require(quoted.last?["variant_id"] as? String)

        let first = try await call(client, .post, "/api/cart/items", #"{"variant_id": "\#(small)", "quantity": 1}"#)
        #expect(first.status == 201 || first.status == 200, "\(first.json)")
        let token = try #require(first.headers[HTTPField.Name("x-cart-token")!], "a new guest cart answers its token")
        let second = try await call(client, .post, "/api/cart/items", #"{"variant_id": "\#(large)", "quantity": 2}"#, token: token)
        #expect(second.json["total"] as? Int == 1_500 + 2 * 2_500, "the cart adds up the two lines: \(second.json)")
        let addressed = try await call(client, .put, "/api/cart/address", #"""
            {"email": "\#(email)", "shipping_address": {"name": "Ann Buyer", "line1": "1 Main Street", "city": "Springfield", "postal_code": "12345", "country": "US"}}
            """#, token: token)
        #expect(addressed.status == 200, "\(addressed.json)")
        let placed = try await call(client, .post, "/api/order/checkout", #"{"payment_method": "\#(method)"}"#, token: token, key: UUID().uuidString)
        #expect(placed.status == 201, "\(placed.json)")
        return placed.json
    }

    static func setUpCatalog(_ client: some TestClientProtocol) async throws {
        let created = try await call(client, .post, "/api/catalog/products", #"""
            {"name": "Brass Lamp", "slug": "brass-lamp", "status": "active", "option_axes": ["size"], "variants": [
              {"sku": "LAMP-S", "price": 1500, "currency": "USD", "options": {"size": "S"}},
              {"sku": "LAMP-L", "price": 2500, "currency": "USD", "options": {"size": "L"}}]}
            """#, who: staff)
        #expect(created.status == 201, "\(created.json)")
    }

    /// Polls the staff view of an order until `done` holds (30 s at most).
    static func order(_ client: some TestClientProtocol, _ id: String, until done: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(30)
        while true {
            let answer = try await call(client, .get, "/api/order/orders/\(id)", who: staff)
            if done(answer.json) || Date() > deadline { return answer.json }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test("a guest pays two variants with Stripe: the signed webhook marks the order paid, the order-paid email arrives, staff ship it")
    func stripeOrderToCash() async throws {
        let shop = try await Shop()
        defer { shop.close() }
        try await shop.gateway.application().test(.live) { client in
            try await Self.setUpCatalog(client)
            let placed = try await Self.guestCheckout(client, method: "stripe", email: "ann@example.test")
            let orderID = try #require(placed["order_id"] as? String)
            #expect(placed["total"] as? Int == 6_500)
            #expect(placed["payment_status"] as? String == "unpaid")
            let payment = try #require(placed["payment"] as? [String: Any], "\(placed)")
            let next = try #require(payment["next_action"] as? [String: Any])
            let secret = try #require(next["client_secret"] as? String, "Stripe.js confirms with the client secret: \(next)")
            let intentID = String(try #require(secret.components(separatedBy: "_secret").first))

            // The customer pays on the shop page (Stripe.js); Stripe then calls the webhook.
            #expect(shop.stripe.customerPays(intentID) != nil)
            let events = shop.stripe.takeEvents()
            #expect(!events.isEmpty)
            for event in events {
                let delivery = shop.stripe.signedDelivery(event)
                let answered = try await client.execute(uri: "/api/payment/webhooks/stripe", method: .post,
                                                        headers: [.contentType: "application/json", HTTPField.Name("stripe-signature")!: delivery.signature],
                                                        body: ByteBuffer(bytes: delivery.body)) { r in r.status }
                #expect(answered == .ok, "webhook \(event["type"] ?? "?")")
            }
            let paid = try await Self.order(client, orderID) { $0["payment_status"] as? String == "paid" }
            #expect(paid["payment_status"] as? String == "paid", "\(paid)")
            #expect(paid["status"] as? String == "confirmed")
            #expect(shop.stripe.captureCalls(intentID) == 1, "captured once")

            let mails = try await shop.smtp.waitForLines(2)
            let paidMail = try #require(mails.first { ($0["subject"] as? String ?? "").hasPrefix("Payment received") }, "\(mails.map { $0["subject"] ?? "" })")
            #expect(paidMail["rcpt_tos"] as? [String] == ["ann@example.test"])
            #expect((paidMail["text"] as? String ?? "").contains("$65.00"), "\(paidMail["text"] ?? "")")

            let fulfilled = try await Self.call(client, .post, "/api/order/orders/\(orderID)/fulfillments", #"{"carrier": "UPS", "tracking_number": "1Z999"}"#, who: Self.staff)
            #expect(fulfilled.status == 201, "\(fulfilled.json)")
            let fulfillmentID = try #require(fulfilled.json["fulfillment_id"] as? String)
            let shipped = try await Self.call(client, .post, "/api/order/fulfillments/\(fulfillmentID)/ship", #"{"carrier": "UPS", "tracking_number": "1Z999"}"#, who: Self.staff)
            #expect(shipped.status == 200, "\(shipped.json)")
            #expect(shipped.json["fulfillment_status"] as? String == "shipped", "\(shipped.json)")
            let shippedMail = try await shop.smtp.waitForLines(3)
            #expect(shippedMail.contains { ($0["subject"] as? String ?? "").contains("on its way") }, "the shipping notice goes out too")
        }
    }

    @Test("the same with cash on delivery: confirmed unpaid, shipped, then paid when staff record the cash")
    func cashOnDelivery() async throws {
        let shop = try await Shop()
        defer { shop.close() }
        try await shop.gateway.application().test(.live) { client in
            try await Self.setUpCatalog(client)
            let placed = try await Self.guestCheckout(client, method: "cod", email: "bo@example.test")
            let orderID = try #require(placed["order_id"] as? String)
            let paymentID = try #require((placed["payment"] as? [String: Any])?["payment_id"] as? String, "\(placed)")
            let confirmed = try await Self.order(client, orderID) { $0["status"] as? String == "confirmed" }
            #expect(confirmed["status"] as? String == "confirmed", "\(confirmed)")
            #expect(confirmed["payment_status"] as? String != "paid", "cash is not collected yet")

            let fulfilled = try await Self.call(client, .post, "/api/order/orders/\(orderID)/fulfillments", #"{"carrier": "DHL", "tracking_number": "JD01", "ship": true}"#, who: Self.staff)
            #expect(fulfilled.status == 201, "\(fulfilled.json)")
            #expect(fulfilled.json["fulfillment_status"] as? String == "shipped", "\(fulfilled.json)")

            let collected = try await Self.call(client, .post, "/api/payment/payments/\(paymentID)/capture", "{}", who: Self.staff)
            #expect(collected.status == 200, "\(collected.json)")
            let paid = try await Self.order(client, orderID) { $0["payment_status"] as? String == "paid" }
            #expect(paid["payment_status"] as? String == "paid", "\(paid)")
            let mails = try await shop.smtp.waitForLines(3)
            #expect(mails.contains { ($0["subject"] as? String ?? "").hasPrefix("Payment received") && $0["rcpt_tos"] as? [String] == ["bo@example.test"] })
        }
    }
}
