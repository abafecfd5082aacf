import Crypto
import Foundation

/// Cards and wallets through Stripe's PaymentIntents API (https://docs.stripe.com/api/payment_intents).
///
/// Flow: `start` creates a PaymentIntent with `capture_method=manual` and hands the shop its
/// `client_secret`; the shop page confirms it with Stripe.js (`stripe.confirmPayment`, its
/// `return_url` is `/api/payment/return/stripe?payment_id=…`). Once the customer's bank
/// authorized the amount, Stripe sends `payment_intent.amount_capturable_updated` and the
/// customer comes back; whichever reaches the core first makes it capture, once
/// (`POST /v1/payment_intents/{id}/capture` with `Idempotency-Key: capture:<payment id>`).
///
/// Rationale for manual capture: with automatic capture Stripe moves the money on its own
/// and the core would only hear about it; manual capture lets the core decide, record the
/// capture in its own transaction and prove it happens once, at the price of an extra call.
/// The core captures right after authorization, so the hold never ages (Stripe cancels
/// uncaptured intents after 7 days).
///
/// Settings (`DriverContext.settings`; the plugin's `stripe_<name>`): `secret_key` (required,
/// sent as a bearer token), `webhook_secret` (required for webhooks, the endpoint's
/// `whsec_…`), `base_url` (default `https://api.stripe.com`), `publishable_key` (optional,
/// handed to the shop page with the client secret). None of them is ever put in a message.
public struct StripeDriver: PaymentDriver {
    public let id = "stripe"
    public let displayName = "Card (Stripe)"
    /// Seconds a webhook's signed timestamp may differ from now (Stripe's libraries use 300).
    public let tolerance: TimeInterval

    public init(tolerance: TimeInterval = 300) {
        self.tolerance = tolerance
    }

    // MARK: Payments

    public func start(_ request: StartRequest, context: DriverContext) throws(DriverError) -> StartResult {
        var form: [(String, String)] = [
            ("amount", String(request.amount)),
            ("currency", request.currency.lowercased()),
            ("capture_method", "manual"),
            ("automatic_payment_methods[enabled]", "true"),
            ("description", "Order \(request.orderID)"),
            ("metadata[payment_id]", request.paymentID),
            ("metadata[order_id]", request.orderID),
        ]
        if let email = request.customer?.email, !email.isEmpty { form.append(("receipt_email", email)) }
        let intent = try call("POST", "/v1/payment_intents", form: form, idempotencyKey: request.idempotencyKey, context: context)
        let intentID = try Self.string(intent, "id", what: "the created PaymentIntent")
        var client: [String: String] = ["client_secret": intent["client_secret"] as? String ?? ""]
        if let key = context.settings["publishable_key"], !key.isEmpty { client["publishable_key"] = key }
        if !context.returnURL.isEmpty { client["return_url"] = context.returnURL }
        let status = intent["status"] as? String ?? ""
        switch status {
        case "requires_capture": return StartResult(status: .authorized, providerReference: intentID, clientData: client)
        case "succeeded": return StartResult(status: .captured, providerReference: intentID, clientData: client)
        case "canceled": return StartResult(status: .failed, providerReference: intentID, failureReason: "stripe: the PaymentIntent was canceled")
        default: return StartResult(status: .pending, providerReference: intentID, clientData: client)
        }
    }

    public func capture(_ payment: PaymentReference, amount: Int64, idempotencyKey: String, context: DriverContext) throws(DriverError) -> CaptureResult {
        let intent: [String: Any]
        do {
            intent = try call("POST", "/v1/payment_intents/\(Self.pathSegment(payment.providerReference))/capture",
                              form: [("amount_to_capture", String(amount))], idempotencyKey: idempotencyKey, context: context)
        } catch .declined(let message) {
            return CaptureResult(captured: false, failureReason: message)
        }
        guard intent["status"] as? String == "succeeded" else {
            return CaptureResult(captured: false, failureReason: "stripe: the PaymentIntent is \(intent["status"] as? String ?? "in an unknown state") after capture")
        }
        return CaptureResult(captured: true, captureReference: Self.chargeID(intent))
    }

