import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A local stand-in for Stripe's API (https://docs.stripe.com/api) that speaks the endpoints
/// the Stripe driver uses, with Stripe's shapes, statuses and error objects:
///
/// - `POST /v1/payment_intents`, `GET /v1/payment_intents/{id}`,
///   `POST /v1/payment_intents/{id}/confirm` (what Stripe.js does in the customer's browser;
///   `payment_method=pm_card_visa` succeeds, `pm_card_chargeDeclined` is declined),
///   `POST /v1/payment_intents/{id}/capture`, `POST /v1/refunds`;
/// - bearer secret key (401 otherwise), form-encoded bodies;
/// - `Idempotency-Key`: a repeat with the same endpoint and parameters answers the saved
///   status and body; other parameters answer 400 `idempotency_error`;
/// - every state change queues the event Stripe would send (`takeEvents()`), and
///   `signedDelivery` signs one as Stripe signs webhooks (`Stripe-Signature: t=…,v1=…`).
///
/// It never sends webhooks by itself: the test delivers them, so it decides when (and can
/// race them against the customer's return).
public final class FakeStripe: Sendable {
    public let secretKey: String
    public let webhookSecret: String
    private let server: LocalServer
    private let state = Locked(State())

    struct Intent {
        var id: String
        var amount: Int64
        var currency: String
        var captureMethod: String
        var status = "requires_payment_method"
        var amountCapturable: Int64 = 0
        var amountReceived: Int64 = 0
        var latestCharge: String?
        var amountRefunded: Int64 = 0
        var metadata: [String: String] = [:]
        var clientSecret: String
        var lastError: [String: Any]?
    }

    struct Saved {
        var endpoint: String
        var parameters: [String: String]
        var status: Int
        var body: [String: Any]
    }

    struct State {
        var intents: [String: Intent] = [:]
        var saved: [String: Saved] = [:]
        var events: [[String: Any]] = []
        var requests: [(method: String, path: String, idempotencyKey: String?)] = []
        var counter = 0
        var outage = false
    }

    private init(server: LocalServer, secretKey: String, webhookSecret: String) {
        self.server = server
        self.secretKey = secretKey
        self.webhookSecret = webhookSecret
    }

    /// Starts the fake on 127.0.0.1 at a free port.
    public static func start(secretKey: String = "sk_test_fake_\(UUID().uuidString.prefix(8))", webhookSecret: String = "whsec_fake_\(UUID().uuidString.prefix(8))") async throws -> FakeStripe {
        let box = StateBox()
        let router = Router()
        router.post("/v1/payment_intents") { request, _ in await box.fake!.handle(request, endpoint: "create") { s, p in s.create(p) } }
        router.get("/v1/payment_intents/:id") { request, context in
            await box.fake!.handle(request, endpoint: "get") { s, _ in s.get(context.parameters.get("id") ?? "") }
        }
        router.post("/v1/payment_intents/:id/confirm") { request, context in
            await box.fake!.handle(request, endpoint: "confirm") { s, p in s.confirm(context.parameters.get("id") ?? "", p) }
        }
        router.post("/v1/payment_intents/:id/capture") { request, context in
            await box.fake!.handle(request, endpoint: "capture \(context.parameters.get("id") ?? "")") { s, p in s.capture(context.parameters.get("id") ?? "", p) }
        }
        router.post("/v1/refunds") { request, _ in await box.fake!.handle(request, endpoint: "refund") { s, p in s.refund(p) } }
        let server = try await LocalServer.start(router, name: "fake-stripe")
        let fake = FakeStripe(server: server, secretKey: secretKey, webhookSecret: webhookSecret)
        box.fake = fake
        return fake
    }

    /// `http://127.0.0.1:<port>`: the driver's `stripe_base_url`.
    public var baseURL: String { server.baseURL }

    public func stop() { server.stop() }

    // MARK: What the test reads

    /// While on, every request is answered 503 before any endpoint runs (nothing is created
    /// and no idempotency key is saved), as when Stripe's front door is down.
    public func setOutage(_ on: Bool) { state.withLock { $0.outage = on } }

