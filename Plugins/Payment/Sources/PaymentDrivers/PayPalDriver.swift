import Foundation

// PayPal through the Orders v2 REST API, as PayPal documents it:
//   Access token (client credentials, Basic auth): https://developer.paypal.com/api/rest/authentication/
//     and https://developer.paypal.com/docs/api/reference/get-an-access-token/
//   Create / show / capture order: https://developer.paypal.com/docs/api/orders/v2/
//     (https://developer.paypal.com/api/orders/v2/orders-capture,
//      order status and the payer-action link: https://developer.paypal.com/api/orders/v2/definitions/order_status)
//   Refund a capture: https://developer.paypal.com/checkout/refund-payment
//     (request: https://developer.paypal.com/api/payments/v2/definitions/refund_request)
//   Show a capture: https://developer.paypal.com/sdk/payment/v2/captures-get
//   Idempotency with PayPal-Request-Id: https://developer.paypal.com/api/rest/reference/idempotency/
//   Verify a webhook: https://developer.paypal.com/api/webhooks/v1/verify-webhook-signature-post
//     (fields: https://developer.paypal.com/api/webhooks/v1/definitions/verify_webhook_signature)
//   Webhook events: https://developer.paypal.com/api/rest/webhooks/event-names/
//     and disputes: https://developer.paypal.com/docs/disputes/webhooks
//   Currency decimals (JPY, HUF, TWD without decimals): https://developer.paypal.com/api/rest/reference/currency-codes/
//
// Decisions:
// - intent CAPTURE. The buyer approves on PayPal, comes back (or PayPal sends
//   CHECKOUT.ORDER.APPROVED), and the core captures the order once with `capture`. AUTHORIZE
//   would add an authorization object with its own 3-day honor period and re-authorization for
//   no gain here: the shop charges at checkout, not at shipping.
// - Amounts: PayPal takes decimal strings; they are written and read by the currency's
//   exponent with integers only. PayPal takes HUF and TWD without decimals although ISO gives
//   them two, so such an amount must be whole or it is refused before any call.
// - Webhooks are verified by asking PayPal (verify-webhook-signature) with the five
//   transmission headers and the configured webhook id; only verification_status SUCCESS is
//   accepted. The event goes to PayPal byte for byte as delivered (re-encoding it would break
//   the signature).
// - Refund and dispute events name a capture, not an order: the driver asks PayPal for the
//   capture (supplementary_data.related_ids.order_id) so every event carries the order id the
//   core knows the payment by.
//
// Settings: `client_id`, `client_secret` (required), `webhook_id` (required for webhooks),
// `base_url` (default the sandbox, https://api-m.sandbox.paypal.com; live is
// https://api-m.paypal.com), `brand_name` (optional, shown on PayPal's page).

/// PayPal (Orders v2). See the notes above for the documents it follows and its decisions.
public struct PayPalDriver: PaymentDriver {
    public let id = "paypal"
    public let displayName = "PayPal"
    public static let sandboxBaseURL = "https://api-m.sandbox.paypal.com"

    private let tokens = PayPalTokenCache()

    public init() {}

    // MARK: PaymentDriver

    public func start(_ request: StartRequest, context: DriverContext) throws(DriverError) -> StartResult {
        let api = try PayPalAPI(driver: self, context: context)
        return try api.call.guarding { () throws(DriverError) -> StartResult in
            let value = try amountText(request.amount, currency: request.currency)
            let back = context.returnURL.isEmpty ? request.returnURL : context.returnURL
            guard !back.isEmpty else { throw .notConfigured("paypal: no return URL to send the buyer back to") }
            var experience: [(String, JSONTree)] = [
                ("return_url", .string(back)),
                ("cancel_url", .string(FormFields.url(back, adding: [("outcome", "cancel")]))),
                ("user_action", .string("PAY_NOW")),
                ("shipping_preference", .string("NO_SHIPPING")),
            ]
            if let brand = context.settings["brand_name"], !brand.isEmpty { experience.append(("brand_name", .string(brand))) }
            var paypal: [(String, JSONTree)] = [("experience_context", .object(experience))]
            if let email = request.customer?.email, !email.isEmpty { paypal.append(("email_address", .string(email))) }
            let body = JSONTree.object([
                ("intent", .string("CAPTURE")),
                ("purchase_units", .array([.object([
                    ("reference_id", .string(request.orderID)),
                    ("custom_id", .string(request.paymentID)),
                    ("amount", .object([("currency_code", .string(request.currency.uppercased())), ("value", .string(value))])),
                ])])),
                ("payment_source", .object([("paypal", .object(paypal))])),
            ])
            let order = try api.send("POST", "/v2/checkout/orders", body: body, requestID: request.idempotencyKey, "create order")
            guard let orderID = order["id"]?.string, !orderID.isEmpty else { throw .unavailable("paypal: create order answered without an order id") }
            // PayPal names the buyer's page `payer-action` (payment_source.paypal) or `approve`.
            let link = order["links"]?.array?.first { ["payer-action", "approve"].contains($0["rel"]?.string ?? "") }?["href"]?.string
            guard let link else {
                throw .declined("paypal: order \(orderID) (status \(order["status"]?.string ?? "?")) came without a payer-action link")
            }
            return StartResult(status: .pending, providerReference: orderID, redirectURL: link)
        }
    }

