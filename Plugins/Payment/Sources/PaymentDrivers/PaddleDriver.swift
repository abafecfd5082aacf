import Crypto
import Foundation

// Paddle Billing, as Paddle documents it:
//   Create a transaction: https://developer.paddle.com/api-reference/transactions/create-transaction
//     non-catalog items: https://developer.paddle.com/build/transactions/bill-create-custom-items-prices-products
//     checkout.url (default payment link + ?_ptxn=): https://developer.paddle.com/build/transactions/default-payment-link
//   Get a transaction: https://developer.paddle.com/api-reference/transactions/get-transaction
//   Refunds as adjustments: https://developer.paddle.com/api-reference/adjustments/create-adjustment
//     and https://developer.paddle.com/build/transactions/create-transaction-adjustments
//     list adjustments: https://developer.paddle.com/api-reference/adjustments/list-adjustments
//   Webhook signatures (Paddle-Signature: ts=…;h1=…, HMAC-SHA256 of "ts:raw body"):
//     https://developer.paddle.com/webhooks/signature-verification
//   Events: transaction.paid https://developer.paddle.com/webhooks/transactions/transaction-paid,
//     transaction.completed, transaction.payment_failed, adjustment.created / adjustment.updated
//     (actions refund, chargeback, chargeback_warning, chargeback_reverse):
//     https://developer.paddle.com/api-reference/adjustments/overview
//   Errors: https://developer.paddle.com/api-reference/about/errors
//
// Decisions:
// - One non-catalog item per payment: the order's total as one price with tax_mode `internal`
//   (the amount already includes tax), so Paddle charges exactly the amount the cart shows.
//   Paddle's amounts are strings in the currency's lowest denomination, i.e. our minor units.
// - Paddle takes the money on its own checkout (Paddle.js on the default payment link page);
//   there is no separate capture call. `capture` reads the transaction and reports whether
//   Paddle already has the money; it never moves money itself.
// - Paddle has no idempotency header. The key travels in `custom_data` of the transaction, and
//   a refund carries it in its reason: before creating a refund the driver lists the
//   transaction's refunds and returns the one with that key, so a retried refund is not a second.
// - Webhook timestamp tolerance: setting `webhook_tolerance_seconds`, default 300. Paddle's SDKs
//   allow 5 s; with events de-duplicated by event_id a replay inside the window changes nothing,
//   while 5 s rejects honest deliveries that waited in a queue or met a skewed clock.
//   A shop that wants Paddle's 5 s sets 5.
// - Refunds: `refunded` is reported when Paddle approves the refund adjustment (live refunds
//   wait for Paddle's review as pending_approval). Chargebacks are adjustments with action
//   chargeback (dispute opened, later updated to e.g. reversed); chargeback_warning opens a
//   dispute with status "warning".
//
// Settings: `api_key` (required), `webhook_secret` (the notification destination's secret key,
// required for webhooks), `base_url` (default the sandbox, https://sandbox-api.paddle.com;
// live is https://api.paddle.com), `webhook_tolerance_seconds` (default 300), `checkout_url`
// (optional approved-domain page for the payment link), `tax_category` (default "standard").

/// Paddle Billing. See the notes above for the documents it follows and its decisions.
public struct PaddleDriver: PaymentDriver {
    public let id = "paddle"
    public let displayName = "Paddle"
    public static let sandboxBaseURL = "https://sandbox-api.paddle.com"
    public static let defaultWebhookToleranceSeconds = 300

    public init() {}

    // MARK: PaymentDriver

