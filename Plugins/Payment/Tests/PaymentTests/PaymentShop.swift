import AsyncHTTPClient
import EOPPluginTesting
import EOPStorage
import Foundation
import NIOCore
import PaymentFakes
import Testing

/// The built libPayment.so in a real host (fresh PostgreSQL database, gateway on loopback)
/// with a fake Stripe on 127.0.0.1 configured as its Stripe.
final class PaymentShop: @unchecked Sendable {
    let module: ModuleHost
    let stripe: FakeStripe
    /// A client that does not follow redirects (the return route answers one).
    let client: HTTPClient
    private(set) var port = 0

    static let staff = "staff:clerk-1:payment.payment.read,payment.payment.capture,payment.refund.write,payment.gift_card.read,payment.gift_card.write"

    /// - Parameters:
    ///   - settings: extra or replaced settings of the payment plugin.
    ///   - database: an earlier shop's database, to restart on its data (nil: a fresh one).
    static func start(settings extra: [String: Any] = [:], stripeConfigured: Bool = true, database: String? = nil) async throws -> PaymentShop {
        let stripe = try await FakeStripe.start()
        var settings: [String: Any] = ["stripe_base_url": stripe.baseURL, "public_base_url": "http://shop.test", "shop_return_url": "/checkout/complete"]
        if stripeConfigured {
            settings["stripe_secret_key"] = stripe.secretKey
            settings["stripe_webhook_secret"] = stripe.webhookSecret
        }
        for (k, v) in extra { settings[k] = v }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: settings), as: UTF8.self)
        let module = try await ModuleHost(modules: ["payment"], settings: ["payment": text], database: database)
        guard module.host.plugin("payment")?.state == .active else {
            let reason = module.reason("payment")
            module.shutdown()
            stripe.stop()
            throw HarnessError("payment did not activate: \(reason)")
        }
        return PaymentShop(module: module, stripe: stripe)
    }

    private init(module: ModuleHost, stripe: FakeStripe) {
        self.module = module
        self.stripe = stripe
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
    }

    func shutdown() async {
        try? await client.shutdown()
        module.shutdown()
        stripe.stop()
    }

    /// Runs `body` while the gateway serves on a loopback port.
    func serving(_ body: @escaping @Sendable () async throws -> Void) async throws {
        try await module.http { testClient in
            self.port = testClient.port ?? 0
            try await body()
        }
    }

    // MARK: Commands and queries, as another module sends them

    struct Reply: @unchecked Sendable {
        let status: Int32
        let message: String
        let json: [String: Any]
    }

    /// Sends a command or query from a thread of its own: the host's request blocks its
    /// caller, and the host's HTTP client needs the cooperative pool a test task runs on.
    func request(_ topic: String, _ payload: [String: Any], source: String = "order") async throws -> Reply {
        let data = try JSONSerialization.data(withJSONObject: payload)
        let host = module.host
        let (status, message, reply) = await withCheckedContinuation { continuation in
            Thread {
                let r = host.request(topic: topic, payload: data, source: source, timeout: .seconds(20))
                continuation.resume(returning: (r.status, r.message, r.reply))
            }.start()
        }
        let json = (try? JSONSerialization.jsonObject(with: reply)) as? [String: Any] ?? [:]
        return Reply(status: status, message: message, json: json)
    }

    /// The hook `cart.adjustments.collect` as Cart invokes it: each taking part plugin's reply.
    func hook(_ topic: String, _ payload: [String: Any]) async throws -> (status: Int32, message: String, replies: [[String: Any]]) {
        let data = try JSONSerialization.data(withJSONObject: payload)
        let host = module.host
        let outcome = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: host.invokeHook(topic: topic, payload: data, source: "cart", timeout: .seconds(10))) }.start()
        }
        let replies = outcome.replies.compactMap { (try? JSONSerialization.jsonObject(with: $0.reply)) as? [String: Any] }
        return (outcome.status, outcome.message, replies)
    }

    /// `payment.payment.start`; fails the test unless it answers.
    func start(order: String, amount: Int64 = 2599, currency: String = "USD", method: String = "stripe", key: String? = nil,
               returnURL: String? = nil, extra: [String: Any] = [:]) async throws -> [String: Any] {
        var payload: [String: Any] = ["order_id": order, "amount": amount, "currency": currency, "method": method, "idempotency_key": key ?? "order:\(order)",
                                      "customer": ["id": "cus-1", "email": "ann@example.com", "name": "Ann"]]
        if let returnURL { payload["return_url"] = returnURL }
        for (k, v) in extra { payload[k] = v }
        let r = try await request("payment.payment.start", payload)
        guard r.status == 0 else { throw HarnessError("start \(order): status \(r.status): \(r.message)") }
        return r.json
    }

    // MARK: HTTP

    struct Answer: @unchecked Sendable {
        let status: Int
        let headers: [(String, String)]
        let text: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        /// The field a problem+json answer names.
        var field: String? { (json["errors"] as? [[String: Any]])?.first?["field"] as? String }
    }

    func http(_ method: String, _ path: String, json: Any? = nil, body: [UInt8]? = nil, headers: [(String, String)] = [],
              principal: String? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://localhost:\(port)\(path)")
        request.method = .init(rawValue: method)
        for (n, v) in headers { request.headers.add(name: n, value: v) }
        if let principal { request.headers.add(name: "x-test-principal", value: principal) }
        if let json {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        } else if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 8 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, text: String(buffer: buffer))
    }

    /// Delivers a Stripe event to the webhook route, signed as Stripe signs.
    func deliver(_ event: [String: Any], at: Date = Date(), secret: String? = nil) async throws -> Answer {
        let signed = stripe.signedDelivery(event, at: at, secret: secret)
        return try await http("POST", "/api/payment/webhooks/stripe", body: signed.body,
                              headers: [("content-type", "application/json"), ("stripe-signature", signed.signature)])
    }

    /// The first queued event of `type` about the intent.
    func takeEvent(_ type: String, intent: String) -> [String: Any]? {
        stripe.takeEvents().first { e in
            e["type"] as? String == type && ((e["data"] as? [String: Any])?["object"] as? [String: Any])?["id"] as? String == intent
        }
    }

    // MARK: Database checks

    /// Facts of `topic` about a payment, committed so far (outbox and log together).
    func facts(_ topic: String, payment: String) throws -> Int {
        let c = try module.connect()
        defer { c.close() }
        let r = try c.execute("""
            SELECT count(*) FROM (SELECT payload FROM eop.outbox WHERE topic = $1 AND source = 'payment'
                                  UNION ALL SELECT payload FROM eop.events WHERE topic = $1 AND source = 'payment') f
            WHERE convert_from(payload, 'UTF8')::jsonb->>'payment_id' = $2
            """, [PostgresValue(topic), PostgresValue(payment)])
        return Int(try r.int64(row: 0, column: 0) ?? -1)
    }

    /// The payloads of a fact topic about a payment.
    func factPayloads(_ topic: String, payment: String) throws -> [[String: Any]] {
        let c = try module.connect()
        defer { c.close() }
        let r = try c.execute("""
            SELECT convert_from(payload, 'UTF8') AS p FROM (SELECT payload, published_us FROM eop.outbox WHERE topic = $1 AND source = 'payment'
                                  UNION ALL SELECT payload, published_us FROM eop.events WHERE topic = $1 AND source = 'payment') f
            WHERE convert_from(payload, 'UTF8')::jsonb->>'payment_id' = $2 ORDER BY published_us
            """, [PostgresValue(topic), PostgresValue(payment)])
        return (0..<r.rowCount).compactMap { i in r.string(row: i, column: 0).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } }
    }

    /// The `method` of every `payment.method.enabled` fact committed so far, oldest first.
    func methodEnabledFacts() throws -> [String] {
        let c = try module.connect()
        defer { c.close() }
        let r = try c.execute("""
            SELECT convert_from(payload, 'UTF8')::jsonb->>'method' FROM (
                SELECT payload, published_us FROM eop.outbox WHERE topic = 'payment.method.enabled' AND source = 'payment'
                UNION ALL SELECT payload, published_us FROM eop.events WHERE topic = 'payment.method.enabled' AND source = 'payment') f
            ORDER BY published_us
            """)
        return (0..<r.rowCount).map { r.string(row: $0, column: 0) ?? "" }
    }

    /// One integer from a query on the payment schema (run as superuser).
    func count(_ sql: String, _ parameters: [String] = []) throws -> Int {
        let c = try module.connect()
        defer { c.close() }
        _ = try c.execute("SET search_path TO \(module.schema(of: "payment"))")
        let r = try c.execute(sql, parameters.map { PostgresValue($0) })
        return Int(try r.int64(row: 0, column: 0) ?? -1)
    }
}