    public func capture(_ payment: PaymentReference, amount: Int64, idempotencyKey: String, context: DriverContext) throws(DriverError) -> CaptureResult {
        let api = try PayPalAPI(driver: self, context: context)
        return try api.call.guarding { () throws(DriverError) -> CaptureResult in
            guard amount == payment.amount else {
                throw .unsupported("paypal: an order is captured whole (\(payment.amount) minor units), not \(amount)")
            }
            let path = "/v2/checkout/orders/\(FormFields.escape(payment.providerReference))"
            do throws(DriverError) {
                return captureResult(try api.send("POST", path + "/capture", body: nil, requestID: idempotencyKey, "capture order"))
            } catch {
                // Captured earlier under another key (e.g. from PayPal's dashboard): report that capture.
                guard case .declined(let message) = error, message.contains("ORDER_ALREADY_CAPTURED") else { throw error }
                return captureResult(try api.send("GET", path, body: nil, requestID: nil, "show order"))
            }
        }
    }

    public func refund(_ payment: PaymentReference, amount: Int64, reason: String, idempotencyKey: String, context: DriverContext) throws(DriverError) -> RefundResult {
        let api = try PayPalAPI(driver: self, context: context)
        return try api.call.guarding { () throws(DriverError) -> RefundResult in
            let value = try amountText(amount, currency: payment.currency)
            var captureID = payment.captureReference ?? ""
            if captureID.isEmpty {
                let order = try api.send("GET", "/v2/checkout/orders/\(FormFields.escape(payment.providerReference))", body: nil, requestID: nil, "show order")
                captureID = order.at("purchase_units", 0, "payments", "captures", 0, "id")?.string ?? ""
                guard !captureID.isEmpty else { throw .declined("paypal: order \(payment.providerReference) has no capture to refund") }
            }
            var body: [(String, JSONTree)] = [("amount", .object([("value", .string(value)), ("currency_code", .string(payment.currency.uppercased()))]))]
            if !reason.isEmpty { body.append(("note_to_payer", .string(String(reason.prefix(255))))) }
            let refund = try api.send("POST", "/v2/payments/captures/\(FormFields.escape(captureID))/refund", body: .object(body),
                                      requestID: idempotencyKey, "refund capture")
            let refundID = refund["id"]?.string ?? ""
            switch refund["status"]?.string ?? "" {
            case "COMPLETED": return RefundResult(status: .succeeded, providerReference: refundID)
            case "PENDING": return RefundResult(status: .pending, providerReference: refundID)
            case let status:
                let why = refund.at("status_details", "reason")?.string.map { " (\($0))" } ?? ""
                return RefundResult(status: .failed, providerReference: refundID, failureReason: "paypal: refund \(status)\(why)")
            }
        }
    }