    public func start(_ request: StartRequest, context: DriverContext) throws(DriverError) -> StartResult {
        let api = try PaddleAPI(driver: id, context: context)
        return try api.call.guarding { () throws(DriverError) -> StartResult in
            guard request.amount > 0 else { throw .declined("paddle: amount must be positive, got \(request.amount)") }
            let label = "Order \(request.orderID)"
            let taxCategory = context.settings["tax_category"].flatMap { $0.isEmpty ? nil : $0 } ?? "standard"
            var body: [(String, JSONTree)] = [
                ("items", .array([.object([
                    ("quantity", .number("1")),
                    ("price", .object([
                        ("description", .string(label)),
                        ("name", .string(label)),
                        ("unit_price", .object([("amount", .string(String(request.amount))), ("currency_code", .string(request.currency.uppercased()))])),
                        ("tax_mode", .string("internal")),
                        ("product", .object([("name", .string(label)), ("tax_category", .string(taxCategory))])),
                    ])),
                ])])),
                ("currency_code", .string(request.currency.uppercased())),
                ("collection_mode", .string("automatic")),
                ("custom_data", .object([
                    ("payment_id", .string(request.paymentID)),
                    ("order_id", .string(request.orderID)),
                    ("idempotency_key", .string(request.idempotencyKey)),
                ])),
            ]
            if let checkout = context.settings["checkout_url"], !checkout.isEmpty {
                body.append(("checkout", .object([("url", .string(checkout))])))
            }
            let transaction = try api.send("POST", "/transactions", body: .object(body), "create transaction")
            guard let transactionID = transaction["id"]?.string, !transactionID.isEmpty else {
                throw .unavailable("paddle: create transaction answered without a transaction id")
            }
            guard let url = transaction.at("checkout", "url")?.string, !url.isEmpty else {
                throw .declined("paddle: transaction \(transactionID) has no checkout URL (set a default payment link in Paddle or the checkout_url setting)")
            }
            return StartResult(status: .pending, providerReference: transactionID, redirectURL: url)
        }
    }

    public func capture(_ payment: PaymentReference, amount: Int64, idempotencyKey: String, context: DriverContext) throws(DriverError) -> CaptureResult {
        let api = try PaddleAPI(driver: id, context: context)
        return try api.call.guarding { () throws(DriverError) -> CaptureResult in
            let transaction = try api.transaction(payment.providerReference)
            let status = transaction["status"]?.string ?? "?"
            guard ["paid", "completed"].contains(status) else {
                return CaptureResult(captured: false, failureReason: "paddle: transaction \(payment.providerReference) is \(status); Paddle takes the money on its checkout")
            }
            return CaptureResult(captured: true, captureReference: payment.providerReference)
        }
    }

    public func refund(_ payment: PaymentReference, amount: Int64, reason: String, idempotencyKey: String, context: DriverContext) throws(DriverError) -> RefundResult {
        let api = try PaddleAPI(driver: id, context: context)
        return try api.call.guarding { () throws(DriverError) -> RefundResult in
            guard amount > 0, amount <= payment.amount else {
                throw .declined("paddle: refund amount \(amount) must be between 1 and the payment's \(payment.amount)")
            }
            let transactionID = payment.providerReference
            let marker = "[ref \(idempotencyKey)]"
            let existing = try api.send("GET", "/adjustments?" + FormFields.encode([("transaction_id", transactionID), ("action", "refund")]),
                                        body: nil, "list adjustments")
            if let earlier = existing.array?.first(where: { $0["reason"]?.string?.contains(marker) ?? false }) {
                return Self.refundResult(earlier)
            }
            var body: [(String, JSONTree)] = [
                ("action", .string("refund")),
                ("transaction_id", .string(transactionID)),
                ("reason", .string((reason.isEmpty ? "refund" : String(reason.prefix(200))) + " " + marker)),
            ]
            if amount == payment.amount {
                body.append(("type", .string("full")))
            } else {
                let transaction = try api.transaction(transactionID)
                guard let itemID = transaction.at("details", "line_items", 0, "id")?.string else {
                    throw .declined("paddle: transaction \(transactionID) has no line item to refund")
                }
                body.append(("type", .string("partial")))
                body.append(("items", .array([.object([("item_id", .string(itemID)), ("type", .string("partial")), ("amount", .string(String(amount)))])])))
            }
            return Self.refundResult(try api.send("POST", "/adjustments", body: .object(body), "create adjustment"))
        }
    }