    public func refund(_ payment: PaymentReference, amount: Int64, reason: String, idempotencyKey: String, context: DriverContext) throws(DriverError) -> RefundResult {
        // Stripe's `reason` is one of three words; the shop's own words go in metadata.
        let stripeReasons: Set<String> = ["duplicate", "fraudulent", "requested_by_customer"]
        var form: [(String, String)] = [("payment_intent", payment.providerReference), ("amount", String(amount)),
                                        ("metadata[payment_id]", payment.paymentID)]
        if stripeReasons.contains(reason) { form.append(("reason", reason)) } else if !reason.isEmpty { form.append(("metadata[reason]", reason)) }
        let refund = try call("POST", "/v1/refunds", form: form, idempotencyKey: idempotencyKey, context: context)
        let refundID = try Self.string(refund, "id", what: "the created refund")
        switch refund["status"] as? String {
        case "succeeded": return RefundResult(status: .succeeded, providerReference: refundID)
        case "failed", "canceled":
            return RefundResult(status: .failed, providerReference: refundID, failureReason: "stripe: refund \(refund["failure_reason"] as? String ?? refund["status"] as? String ?? "failed")")
        default: return RefundResult(status: .pending, providerReference: refundID)
        }
    }

    public func handleReturn(query: [(String, String)], payment: PaymentReference, context: DriverContext) throws(DriverError) -> ReturnOutcome {
        // The query (payment_intent, redirect_status) is the customer's browser talking: only
        // Stripe's own answer about the intent this payment created counts.
        let intent = try call("GET", "/v1/payment_intents/\(Self.pathSegment(payment.providerReference))", form: [], idempotencyKey: nil, context: context)
        switch intent["status"] as? String {
        case "requires_capture": return ReturnOutcome(status: .authorized)
        case "succeeded": return ReturnOutcome(status: .captured, captureReference: Self.chargeID(intent))
        case "canceled": return ReturnOutcome(status: .canceled, failureReason: "stripe: the PaymentIntent was canceled")
        case "requires_payment_method":
            if let error = Self.lastError(intent) { return ReturnOutcome(status: .failed, failureReason: error) }
            return ReturnOutcome(status: .pending)
        default: return ReturnOutcome(status: .pending)
        }
    }

    // MARK: Webhooks

    public func verifyWebhook(_ webhook: IncomingWebhook, context: DriverContext) throws(DriverError) -> [WebhookEvent] {
        let secret = try context.setting("webhook_secret", driver: id)
        guard let header = webhook.header("stripe-signature") else { throw .rejected("stripe: the Stripe-Signature header is missing") }
        try Self.verifySignature(header: header, payload: webhook.body, secret: secret, tolerance: tolerance, now: context.now())
        guard let event = (try? JSONSerialization.jsonObject(with: Data(webhook.body))) as? [String: Any],
              let eventID = event["id"] as? String, let type = event["type"] as? String,
              let object = (event["data"] as? [String: Any])?["object"] as? [String: Any] else {
            throw .rejected("stripe: the webhook body is not a Stripe event (id, type, data.object)")
        }
        return Self.event(eventID: eventID, type: type, object: object).map { [$0] } ?? []
    }