    public func verifyWebhook(_ webhook: IncomingWebhook, context: DriverContext) throws(DriverError) -> [WebhookEvent] {
        let api = try PayPalAPI(driver: self, context: context)
        return try api.call.guarding { () throws(DriverError) -> [WebhookEvent] in
            var transmission: [String: String] = [:]
            for header in ["paypal-transmission-id", "paypal-transmission-time", "paypal-transmission-sig", "paypal-cert-url", "paypal-auth-algo"] {
                guard let value = webhook.header(header), !value.isEmpty else { throw .rejected("paypal: webhook without the \(header) header") }
                transmission[header] = value
            }
            guard let event = JSONTree.parse(webhook.body), let eventID = event["id"]?.string, let type = event["event_type"]?.string else {
                throw .rejected("paypal: webhook body is not a PayPal event (needs id and event_type)")
            }
            let webhookID = try context.setting("webhook_id", driver: id)
            let request = JSONTree.object([
                ("auth_algo", .string(transmission["paypal-auth-algo"]!)),
                ("cert_url", .string(transmission["paypal-cert-url"]!)),
                ("transmission_id", .string(transmission["paypal-transmission-id"]!)),
                ("transmission_sig", .string(transmission["paypal-transmission-sig"]!)),
                ("transmission_time", .string(transmission["paypal-transmission-time"]!)),
                ("webhook_id", .string(webhookID)),
                ("webhook_event", .raw(String(decoding: webhook.body, as: UTF8.self))),
            ])
            let answer: JSONTree
            do throws(DriverError) {
                answer = try api.send("POST", "/v1/notifications/verify-webhook-signature", body: request, requestID: nil, "verify webhook signature")
            } catch {
                // PayPal refusing the verification request (bad cert URL, unknown webhook) is a refusal of the webhook.
                guard case .declined(let message) = error else { throw error }
                throw .rejected(message)
            }
            let status = answer["verification_status"]?.string ?? "none"
            guard status == "SUCCESS" else { throw .rejected("paypal: PayPal did not verify webhook \(eventID) (verification_status \(status))") }
            return try events(eventID: eventID, type: type, resource: event["resource"] ?? .null, api: api)
        }
    }

    public func handleReturn(query: [(String, String)], payment: PaymentReference, context: DriverContext) throws(DriverError) -> ReturnOutcome {
        let api = try PayPalAPI(driver: self, context: context)
        return try api.call.guarding { () throws(DriverError) -> ReturnOutcome in
            // PayPal appends ?token={order id}&PayerID=… to the return and cancel URLs.
            if let token = FormFields.value("token", in: query), token != payment.providerReference {
                throw .rejected("paypal: the return names order \(token), not this payment's order \(payment.providerReference)")
            }
            // The query only says where the buyer clicked; the order's status says what happened.
            let order = try api.send("GET", "/v2/checkout/orders/\(FormFields.escape(payment.providerReference))", body: nil, requestID: nil, "show order")
            switch order["status"]?.string ?? "" {
            case "APPROVED":
                return ReturnOutcome(status: .authorized)
            case "COMPLETED":
                let result = captureResult(order)
                return result.captured ? ReturnOutcome(status: .captured, captureReference: result.captureReference)
                                       : ReturnOutcome(status: .pending, captureReference: result.captureReference, failureReason: result.failureReason)
            case "VOIDED":
                return ReturnOutcome(status: .canceled, failureReason: "paypal: order voided")
            default:
                return FormFields.value("outcome", in: query) == "cancel" ? ReturnOutcome(status: .canceled, failureReason: "paypal: buyer canceled on PayPal")
                                                                           : ReturnOutcome(status: .pending)
            }
        }
    }

    // MARK: Events

