// bKash Tokenized Checkout (without agreement, "Checkout URL"), API v1.2.0-beta.
//
// Sources read before writing (field names, paths and flows follow them):
// - bKash developer docs, https://developer.bka.sh (Token Management, Create/Execute/Query
//   Payment, Refund Transaction, Webhook) via the listing at
//   https://raw.githubusercontent.com/api-evangelist/bkash/refs/heads/main/llms/bkash-llms.txt
// - bKash's own WooCommerce plugin, github.com/bKash-developer/bKash-for-woocommerce:
//   includes/classes/ApiComm.php (token/grant with username/password headers and
//   app_key/app_secret body; token/refresh; create with mode/payerReference/callbackURL/amount/
//   currency/intent/merchantInvoiceNumber; execute and payment/status with {paymentID};
//   payment/refund with paymentID/amount/trxID/sku/reason; `authorization: <id_token>` and
//   `x-app-key` headers; execute falls back to a status query when its answer is lost) and
//   includes/classes/WebhookProcessor.php (webhooks are Amazon SNS messages, verified with the
//   certificate at SigningCertURL whose host must be sns.<region>.amazonaws.com).
// - Sandbox sample responses, https://shopofbd.com/bkash-sandbox-api-response-jons-code
//   (create → paymentID, bkashURL, callbacks `?paymentID=…&status=success|failure|cancel`;
//   execute → trxID, transactionStatus "Completed", amount as a decimal string).
// - bkash-rs (docs.rs/crate/bkash-rs, github.com/dibakarsutradhar/bkash-rs): src/webhooks.rs
//   for the SNS notification payload (trxID, transactionStatus, amount, currency,
//   merchantInvoiceNumber) and the SNS string-to-sign.
// - Amazon SNS, https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
//
// Settings (DriverContext.settings):
//   base_url       optional, default https://tokenized.sandbox.bka.sh/v1.2.0-beta (live:
//                  https://tokenized.pay.bka.sh/v1.2.0-beta)
//   app_key, app_secret, username, password   required (from bKash)
//   sns_topic_arn  optional; when set, webhooks from any other SNS topic are refused
//
// Decisions:
// - Money moves only on execute, so `capture` is execute (called once by the core), after a
//   status read that checks the amount before any money moves. The return only reads the
//   payment's status through the API and never trusts the query's `status` alone. Every
//   amount bKash reports is compared with ours in paisa.
// - bKash's notification carries no paymentID: the driver sends the EOP payment id as
//   merchantInvoiceNumber, and a webhook event's `providerReference` is that payment id
//   (its `captureReference` is the trxID).
// - Refund is v1 (`/tokenized/checkout/payment/refund`), the one under the same base URL;
//   bKash's refund has no idempotency key, so the core's key goes in `sku` for tracing.
import Foundation
import Synchronization
import _CryptoExtras

/// bKash tokenized checkout behind `PaymentDriver`. One instance per process: it keeps the
/// id_token and the SNS certificates between calls. Settings are listed at the top of this file.
public final class BkashDriver: PaymentDriver {
    /// "bkash".
    public let id = "bkash"
    /// "bKash".
    public let displayName = "bKash"

    /// The default `base_url`: bKash's sandbox.
    public static let sandboxBaseURL = "https://tokenized.sandbox.bka.sh/v1.2.0-beta"

    /// id_tokens by base URL and app key: bKash asks merchants to reuse a token until it
    /// expires (one hour) and to renew it with the refresh token rather than a new grant.
    private let tokens = Mutex<[String: GrantedToken]>([:])
    /// SNS certificates by URL, as AWS recommends (they change rarely).
    private let certificates = Mutex<[String: _RSA.Signing.PublicKey]>([:])

    /// A driver with empty token and certificate caches.
    public init() {}

    private struct GrantedToken: Sendable {
        var idToken: String
        var refreshToken: String?
        var expiresAt: Date
    }

    // MARK: - Payment flow