    /// What Stripe has refunded on the intent's charge.
    public func refunded(_ intentID: String) -> Int64 { state.withLock { $0.intents[intentID]?.amountRefunded ?? 0 } }

    /// Intents created so far.
    public var intentCount: Int { state.withLock { $0.intents.count } }

    /// Requests received so far (method, path, Idempotency-Key), repeats included.
    public func requests(path: String? = nil, method: String? = nil) -> [(method: String, path: String, idempotencyKey: String?)] {
        state.withLock { $0.requests }.filter { r in (path.map { r.path == $0 } ?? true) && (method.map { r.method == $0 } ?? true) }
    }

    /// How many capture requests reached the intent (repeats with the same key included).
    public func captureCalls(_ intentID: String) -> Int { requests(path: "/v1/payment_intents/\(intentID)/capture", method: "POST").count }

    /// An intent as Stripe would answer `GET /v1/payment_intents/{id}`.
    public func intent(_ id: String) -> [String: Any]? { state.withLock { s in s.intents[id].map(State.json) }.map(roundTripped) }

    /// The events queued since the last call, oldest first.
    public func takeEvents() -> [[String: Any]] {
        state.withLock { s in
            defer { s.events = [] }
            return s.events
        }.map(roundTripped)
    }

    /// Moves an intent as Stripe.js would when the customer pays (`confirm`), and returns it.
    @discardableResult
    public func customerPays(_ intentID: String, paymentMethod: String = "pm_card_visa") -> [String: Any]? {
        state.withLock { s in
            _ = s.confirm(intentID, ["payment_method": paymentMethod])
            return s.intents[intentID].map(State.json)
        }.map(roundTripped)
    }

    /// Opens a dispute on the intent's charge, as a bank would; returns the event Stripe sends
    /// (`charge.dispute.created`), also queued.
    public func openDispute(_ intentID: String, reason: String = "fraudulent", evidenceDueBy: Date) -> [String: Any] {
        state.withLock { s in
            let intent = s.intents[intentID]
            let dispute: [String: Any] = [
                "id": s.newID("dp"), "object": "dispute", "amount": intent?.amountReceived ?? 0, "currency": intent?.currency ?? "usd",
                "charge": intent?.latestCharge ?? "", "payment_intent": intentID, "reason": reason, "status": "needs_response",
                "evidence_details": ["due_by": Int64(evidenceDueBy.timeIntervalSince1970), "has_evidence": false, "past_due": false, "submission_count": 0],
            ]
            return roundTripped(s.queue("charge.dispute.created", dispute))
        }
    }

    /// An event of any type around `object` (for tests of events this fake does not make).
    public func event(_ type: String, object: [String: Any]) -> [String: Any] {
        roundTripped(state.withLock { s in s.makeEvent(type, object) })
    }