    /// Checks a `Stripe-Signature` header as https://docs.stripe.com/webhooks#verify-manually
    /// says: `t=<unix seconds>,v1=<hex>[,v1=…]`; the expected signature is HMAC-SHA256 of
    /// `"<t>.<raw body>"` keyed with the endpoint secret, compared in constant time with every
    /// `v1` (several during a secret roll); the timestamp must be within `tolerance` of now.
    public static func verifySignature(header: String, payload: [UInt8], secret: String, tolerance: TimeInterval, now: Date) throws(DriverError) {
        var timestamp: String?
        var signatures: [String] = []
        for element in header.split(separator: ",") {
            let pair = element.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = pair[1] } else if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp, let seconds = Int64(timestamp) else { throw .rejected("stripe: Stripe-Signature has no timestamp (t=)") }
        guard !signatures.isEmpty else { throw .rejected("stripe: Stripe-Signature has no v1 signature") }
        let signed = Array("\(timestamp).".utf8) + payload
        let key = SymmetricKey(data: Array(secret.utf8))
        let matches = signatures.contains { hex in
            guard let mac = hexBytes(hex) else { return false }
            return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: key)
        }
        guard matches else { throw .rejected("stripe: no v1 signature matches the payload") }
        let age = now.timeIntervalSince1970 - Double(seconds)
        guard abs(age) <= tolerance else {
            throw .rejected("stripe: the signature's timestamp is \(Int(age)) s from now, outside the tolerance of \(Int(tolerance)) s")
        }
    }

    /// The signature header Stripe would send for `payload` at `timestamp` (tests, local tools).
    public static func signatureHeader(payload: [UInt8], secret: String, timestamp: Int64) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + payload, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(timestamp),v1=\(mac.map { String(format: "%02x", $0) }.joined())"
    }

    /// The event kinds the core acts on; nil for the others (answered 200 and ignored).
    static func event(eventID: String, type: String, object: [String: Any]) -> WebhookEvent? {
        let objectID = object["id"] as? String ?? ""
        switch type {
        case "payment_intent.amount_capturable_updated":
            return WebhookEvent(eventID: eventID, kind: .authorized, providerReference: objectID, amount: int(object["amount_capturable"]))
        case "payment_intent.succeeded":
            return WebhookEvent(eventID: eventID, kind: .captured, providerReference: objectID, amount: int(object["amount_received"]), captureReference: chargeID(object))
        case "payment_intent.payment_failed":
            return WebhookEvent(eventID: eventID, kind: .failed, providerReference: objectID, failureReason: lastError(object) ?? "stripe: the payment failed")
        case "payment_intent.canceled":
            return WebhookEvent(eventID: eventID, kind: .failed, providerReference: objectID,
                                failureReason: "stripe: canceled (\(object["cancellation_reason"] as? String ?? "no reason given"))")
        case "charge.refunded":
            // A charge: its `amount_refunded` is the running total of every refund on it.
            return WebhookEvent(eventID: eventID, kind: .refunded, providerReference: object["payment_intent"] as? String ?? "",
                                captureReference: objectID, refundedTotal: int(object["amount_refunded"]))
        case "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed":
            let dueBy = int((object["evidence_details"] as? [String: Any])?["due_by"]).map { Date(timeIntervalSince1970: TimeInterval($0)) }
            let dispute = Dispute(providerDisputeID: objectID, status: object["status"] as? String ?? "needs_response", reason: object["reason"] as? String ?? "general",
                                  amount: int(object["amount"]) ?? 0, evidenceDueBy: dueBy)
            return WebhookEvent(eventID: eventID, kind: type == "charge.dispute.created" ? .disputeOpened : .disputeUpdated,
                                providerReference: object["payment_intent"] as? String ?? "", captureReference: object["charge"] as? String, dispute: dispute)
        default:
            return nil
        }
    }

    // MARK: HTTP

    /// One API call: form-encoded body, bearer secret key, `Idempotency-Key` on POSTs.
    /// Answers the JSON object; Stripe's error object becomes a `DriverError` with its message.
    private func call(_ method: String, _ path: String, form: [(String, String)], idempotencyKey: String?, context: DriverContext) throws(DriverError) -> [String: Any] {
        let secretKey = try context.setting("secret_key", driver: id)
        let base = (context.settings["base_url"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://api.stripe.com")
        var headers = [("authorization", "Bearer \(secretKey)"), ("accept", "application/json")]
        var body: [UInt8] = []
        if method != "GET" {
            headers.append(("content-type", "application/x-www-form-urlencoded"))
            body = Array(Self.formEncode(form).utf8)
        }
        if let idempotencyKey { headers.append(("idempotency-key", idempotencyKey)) }
        let url = base.hasSuffix("/") ? String(base.dropLast()) + path : base + path
        let response = try context.http(OutboundRequest(method: method, url: url, headers: headers, body: body))
        let json = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        if (200..<300).contains(response.status), let json { return json }
        let error = json?["error"] as? [String: Any]
        let message = "stripe: \(method) \(path) answered \(response.status): \(error?["message"] as? String ?? "no error message")"
            + ((error?["code"] as? String).map { " (\($0))" } ?? "")
        switch response.status {
        case 401, 403: throw .notConfigured("stripe: the secret key was refused (HTTP \(response.status))")
        case 400, 402, 404: throw .declined(message)
        default: throw .unavailable(message)  // 409 idempotency in flight, 429 rate limit, 5xx, garbage
        }
    }

    /// `application/x-www-form-urlencoded`, bracketed keys as Stripe reads them.
    static func formEncode(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func escape(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s }
        return pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    /// A provider id put in a path: only the characters Stripe ids have.
    private static func pathSegment(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "_-"))) ?? id
    }

    private static func string(_ object: [String: Any], _ key: String, what: String) throws(DriverError) -> String {
        guard let value = object[key] as? String, !value.isEmpty else { throw .unavailable("stripe: \(what) has no '\(key)'") }
        return value
    }

    private static func chargeID(_ intent: [String: Any]) -> String? {
        if let id = intent["latest_charge"] as? String { return id }
        return (intent["latest_charge"] as? [String: Any])?["id"] as? String
    }

    private static func lastError(_ intent: [String: Any]) -> String? {
        guard let error = intent["last_payment_error"] as? [String: Any] else { return nil }
        return "stripe: " + (error["message"] as? String ?? error["code"] as? String ?? "the payment method was declined")
    }

    private static func int(_ value: Any?) -> Int64? {
        guard let number = value as? NSNumber else { return nil }
        return Int64(exactly: number.doubleValue)
    }

    private static func hexBytes(_ hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let byte = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
            i += 2
        }
        return out
    }
}