    /// Creates the payment (mode 0011, intent sale, merchantInvoiceNumber = the EOP payment id)
    /// and answers bKash's page as the redirect; providerReference is bKash's paymentID.
    public func start(_ request: StartRequest, context: DriverContext) throws(DriverError) -> StartResult {
        let credentials = try Credentials(context)
        guard request.currency == "BDT" else { throw .unsupported("bkash: currency \(request.currency) is not supported; bKash takes BDT only") }
        guard request.amount > 0 else { throw .declined("bkash: amount must be positive, got \(request.amount)") }
        let callbackURL = context.returnURL.isEmpty ? request.returnURL : context.returnURL
        guard !callbackURL.isEmpty else { throw .notConfigured("bkash: no return URL to give bKash as callbackURL") }

        let answer = try call("/tokenized/checkout/create", [
            "mode": "0011",
            "payerReference": request.customer?.phone.flatMap { $0.isEmpty ? nil : $0 } ?? request.orderID,
            "callbackURL": callbackURL,
            "amount": BDTAmount.decimalString(paisa: request.amount),
            "currency": "BDT",
            "intent": "sale",
            "merchantInvoiceNumber": request.paymentID,
        ], credentials, context)
        try Self.requireSuccess(answer, "create", credentials)
        guard let paymentID = BDGatewayJSON.string(answer, "paymentID"), let bkashURL = BDGatewayJSON.string(answer, "bkashURL") else {
            throw .unavailable("bkash: create answered without paymentID or bkashURL")
        }
        if let echoed = BDGatewayJSON.string(answer, "amount"), BDTAmount.paisa(echoed) != request.amount {
            throw .rejected("bkash: create answered amount \(echoed) for \(BDTAmount.decimalString(paisa: request.amount))")
        }
        return StartResult(status: .pending, providerReference: paymentID, redirectURL: bkashURL)
    }

    /// The customer came back to `callbackURL?paymentID=…&status=success|failure|cancel`.
    public func handleReturn(query: [(String, String)], payment: PaymentReference, context: DriverContext) throws(DriverError) -> ReturnOutcome {
        let credentials = try Credentials(context)
        guard let paymentID = BDQuery.value(query, "paymentID"), !paymentID.isEmpty else { throw .rejected("bkash: return without paymentID") }
        guard paymentID == payment.providerReference else {
            throw .rejected("bkash: return names paymentID \(paymentID), not this payment's \(payment.providerReference)")
        }
        let said = BDQuery.value(query, "status") ?? ""
        guard ["success", "failure", "cancel"].contains(said) else { throw .rejected("bkash: return status '\(said)' is not success, failure or cancel") }

        // What bKash says, not what the query says.
        let status = try paymentStatus(paymentID, credentials, context)
        try Self.requireAmount(status, equals: payment.amount, what: "payment status")
        let state = BDGatewayJSON.string(status, "transactionStatus") ?? ""
        switch (state, said) {
        case ("Completed", _):
            return ReturnOutcome(status: .captured, captureReference: BDGatewayJSON.string(status, "trxID"))
        case ("Initiated", "success"), ("Authorized", "success"):
            // Approved by the customer, not yet executed: the core captures (executes) once.
            return ReturnOutcome(status: .authorized)
        case (_, "cancel"):
            return ReturnOutcome(status: .canceled, failureReason: "bkash: the customer canceled (transactionStatus \(state))")
        case ("Initiated", _), ("Authorized", _):
            return ReturnOutcome(status: .failed, failureReason: "bkash: payment failed at bKash (transactionStatus \(state))")
        default:
            return ReturnOutcome(status: .failed, failureReason: "bkash: transactionStatus \(state.isEmpty ? "missing" : state)")
        }
    }

    /// Executes the sale: the one call that moves the customer's money. The payment's status
    /// is read first (amount checked before any money moves; a payment already completed is not
    /// executed again), and read again when execute's answer is lost or refused, as bKash's own
    /// plugin does.
    public func capture(_ payment: PaymentReference, amount: Int64, idempotencyKey: String, context: DriverContext) throws(DriverError) -> CaptureResult {
        let credentials = try Credentials(context)
        guard amount == payment.amount else {
            throw .unsupported("bkash: a sale is executed for its whole amount (\(payment.amount)), not \(amount)")
        }
        let before = try paymentStatus(payment.providerReference, credentials, context)
        try Self.requireAmount(before, equals: amount, what: "payment status")
        switch BDGatewayJSON.string(before, "transactionStatus") {
        case "Completed":
            return CaptureResult(captured: true, captureReference: BDGatewayJSON.string(before, "trxID"))
        case "Initiated", "Authorized":
            break
        case let other:
            return CaptureResult(captured: false, failureReason: "bkash: payment is \(other ?? "in no state"), not executable")
        }

        var executeProblem: String
        do {
            let answer = try call("/tokenized/checkout/execute", ["paymentID": payment.providerReference], credentials, context)
            if Self.isSuccess(answer), BDGatewayJSON.string(answer, "transactionStatus") == "Completed" {
                try Self.requireAmount(answer, equals: amount, what: "execute")
                return CaptureResult(captured: true, captureReference: BDGatewayJSON.string(answer, "trxID"))
            }
            executeProblem = Self.problem(answer, credentials)
        } catch .unavailable(let message) {
            executeProblem = message
        }
        let after: [String: Any]
        do {
            after = try paymentStatus(payment.providerReference, credentials, context)
        } catch {
            throw .unavailable("bkash: execute: \(executeProblem); status query failed too: \(error.message)")
        }
        let state = BDGatewayJSON.string(after, "transactionStatus") ?? "missing"
        guard state == "Completed" else {
            return CaptureResult(captured: false, failureReason: "bkash: execute: \(executeProblem) (transactionStatus \(state))")
        }
        try Self.requireAmount(after, equals: amount, what: "payment status")
        return CaptureResult(captured: true, captureReference: BDGatewayJSON.string(after, "trxID"))
    }