    public func verifyWebhook(_ webhook: IncomingWebhook, context: DriverContext) throws(DriverError) -> [WebhookEvent] {
        let secret = try context.setting("webhook_secret", driver: id)
        let call = ProviderCall(driver: id, context: context, secrets: [secret])
        return try call.guarding { () throws(DriverError) -> [WebhookEvent] in
            let tolerance = try Self.tolerance(context)
            guard let header = webhook.header("paddle-signature"), !header.isEmpty else { throw .rejected("paddle: webhook without a Paddle-Signature header") }
            var timestamp: Int64?
            var signatures: [String] = []
            for part in header.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { continue }
                if pair[0] == "ts" { timestamp = Int64(pair[1]) } else if pair[0] == "h1" { signatures.append(pair[1]) }
            }
            guard let timestamp, !signatures.isEmpty else { throw .rejected("paddle: Paddle-Signature lacks ts or h1") }
            let signed = Array("\(timestamp):".utf8) + webhook.body
            let key = SymmetricKey(data: Array(secret.utf8))
            // A signature per h1 (Paddle sends several while a secret rotates); the library compares in constant time.
            let matches = signatures.contains { signature in
                guard let mac = Self.bytes(hex: signature) else { return false }
                return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: key)
            }
            guard matches else { throw .rejected("paddle: Paddle-Signature does not match the body") }
            let now = Int64(context.now().timeIntervalSince1970.rounded(.down))
            guard now - timestamp <= Int64(tolerance) else {
                throw .rejected("paddle: webhook timestamp is \(now - timestamp) s old (tolerance \(tolerance) s)")
            }
            guard timestamp - now <= Int64(tolerance) else {
                throw .rejected("paddle: webhook timestamp is \(timestamp - now) s in the future (tolerance \(tolerance) s)")
            }
            guard let event = JSONTree.parse(webhook.body), let eventID = event["event_id"]?.string, let type = event["event_type"]?.string,
                  let data = event["data"] else {
                throw .rejected("paddle: webhook body is not a Paddle event (needs event_id, event_type, data)")
            }
            return try Self.events(eventID: eventID, type: type, data: data)
        }
    }

    public func handleReturn(query: [(String, String)], payment: PaymentReference, context: DriverContext) throws(DriverError) -> ReturnOutcome {
        let api = try PaddleAPI(driver: id, context: context)
        return try api.call.guarding { () throws(DriverError) -> ReturnOutcome in
            if let named = FormFields.value("_ptxn", in: query) ?? FormFields.value("transaction_id", in: query), named != payment.providerReference {
                throw .rejected("paddle: the return names transaction \(named), not this payment's \(payment.providerReference)")
            }
            let transaction = try api.transaction(payment.providerReference)
            switch transaction["status"]?.string ?? "" {
            case "paid", "completed": return ReturnOutcome(status: .captured, captureReference: payment.providerReference)
            case "canceled": return ReturnOutcome(status: .canceled, failureReason: "paddle: transaction canceled")
            case "past_due": return ReturnOutcome(status: .failed, failureReason: "paddle: transaction past due")
            default: return ReturnOutcome(status: .pending)
            }
        }
    }

    // MARK: Events

    private static func events(eventID: String, type: String, data: JSONTree) throws(DriverError) -> [WebhookEvent] {
        switch type {
        case "transaction.paid", "transaction.completed", "transaction.payment_failed":
            guard let transactionID = data["id"]?.string else { throw .rejected("paddle: \(type) event \(eventID) has no transaction id") }
            let amount = try minor(data.at("details", "totals", "grand_total"), event: eventID)
            if type == "transaction.payment_failed" {
                let why = data.at("payments", 0, "error_code")?.string ?? "payment failed"
                return [WebhookEvent(eventID: eventID, kind: .failed, providerReference: transactionID, amount: amount, failureReason: "paddle: \(why)")]
            }
            return [WebhookEvent(eventID: eventID, kind: .captured, providerReference: transactionID, amount: amount, captureReference: transactionID)]

        case "adjustment.created", "adjustment.updated":
            guard let adjustmentID = data["id"]?.string, let transactionID = data["transaction_id"]?.string else {
                throw .rejected("paddle: \(type) event \(eventID) has no adjustment or transaction id")
            }
            let status = data["status"]?.string ?? ""
            let amount = try minor(data.at("totals", "total"), event: eventID) ?? 0
            switch data["action"]?.string ?? "" {
            case "refund":
                // Refunds wait for Paddle's approval; only an approved one has returned money.
                guard status == "approved" else { return [] }
                return [WebhookEvent(eventID: eventID, kind: .refunded, providerReference: transactionID, amount: amount)]
            case "chargeback", "chargeback_warning":
                let warning = data["action"]?.string == "chargeback_warning"
                let dispute = Dispute(providerDisputeID: adjustmentID, status: warning ? "warning" : status,
                                      reason: data["reason"]?.string ?? "", amount: amount)
                return [WebhookEvent(eventID: eventID, kind: type == "adjustment.created" ? .disputeOpened : .disputeUpdated,
                                     providerReference: transactionID, amount: amount, dispute: dispute)]
            default:
                // Credits, and chargeback_reverse (the chargeback itself is updated to reversed).
                return []
            }

        default:
            return []
        }
    }

    /// Paddle writes amounts as strings of whole minor units.
    private static func minor(_ node: JSONTree?, event: String) throws(DriverError) -> Int64? {
        guard let node, node != .null else { return nil }
        guard let text = node.text, let value = Int64(text) else { throw .rejected("paddle: event \(event) carries an unreadable amount") }
        return value
    }

    private static func refundResult(_ adjustment: JSONTree) -> RefundResult {
        let adjustmentID = adjustment["id"]?.string ?? ""
        switch adjustment["status"]?.string ?? "" {
        case "approved": return RefundResult(status: .succeeded, providerReference: adjustmentID)
        case "rejected", "reversed": return RefundResult(status: .failed, providerReference: adjustmentID, failureReason: "paddle: refund \(adjustment["status"]?.string ?? "")")
        default: return RefundResult(status: .pending, providerReference: adjustmentID)
        }
    }

    private static func tolerance(_ context: DriverContext) throws(DriverError) -> Int {
        guard let text = context.settings["webhook_tolerance_seconds"], !text.isEmpty else { return defaultWebhookToleranceSeconds }
        guard let seconds = Int(text), seconds >= 0 else {
            throw .notConfigured("paddle: setting 'webhook_tolerance_seconds' must be a whole number of seconds, got '\(text)'")
        }
        return seconds
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0, !digits.isEmpty else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
            index += 2
        }
        return bytes
    }
}