    /// The raw body and `Stripe-Signature` header of a delivery of `event` signed at `at`
    /// with `secret` (default: this fake's webhook secret), as Stripe signs: HMAC-SHA256 of
    /// `"<t>.<body>"`, hex, in `t=<t>,v1=<hex>`.
    public func signedDelivery(_ event: [String: Any], at: Date = Date(), secret: String? = nil) -> (body: [UInt8], signature: String) {
        let body = Array((try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])) ?? Data())
        let t = Int64(at.timeIntervalSince1970)
        let key = SymmetricKey(data: Array((secret ?? webhookSecret).utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(t).".utf8) + body, using: key)
        return (body, "t=\(t),v1=\(mac.map { String(format: "%02x", $0) }.joined())")
    }

    // MARK: Serving

    private func handle(_ request: Request, endpoint: String, _ body: @Sendable (inout State, [String: String]) -> (Int, [String: Any])) async -> Response {
        let text = (try? await request.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
        let parameters = formFields(text)
        let key = request.headers[HTTPField.Name("Idempotency-Key")!]
        let path = request.uri.path
        let authorized = request.headers[.authorization] == "Bearer \(secretKey)"
        let (status, object) = state.withLock { s -> (Int, [String: Any]) in
            s.requests.append((request.method.rawValue, path, key))
            guard !s.outage else {
                return (503, ["error": ["type": "api_error", "message": "Stripe is temporarily unavailable."]])
            }
            guard authorized else {
                return (401, ["error": ["type": "invalid_request_error", "message": "Invalid API Key provided."]])
            }
            if let key, request.method == .post, let saved = s.saved[key] {
                guard saved.endpoint == endpoint, saved.parameters == parameters else {
                    return (400, ["error": ["type": "idempotency_error",
                                            "message": "Keys for idempotent requests can only be used with the same parameters they were first used with."]])
                }
                return (saved.status, saved.body)
            }
            let (status, object) = body(&s, parameters)
            if let key, request.method == .post { s.saved[key] = Saved(endpoint: endpoint, parameters: parameters, status: status, body: object) }
            return (status, object)
        }
        return jsonResponse(object, status: status)
    }

    /// The fake's state behind a lock (values in it are plain dictionaries, hence not a Mutex:
    /// they are not Sendable, and every access is inside `withLock`).
    final class Locked<Value>: @unchecked Sendable {
        private var value: Value
        private let lock = NSLock()
        init(_ value: Value) { self.value = value }
        func withLock<T>(_ body: (inout Value) -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body(&value)
        }
    }

    /// Where the fake's handlers find it (set once, before the first request).
    private final class StateBox: @unchecked Sendable {
        var fake: FakeStripe?
    }
}

extension FakeStripe.State {
    mutating func newID(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)_fake\(String(format: "%06d", counter))\(UUID().uuidString.prefix(6).lowercased())"
    }

    static func error(_ status: Int, _ type: String, _ message: String, code: String? = nil) -> (Int, [String: Any]) {
        var error: [String: Any] = ["type": type, "message": message]
        if let code { error["code"] = code }
        return (status, ["error": error])
    }

    static func json(_ i: FakeStripe.Intent) -> [String: Any] {
        var object: [String: Any] = [
            "id": i.id, "object": "payment_intent", "amount": i.amount, "currency": i.currency, "status": i.status,
            "capture_method": i.captureMethod, "amount_capturable": i.amountCapturable, "amount_received": i.amountReceived,
            "client_secret": i.clientSecret, "metadata": i.metadata, "livemode": false,
        ]
        object["latest_charge"] = i.latestCharge ?? NSNull()
        object["last_payment_error"] = i.lastError ?? NSNull()
        return object
    }

    mutating func makeEvent(_ type: String, _ object: [String: Any]) -> [String: Any] {
        ["id": newID("evt"), "object": "event", "type": type, "api_version": "2024-06-20", "created": Int64(Date().timeIntervalSince1970),
         "livemode": false, "data": ["object": object]]
    }

    @discardableResult
    mutating func queue(_ type: String, _ object: [String: Any]) -> [String: Any] {
        let event = makeEvent(type, object)
        events.append(event)
        return event
    }

    mutating func create(_ p: [String: String]) -> (Int, [String: Any]) {
        guard let amountText = p["amount"], let amount = Int64(amountText), amount > 0 else {
            return Self.error(400, "invalid_request_error", "Missing required param: amount.", code: "parameter_missing")
        }
        guard let currency = p["currency"], currency.count == 3, currency == currency.lowercased() else {
            return Self.error(400, "invalid_request_error", "Invalid currency: \(p["currency"] ?? "").", code: "parameter_invalid_string")
        }
        let id = newID("pi")
        var metadata: [String: String] = [:]
        for (k, v) in p where k.hasPrefix("metadata[") { metadata[String(k.dropFirst(9).dropLast())] = v }
        let intent = FakeStripe.Intent(id: id, amount: amount, currency: currency, captureMethod: p["capture_method"] ?? "automatic",
                                       metadata: metadata, clientSecret: "\(id)_secret_\(UUID().uuidString.prefix(12))")
        intents[id] = intent
        return (200, Self.json(intent))
    }

    func get(_ id: String) -> (Int, [String: Any]) {
        guard let intent = intents[id] else { return Self.error(404, "invalid_request_error", "No such payment_intent: '\(id)'", code: "resource_missing") }
        return (200, Self.json(intent))
    }

    mutating func confirm(_ id: String, _ p: [String: String]) -> (Int, [String: Any]) {
        guard var intent = intents[id] else { return Self.error(404, "invalid_request_error", "No such payment_intent: '\(id)'", code: "resource_missing") }
        guard ["requires_payment_method", "requires_confirmation"].contains(intent.status) else {
            return Self.error(400, "invalid_request_error", "This PaymentIntent's status is \(intent.status) and cannot be confirmed.", code: "payment_intent_unexpected_state")
        }
        if p["payment_method"] == "pm_card_chargeDeclined" {
            intent.status = "requires_payment_method"
            intent.lastError = ["type": "card_error", "code": "card_declined", "decline_code": "generic_decline", "message": "Your card was declined."]
            intents[id] = intent
            queue("payment_intent.payment_failed", Self.json(intent))
            return (402, ["error": ["type": "card_error", "code": "card_declined", "message": "Your card was declined.", "payment_intent": Self.json(intent)]])
        }
        intent.lastError = nil
        if intent.captureMethod == "manual" {
            intent.status = "requires_capture"
            intent.amountCapturable = intent.amount
            intents[id] = intent
            queue("payment_intent.amount_capturable_updated", Self.json(intent))
        } else {
            intent.status = "succeeded"
            intent.amountReceived = intent.amount
            intent.latestCharge = newID("ch")
            intents[id] = intent
            queue("payment_intent.succeeded", Self.json(intent))
        }
        return (200, Self.json(intent))
    }

    mutating func capture(_ id: String, _ p: [String: String]) -> (Int, [String: Any]) {
        guard var intent = intents[id] else { return Self.error(404, "invalid_request_error", "No such payment_intent: '\(id)'", code: "resource_missing") }
        guard intent.status == "requires_capture" else {
            return Self.error(400, "invalid_request_error", "This PaymentIntent could not be captured because it has a status of \(intent.status).",
                              code: "payment_intent_unexpected_state")
        }
        let amount = p["amount_to_capture"].flatMap { Int64($0) } ?? intent.amountCapturable
        guard amount > 0, amount <= intent.amountCapturable else {
            return Self.error(400, "invalid_request_error", "The amount_to_capture must be at most \(intent.amountCapturable).", code: "amount_too_large")
        }
        intent.status = "succeeded"
        intent.amountReceived = amount
        intent.amountCapturable = 0
        intent.latestCharge = newID("ch")
        intents[id] = intent
        queue("payment_intent.succeeded", Self.json(intent))
        return (200, Self.json(intent))
    }

    mutating func refund(_ p: [String: String]) -> (Int, [String: Any]) {
        guard let id = p["payment_intent"], var intent = intents[id] else {
            return Self.error(400, "invalid_request_error", "No such payment_intent: '\(p["payment_intent"] ?? "")'", code: "resource_missing")
        }
        guard intent.status == "succeeded", let charge = intent.latestCharge else {
            return Self.error(400, "invalid_request_error", "This PaymentIntent does not have a successful charge to refund.", code: "charge_not_refundable")
        }
        let remaining = intent.amountReceived - intent.amountRefunded
        let amount = p["amount"].flatMap { Int64($0) } ?? remaining
        guard amount > 0, amount <= remaining else {
            return Self.error(400, "invalid_request_error", "Refund amount (\(amount)) is greater than unrefunded amount on charge (\(remaining))", code: "amount_too_large")
        }
        if let reason = p["reason"], !["duplicate", "fraudulent", "requested_by_customer"].contains(reason) {
            return Self.error(400, "invalid_request_error", "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer", code: "parameter_invalid_string")
        }
        intent.amountRefunded += amount
        intents[id] = intent
        let refund: [String: Any] = ["id": newID("re"), "object": "refund", "amount": amount, "currency": intent.currency, "charge": charge,
                                     "payment_intent": id, "status": "succeeded", "reason": p["reason"] ?? NSNull()]
        let chargeObject: [String: Any] = ["id": charge, "object": "charge", "amount": intent.amountReceived, "amount_captured": intent.amountReceived,
                                           "amount_refunded": intent.amountRefunded, "currency": intent.currency, "payment_intent": id,
                                           "refunded": intent.amountRefunded == intent.amountReceived]
        queue("charge.refunded", chargeObject)
        return (200, refund)
    }
}