    /// Refunds part or all of a completed payment (bKash allows several partial refunds).
    public func refund(_ payment: PaymentReference, amount: Int64, reason: String, idempotencyKey: String, context: DriverContext) throws(DriverError) -> RefundResult {
        let credentials = try Credentials(context)
        guard amount > 0, amount <= payment.amount else {
            throw .declined("bkash: refund amount \(amount) must be between 1 and the payment's \(payment.amount) paisa")
        }
        var trxID = payment.captureReference ?? ""
        if trxID.isEmpty {
            let status = try paymentStatus(payment.providerReference, credentials, context)
            guard BDGatewayJSON.string(status, "transactionStatus") == "Completed", let found = BDGatewayJSON.string(status, "trxID") else {
                throw .declined("bkash: payment \(payment.providerReference) is not completed, nothing to refund")
            }
            trxID = found
        }
        let answer = try call("/tokenized/checkout/payment/refund", [
            "paymentID": payment.providerReference,
            "amount": BDTAmount.decimalString(paisa: amount),
            "trxID": trxID,
            "sku": String(idempotencyKey.prefix(255)),
            "reason": String((reason.isEmpty ? "refund" : reason).prefix(255)),
        ], credentials, context)
        try Self.requireSuccess(answer, "refund", credentials)
        if let echoed = BDGatewayJSON.string(answer, "amount"), BDTAmount.paisa(echoed) != amount {
            throw .rejected("bkash: refund answered amount \(echoed) for \(BDTAmount.decimalString(paisa: amount))")
        }
        let refundTrxID = BDGatewayJSON.string(answer, "refundTrxID") ?? ""
        switch BDGatewayJSON.string(answer, "transactionStatus") {
        case "Completed": return RefundResult(status: .succeeded, providerReference: refundTrxID)
        case "Initiated", "Pending": return RefundResult(status: .pending, providerReference: refundTrxID)
        case let other: return RefundResult(status: .failed, providerReference: refundTrxID, failureReason: "bkash: refund transactionStatus \(other ?? "missing")")
        }
    }

    // MARK: - Webhooks (Amazon SNS)

    /// Verifies an SNS message (signature, certificate host, optional topic); a
    /// SubscriptionConfirmation is confirmed and gives no event, a Notification of a completed
    /// payment gives one `.captured` event keyed by the SNS MessageId.
    public func verifyWebhook(_ webhook: IncomingWebhook, context: DriverContext) throws(DriverError) -> [WebhookEvent] {
        guard let json = BDGatewayJSON.object(webhook.body), let sns = SNSMessage(json) else {
            throw .rejected("bkash: webhook body is not an SNS message")
        }
        if let header = webhook.header("x-amz-sns-message-type"), header != sns.type {
            throw .rejected("bkash: x-amz-sns-message-type \(header) does not match Type \(sns.type)")
        }
        guard sns.signatureVersion == "1" || sns.signatureVersion == "2" else {
            throw .rejected("bkash: SNS SignatureVersion \(sns.signatureVersion) is not 1 or 2")
        }
        guard SNSMessage.isAWSURL(sns.signingCertURL, certificate: true) else {
            throw .rejected("bkash: SigningCertURL \(sns.signingCertURL) is not an https://sns.<region>.amazonaws.com/….pem URL")
        }
        if let topic = context.settings["sns_topic_arn"], !topic.isEmpty, topic != sns.topicARN {
            throw .rejected("bkash: SNS TopicArn \(sns.topicARN) is not the configured topic")
        }
        let key = try signingKey(sns.signingCertURL, context: context)
        guard sns.isSigned(by: key) else { throw .rejected("bkash: SNS signature does not verify") }

        switch sns.type {
        case "SubscriptionConfirmation":
            // Subscribing is confirmed by visiting SubscribeURL, which must be AWS's too.
            guard let url = sns.subscribeURL, SNSMessage.isAWSURL(url, certificate: false) else {
                throw .rejected("bkash: SubscribeURL is not an https://sns.<region>.amazonaws.com URL")
            }
            let response = try Self.send(OutboundRequest(method: "GET", url: url), context: context)
            guard (200..<300).contains(response.status) else {
                throw .unavailable("bkash: confirming the SNS subscription answered HTTP \(response.status)")
            }
            return []
        case "UnsubscribeConfirmation":
            return []
        case "Notification":
            guard let payload = BDGatewayJSON.object(Array(sns.message.utf8)),
                  let trxID = BDGatewayJSON.string(payload, "trxID"),
                  let invoice = BDGatewayJSON.string(payload, "merchantInvoiceNumber"),
                  let amountText = BDGatewayJSON.string(payload, "amount")
            else { throw .rejected("bkash: notification Message lacks trxID, merchantInvoiceNumber or amount") }
            guard let amount = BDTAmount.paisa(amountText) else { throw .rejected("bkash: notification amount '\(amountText)' is not a taka amount") }
            if let currency = BDGatewayJSON.string(payload, "currency"), currency != "BDT" {
                throw .rejected("bkash: notification currency \(currency) is not BDT")
            }
            guard BDGatewayJSON.string(payload, "transactionStatus") == "Completed" else { return [] }
            return [WebhookEvent(eventID: sns.messageID, kind: .captured, providerReference: invoice, amount: amount, captureReference: trxID)]
        default:
            throw .rejected("bkash: SNS message Type \(sns.type) is unknown")
        }
    }