/// Paddle's API with one call's settings: base URL and the API key as a bearer token.
private struct PaddleAPI {
    let baseURL: String
    let apiKey: String
    let call: ProviderCall

    init(driver: String, context: DriverContext) throws(DriverError) {
        apiKey = try context.setting("api_key", driver: driver)
        let base = context.settings["base_url"].flatMap { $0.isEmpty ? nil : $0 } ?? PaddleDriver.sandboxBaseURL
        baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        call = ProviderCall(driver: driver, context: context, secrets: [apiKey])
    }

    /// Calls the API and returns the answer's `data`.
    func send(_ method: String, _ pathAndQuery: String, body: JSONTree?, _ what: String) throws(DriverError) -> JSONTree {
        var headers = [("Authorization", "Bearer \(apiKey)"), ("Accept", "application/json"), ("Paddle-Version", "1")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let request = OutboundRequest(method: method, url: baseURL + pathAndQuery, headers: headers, body: body?.encoded() ?? [])
        let response = try call.send(request, what)
        if response.status == 401 || response.status == 403 {
            throw .notConfigured(call.redact("paddle: Paddle refused setting 'api_key' (\(response.status))" +
                                             (JSONTree.parse(response.body).flatMap(Self.reason).map { ": \($0)" } ?? "")))
        }
        let answer = try call.read(response, what, reason: Self.reason)
        guard let data = answer["data"] else { throw .unavailable("paddle: \(what) answered without data") }
        return data
    }

    func transaction(_ transactionID: String) throws(DriverError) -> JSONTree {
        try send("GET", "/transactions/\(FormFields.escape(transactionID))", body: nil, "get transaction")
    }

    /// Paddle's error explanation: `error.code` and `error.detail`.
    static func reason(_ body: JSONTree) -> String? {
        let parts = [body.at("error", "code")?.string, body.at("error", "detail")?.string].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ": ")
    }
}