    private func events(eventID: String, type: String, resource: JSONTree, api: PayPalAPI) throws(DriverError) -> [WebhookEvent] {
        switch type {
        case "CHECKOUT.ORDER.APPROVED":
            guard let orderID = resource["id"]?.string else { throw .rejected("paypal: \(type) event \(eventID) has no order id") }
            let amount = try money(resource.at("purchase_units", 0, "amount"), event: eventID)
            return [WebhookEvent(eventID: eventID, kind: .authorized, providerReference: orderID, amount: amount)]

        case "PAYMENT.CAPTURE.COMPLETED", "PAYMENT.CAPTURE.DENIED":
            guard let captureID = resource["id"]?.string else { throw .rejected("paypal: \(type) event \(eventID) has no capture id") }
            var orderID = resource.at("supplementary_data", "related_ids", "order_id")?.string ?? ""
            if orderID.isEmpty { orderID = try orderOfCapture(captureID, api: api) }
            let amount = try money(resource["amount"], event: eventID)
            if type == "PAYMENT.CAPTURE.COMPLETED" {
                return [WebhookEvent(eventID: eventID, kind: .captured, providerReference: orderID, amount: amount, captureReference: captureID)]
            }
            let why = resource.at("status_details", "reason")?.string ?? "DENIED"
            return [WebhookEvent(eventID: eventID, kind: .failed, providerReference: orderID, amount: amount, captureReference: captureID,
                                 failureReason: "paypal: capture denied (\(why))")]

        case "PAYMENT.CAPTURE.REFUNDED":
            // The resource is the refund; its `up` link is the capture it refunds.
            let up = resource["links"]?.array?.first { $0["rel"]?.string == "up" }?["href"]?.string
            guard let captureID = up?.split(separator: "/").last.map(String.init), !captureID.isEmpty else {
                throw .rejected("paypal: refund event \(eventID) does not link its capture")
            }
            let amount = try money(resource["amount"], event: eventID)
            return [WebhookEvent(eventID: eventID, kind: .refunded, providerReference: try orderOfCapture(captureID, api: api),
                                 amount: amount, captureReference: captureID)]

        case "CUSTOMER.DISPUTE.CREATED", "CUSTOMER.DISPUTE.UPDATED", "CUSTOMER.DISPUTE.RESOLVED":
            guard let disputeID = resource["dispute_id"]?.string,
                  let captureID = resource.at("disputed_transactions", 0, "seller_transaction_id")?.string else {
                throw .rejected("paypal: dispute event \(eventID) lacks dispute_id or the disputed transaction")
            }
            let amount = try money(resource["dispute_amount"], event: eventID) ?? 0
            let dispute = Dispute(providerDisputeID: disputeID, status: resource["status"]?.string ?? "OPEN",
                                  reason: resource["reason"]?.string ?? "", amount: amount,
                                  evidenceDueBy: resource["seller_response_due_date"]?.string.flatMap(Self.date))
            return [WebhookEvent(eventID: eventID, kind: type == "CUSTOMER.DISPUTE.CREATED" ? .disputeOpened : .disputeUpdated,
                                 providerReference: try orderOfCapture(captureID, api: api), amount: amount,
                                 captureReference: captureID, dispute: dispute)]

        default:
            return []
        }
    }

    /// The order a capture belongs to, from PayPal's record of the capture.
    private func orderOfCapture(_ captureID: String, api: PayPalAPI) throws(DriverError) -> String {
        let capture = try api.send("GET", "/v2/payments/captures/\(FormFields.escape(captureID))", body: nil, requestID: nil, "show capture")
        guard let orderID = capture.at("supplementary_data", "related_ids", "order_id")?.string, !orderID.isEmpty else {
            throw .rejected("paypal: capture \(captureID) does not name its order")
        }
        return orderID
    }

    /// A PayPal money object (`currency_code`, `value`) in minor units; nil if absent.
    private func money(_ node: JSONTree?, event: String) throws(DriverError) -> Int64? {
        guard let node, node != .null else { return nil }
        guard let currency = node["currency_code"]?.string, let value = node["value"]?.text,
              let minor = MinorUnitDecimal.minorUnits(value, currency: currency) else {
            throw .rejected("paypal: event \(event) carries an unreadable amount")
        }
        return minor
    }

    private func captureResult(_ order: JSONTree) -> CaptureResult {
        guard let capture = order.at("purchase_units", 0, "payments", "captures", 0) else {
            return CaptureResult(captured: false, failureReason: "paypal: order status \(order["status"]?.string ?? "?") has no capture")
        }
        let captureID = capture["id"]?.string
        let status = capture["status"]?.string ?? "?"
        guard status != "COMPLETED" else { return CaptureResult(captured: true, captureReference: captureID) }
        let why = capture.at("status_details", "reason")?.string.map { " (\($0))" } ?? ""
        return CaptureResult(captured: false, captureReference: captureID, failureReason: "paypal: capture \(status)\(why)")
    }

    /// PayPal's `value` for an amount. HUF, JPY and TWD go without decimals at PayPal.
    private func amountText(_ minor: Int64, currency: String) throws(DriverError) -> String {
        let exponent = MinorUnitDecimal.exponent(of: currency)
        let places = ["HUF", "JPY", "TWD"].contains(currency.uppercased()) ? 0 : exponent
        guard let text = MinorUnitDecimal.string(minor, exponent: exponent, places: places) else {
            throw .declined("paypal: amount \(minor) \(currency) cannot be sent to PayPal (\(currency) is whole units there)")
        }
        return text
    }