    private func signingKey(_ url: String, context: DriverContext) throws(DriverError) -> _RSA.Signing.PublicKey {
        if let known = certificates.withLock({ $0[url] }) { return known }
        let response = try Self.send(OutboundRequest(method: "GET", url: url), context: context)
        guard response.status == 200 else { throw .unavailable("bkash: fetching the SNS certificate answered HTTP \(response.status)") }
        guard let key = SNSMessage.publicKey(certificatePEM: String(decoding: response.body, as: UTF8.self)) else {
            throw .rejected("bkash: the SNS signing certificate cannot be read")
        }
        certificates.withLock { $0[url] = key }
        return key
    }

    private static func requireAmount(_ answer: [String: Any], equals expected: Int64, what: String) throws(DriverError) {
        let text = BDGatewayJSON.string(answer, "amount") ?? "missing"
        guard BDTAmount.paisa(text) == expected else {
            throw .rejected("bkash: \(what) amount \(text) does not match the payment's \(BDTAmount.decimalString(paisa: expected))")
        }
        if let currency = BDGatewayJSON.string(answer, "currency"), currency != "BDT" {
            throw .rejected("bkash: \(what) currency \(currency) is not BDT")
        }
    }

    // MARK: - HTTP

    /// The settings one call needs, read once; `redact` keeps them out of every message.
    private struct Credentials {
        let baseURL: String
        let appKey: String
        let appSecret: String
        let username: String
        let password: String

        init(_ context: DriverContext) throws(DriverError) {
            let base = context.settings["base_url"].flatMap { $0.isEmpty ? nil : $0 } ?? BkashDriver.sandboxBaseURL
            baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
            appKey = try context.setting("app_key", driver: "bkash")
            appSecret = try context.setting("app_secret", driver: "bkash")
            username = try context.setting("username", driver: "bkash")
            password = try context.setting("password", driver: "bkash")
        }

        func redact(_ text: String) -> String {
            [appSecret, password, appKey, username].reduce(text) { text, secret in
                secret.isEmpty ? text : text.replacingOccurrences(of: secret, with: "[redacted]")
            }
        }
    }

    /// POSTs a JSON body with the id_token; a 401 renews the token once and tries again.
    private func call(_ path: String, _ body: [String: Any], _ credentials: Credentials, _ context: DriverContext) throws(DriverError) -> [String: Any] {
        var token = try self.token(credentials, context, renew: false)
        var attempt = 0
        while true {
            let response = try Self.send(OutboundRequest(
                method: "POST", url: credentials.baseURL + path,
                headers: [("content-type", "application/json"), ("accept", "application/json"),
                          ("authorization", token), ("x-app-key", credentials.appKey)],
                body: BDGatewayJSON.bytes(body)), context: context, credentials: credentials)
            if response.status == 401 && attempt == 0 {
                attempt += 1
                token = try self.token(credentials, context, renew: true)
                continue
            }
            return try Self.decode(response, path, credentials)
        }
    }

    private func paymentStatus(_ paymentID: String, _ credentials: Credentials, _ context: DriverContext) throws(DriverError) -> [String: Any] {
        let answer = try call("/tokenized/checkout/payment/status", ["paymentID": paymentID], credentials, context)
        try Self.requireSuccess(answer, "payment status", credentials)
        guard BDGatewayJSON.string(answer, "paymentID") == paymentID else {
            throw .rejected("bkash: payment status answered for another paymentID than \(paymentID)")
        }
        return answer
    }

    /// A valid id_token: the cached one, else renewed with the refresh token, else granted.
    private func token(_ credentials: Credentials, _ context: DriverContext, renew: Bool) throws(DriverError) -> String {
        let key = credentials.baseURL + "|" + credentials.appKey
        let now = context.now()
        let cached = tokens.withLock { $0[key] }
        if !renew, let cached, cached.expiresAt > now.addingTimeInterval(60) { return cached.idToken }
        var granted: GrantedToken?
        if let refreshToken = cached?.refreshToken {
            granted = try? tokenCall("/tokenized/checkout/token/refresh", ["app_key": credentials.appKey, "app_secret": credentials.appSecret,
                                                                          "refresh_token": refreshToken], credentials, context)
        }
        let token: GrantedToken
        if let granted {
            token = granted
        } else {
            token = try tokenCall("/tokenized/checkout/token/grant", ["app_key": credentials.appKey, "app_secret": credentials.appSecret], credentials, context)
        }
        tokens.withLock { $0[key] = token }
        return token.idToken
    }

    private func tokenCall(_ path: String, _ body: [String: Any], _ credentials: Credentials, _ context: DriverContext) throws(DriverError) -> GrantedToken {
        let response = try Self.send(OutboundRequest(
            method: "POST", url: credentials.baseURL + path,
            headers: [("content-type", "application/json"), ("accept", "application/json"),
                      ("username", credentials.username), ("password", credentials.password)],
            body: BDGatewayJSON.bytes(body)), context: context, credentials: credentials)
        let answer = try Self.decode(response, path, credentials)
        guard let idToken = BDGatewayJSON.string(answer, "id_token"), !idToken.isEmpty else {
            throw .declined("bkash: token refused: \(Self.problem(answer, credentials))")
        }
        let lifetime = BDGatewayJSON.string(answer, "expires_in").flatMap(Int.init) ?? 3600
        return GrantedToken(idToken: idToken, refreshToken: BDGatewayJSON.string(answer, "refresh_token"),
                            expiresAt: context.now().addingTimeInterval(TimeInterval(lifetime)))
    }

    /// The transport, with every message cleared of credentials.
    private static func send(_ request: OutboundRequest, context: DriverContext, credentials: Credentials? = nil) throws(DriverError) -> OutboundResponse {
        do {
            return try context.http(request)
        } catch {
            let message = credentials?.redact(error.message) ?? error.message
            switch error {
            case .unavailable: throw .unavailable(message)
            case .declined: throw .declined(message)
            case .rejected: throw .rejected(message)
            case .notConfigured: throw .notConfigured(message)
            case .unsupported: throw .unsupported(message)
            }
        }
    }

    private static func decode(_ response: OutboundResponse, _ path: String, _ credentials: Credentials) throws(DriverError) -> [String: Any] {
        if response.status >= 500 { throw .unavailable("bkash: \(path) answered HTTP \(response.status)") }
        guard let answer = BDGatewayJSON.object(response.body) else {
            throw .unavailable("bkash: \(path) answered HTTP \(response.status) with a body that is not JSON")
        }
        guard (200..<300).contains(response.status) else {
            throw .declined("bkash: \(path) answered HTTP \(response.status): \(problem(answer, credentials))")
        }
        return answer
    }

    /// bKash reports refusals with HTTP 200 and a statusCode other than 0000 (or errorCode).
    private static func isSuccess(_ answer: [String: Any]) -> Bool {
        if answer["errorCode"] != nil { return false }
        if let code = BDGatewayJSON.string(answer, "statusCode") { return code == "0000" }
        return true
    }

    private static func requireSuccess(_ answer: [String: Any], _ what: String, _ credentials: Credentials) throws(DriverError) {
        guard isSuccess(answer) else { throw .declined("bkash: \(what) refused: \(problem(answer, credentials))") }
    }

    private static func problem(_ answer: [String: Any], _ credentials: Credentials) -> String {
        let code = BDGatewayJSON.string(answer, "statusCode") ?? BDGatewayJSON.string(answer, "errorCode")
        let text = BDGatewayJSON.string(answer, "statusMessage") ?? BDGatewayJSON.string(answer, "errorMessage")
            ?? BDGatewayJSON.string(answer, "message") ?? "no message"
        return credentials.redact([code, text].compactMap { $0 }.joined(separator: " "))
    }
}