    private static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    fileprivate var tokenCache: PayPalTokenCache { tokens }
}

/// PayPal's REST API for one call's settings: base URL, credentials and a cached access token.
private struct PayPalAPI {
    let baseURL: String
    let clientID: String
    let clientSecret: String
    let call: ProviderCall
    let tokens: PayPalTokenCache
    let now: @Sendable () -> Date

    init(driver: PayPalDriver, context: DriverContext) throws(DriverError) {
        clientID = try context.setting("client_id", driver: driver.id)
        clientSecret = try context.setting("client_secret", driver: driver.id)
        let base = context.settings["base_url"].flatMap { $0.isEmpty ? nil : $0 } ?? PayPalDriver.sandboxBaseURL
        baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        tokens = driver.tokenCache
        now = context.now
        call = ProviderCall(driver: driver.id, context: context, secrets: [clientSecret, Self.basic(clientID, clientSecret)])
    }

    /// Calls the API with a bearer token; a 401 drops the cached token and tries once more.
    func send(_ method: String, _ path: String, body: JSONTree?, requestID: String?, _ what: String) throws(DriverError) -> JSONTree {
        var attempt = 0
        while true {
            let token = try accessToken()
            var headers = [("Authorization", "Bearer \(token)"), ("Accept", "application/json")]
            if method != "GET" { headers.append(("Content-Type", "application/json")) }
            if let requestID { headers.append(("PayPal-Request-Id", requestID)) }
            let response = try call.send(OutboundRequest(method: method, url: baseURL + path, headers: headers, body: body?.encoded() ?? []), what)
            if response.status == 401, attempt == 0 {
                tokens.forget(key: cacheKey)
                attempt += 1
                continue
            }
            return try call.read(response, what, reason: Self.reason)
        }
    }

    private var cacheKey: String { baseURL + " " + clientID }

    private func accessToken() throws(DriverError) -> String {
        if let token = tokens.token(key: cacheKey, now: now()) { return token }
        let request = OutboundRequest(method: "POST", url: baseURL + "/v1/oauth2/token",
                                      headers: [("Authorization", "Basic " + Self.basic(clientID, clientSecret)),
                                                ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                                      body: Array("grant_type=client_credentials".utf8))
        let response = try call.send(request, "get access token")
        if response.status == 401 || response.status == 403 {
            let why = JSONTree.parse(response.body).flatMap(Self.reason) ?? "refused"
            throw .notConfigured(call.redact("paypal: PayPal refused settings 'client_id'/'client_secret' (\(why))"))
        }
        let answer = try call.read(response, "get access token", reason: Self.reason)
        guard let token = answer["access_token"]?.string, !token.isEmpty else { throw .unavailable("paypal: token answer without access_token") }
        let lifetime = answer["expires_in"]?.text.flatMap { Int($0) } ?? 300
        // Renew a minute early so a call never starts with a token about to lapse.
        tokens.store(token, key: cacheKey, until: now().addingTimeInterval(TimeInterval(max(lifetime - 60, 0))))
        return token
    }

    private static func basic(_ id: String, _ secret: String) -> String {
        Data("\(id):\(secret)".utf8).base64EncodedString()
    }

    /// PayPal's error explanation: `name`, the first detail's issue and description (or `message`);
    /// OAuth errors use `error` and `error_description`.
    static func reason(_ body: JSONTree) -> String? {
        if let error = body["error"]?.string { return [error, body["error_description"]?.string].compactMap { $0 }.joined(separator: ": ") }
        let parts = [body["name"]?.string, body.at("details", 0, "issue")?.string,
                     body.at("details", 0, "description")?.string ?? body["message"]?.string].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }
}

/// Access tokens by base URL and client id, shared by the copies of one driver value.
final class PayPalTokenCache: @unchecked Sendable {
    private let lock = NSLock()
    private var tokens: [String: (token: String, until: Date)] = [:]

    func token(key: String, now: Date) -> String? {
        lock.withLock { tokens[key].flatMap { $0.until > now ? $0.token : nil } }
    }

    func store(_ token: String, key: String, until: Date) {
        lock.withLock { tokens[key] = (token, until) }
    }

    func forget(key: String) {
        _ = lock.withLock { tokens.removeValue(forKey: key) }
    }
}
