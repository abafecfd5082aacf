// Nagad online payment (merchant checkout API, "remote-payment-gateway", X-KM-Api-Version v-0.2.0).
//
// Sources read before writing (paths, field names and crypto follow them):
// - Nagad's own e-commerce integration sample (PHP, © Nagad, "Nagad_Integration-eCommerce-PHP
//   V2.2"), as published in github.com/raselrana1147/eunion_trade app/Helpers/index.php,
//   helper.php and merchant-callback-website.php: initialize
//   POST /api/dfs/check-out/initialize/{merchantId}/{orderId} with {accountNumber, dateTime,
//   sensitiveData, signature}, sensitiveData = base64(RSA PKCS#1 v1.5 encryption with Nagad's
//   public key of {merchantId, datetime, orderId, challenge}), signature = base64(SHA256withRSA
//   by the merchant's private key); the answer's sensitiveData decrypted with the merchant's
//   private key gives {paymentReferenceId, challenge}; complete
//   POST /api/dfs/check-out/complete/{paymentReferenceId} with sensitiveData {merchantId,
//   orderId, currencyCode "050", amount, challenge} and merchantCallbackURL → {status:
//   "Success", callBackUrl}; headers X-KM-Api-Version: v-0.2.0, X-KM-IP-V4, X-KM-Client-Type:
//   PC_WEB; the customer comes back with ?…&payment_ref_id=…&status=…; then
//   GET /api/dfs/verify/payment/{paymentRefId}.
// - npm nagad-payment-gateway (interfaces/nagadResponse.interface.ts): the initialize answer
//   {sensitiveData, signature}, decrypted {paymentReferenceId, acceptDateTime, challenge}; the
//   verify answer {merchantId, orderId, paymentRefId, amount, clientMobileNo,
//   merchantMobileNo, orderDateTime, issuerPaymentDateTime, issuerPaymentRefNo,
//   additionalMerchantInfo, status, statusCode}.
// - Nagad's answer signature is checked over the decrypted sensitiveData with Nagad's public
//   key (SHA256withRSA), the mirror of what the merchant signs.
//
// Settings (DriverContext.settings):
//   base_url              optional, default http://sandbox.mynagad.com:10080/remote-payment-gateway-1.0
//                         (live: https://api.mynagad.com)
//   merchant_id           required, Nagad merchant id
//   merchant_number       required, the merchant's Nagad account number (accountNumber)
//   merchant_private_key  required, PEM or bare base64 (PKCS#8 or PKCS#1), ≥ 2048 bits
//   nagad_public_key      required, Nagad's public key, PEM or bare base64
//   server_ip             required, this server's public IPv4 as registered with Nagad (X-KM-IP-V4)
//   client_type           optional, default PC_WEB (X-KM-Client-Type)
//
// Decisions:
// - Nagad's orderId is the EOP payment id with everything but letters and digits removed.
// - The sale completes on Nagad's page; `handleReturn` and `capture` only read the verify
//   API (status "Success", amount, orderId and merchantId must match), so they move no money
//   and can be repeated.
// - Nagad publishes no refund API and no webhook for this checkout: `refund` and
//   `verifyWebhook` throw `.unsupported` saying so (refunds go through Nagad's merchant portal).
// - PKCS#1 v1.5 encryption is not in swift-crypto's `_RSA.Encryption`; see NagadCrypto.swift.
import Foundation
import _CryptoExtras

/// Nagad's online checkout behind `PaymentDriver`. Stateless; settings are listed at the top
/// of this file.
public struct NagadDriver: PaymentDriver {
    /// "nagad".
    public let id = "nagad"
    /// "Nagad".
    public let displayName = "Nagad"

    /// The default `base_url`: Nagad's sandbox.
    public static let sandboxBaseURL = "http://sandbox.mynagad.com:10080/remote-payment-gateway-1.0"
    static let apiVersion = "v-0.2.0"

    /// A driver; everything it needs comes with each call's context.
    public init() {}

    /// Initializes and completes the checkout at Nagad and answers Nagad's page as the
    /// redirect; providerReference is Nagad's paymentReferenceId.
    public func start(_ request: StartRequest, context: DriverContext) throws(DriverError) -> StartResult {
        let config = try Config(context)
        guard request.currency == "BDT" else { throw .unsupported("nagad: currency \(request.currency) is not supported; Nagad takes BDT only") }
        guard request.amount > 0 else { throw .declined("nagad: amount must be positive, got \(request.amount)") }
        let callbackURL = context.returnURL.isEmpty ? request.returnURL : context.returnURL
        guard !callbackURL.isEmpty else { throw .notConfigured("nagad: no return URL to give Nagad as merchantCallbackURL") }
        let orderID = Self.orderID(request.paymentID)
        guard !orderID.isEmpty else { throw .declined("nagad: payment id \(request.paymentID) has no letters or digits for an orderId") }

        // 1. Initialize: who we are, signed; Nagad answers a payment reference and a challenge.
        let dateTime = Self.dhakaDateTime(context.now())
        let initialize = try config.sealed([
            "merchantId": config.merchantID, "datetime": dateTime, "orderId": orderID, "challenge": Self.challenge(),
        ])
        let initAnswer = try config.post("/api/dfs/check-out/initialize/\(config.merchantID)/\(orderID)", [
            "accountNumber": config.merchantNumber, "dateTime": dateTime,
            "sensitiveData": initialize.sensitiveData, "signature": initialize.signature,
        ], context)
        let opened = try config.opened(initAnswer, "initialize")
        guard let reference = BDGatewayJSON.string(opened, "paymentReferenceId"), !reference.isEmpty,
              let serverChallenge = BDGatewayJSON.string(opened, "challenge"), !serverChallenge.isEmpty
        else { throw .unavailable("nagad: initialize answer lacks paymentReferenceId or challenge") }

        // 2. Complete: the order's amount, bound to Nagad's challenge; Nagad answers the page URL.
        let complete = try config.sealed([
            "merchantId": config.merchantID, "orderId": orderID, "currencyCode": "050",
            "amount": BDTAmount.decimalString(paisa: request.amount), "challenge": serverChallenge,
        ])
        let completeAnswer = try config.post("/api/dfs/check-out/complete/\(reference)", [
            "sensitiveData": complete.sensitiveData, "signature": complete.signature, "merchantCallbackURL": callbackURL,
        ], context)
        guard BDGatewayJSON.string(completeAnswer, "status") == "Success",
              let pageURL = BDGatewayJSON.string(completeAnswer, "callBackUrl"), !pageURL.isEmpty
        else { throw .declined("nagad: complete refused: \(config.problem(completeAnswer))") }
        return StartResult(status: .pending, providerReference: reference, redirectURL: pageURL)
    }

    /// The customer came back with `?merchant=…&order_id=…&payment_ref_id=…&status=…`.
    public func handleReturn(query: [(String, String)], payment: PaymentReference, context: DriverContext) throws(DriverError) -> ReturnOutcome {
        let config = try Config(context)
        guard let reference = BDQuery.value(query, "payment_ref_id"), !reference.isEmpty else {
            throw .rejected("nagad: return without payment_ref_id")
        }
        guard reference == payment.providerReference else {
            throw .rejected("nagad: return names payment_ref_id \(reference), not this payment's \(payment.providerReference)")
        }
        if let order = BDQuery.value(query, "order_id"), order != Self.orderID(payment.paymentID) {
            throw .rejected("nagad: return names order_id \(order), not this payment's")
        }
        // The query's status is only the customer's browser talking; the verify API decides.
        let verified = try verify(payment, amount: payment.amount, config: config, context: context)
        switch verified.status {
        case "Success": return ReturnOutcome(status: .captured, captureReference: verified.issuerReference)
        case "Aborted", "Cancelled", "Canceled": return ReturnOutcome(status: .canceled, failureReason: "nagad: payment \(verified.status)")
        case "Initiated", "Ready", "InProgress", "Pending": return ReturnOutcome(status: .pending)
        default: return ReturnOutcome(status: .failed, failureReason: "nagad: payment status \(verified.status)")
        }
    }

    /// Nagad's sale is complete once the customer pays; capture confirms it with the API.
    public func capture(_ payment: PaymentReference, amount: Int64, idempotencyKey: String, context: DriverContext) throws(DriverError) -> CaptureResult {
        let config = try Config(context)
        let verified = try verify(payment, amount: amount, config: config, context: context)
        guard verified.status == "Success" else {
            return CaptureResult(captured: false, failureReason: "nagad: payment status \(verified.status)")
        }
        return CaptureResult(captured: true, captureReference: verified.issuerReference)
    }

    /// Always `.unsupported`: Nagad publishes no refund API.
    public func refund(_ payment: PaymentReference, amount: Int64, reason: String, idempotencyKey: String, context: DriverContext) throws(DriverError) -> RefundResult {
        throw .unsupported("nagad: Nagad publishes no refund API for the online checkout; refund from the Nagad merchant portal")
    }

    /// Always `.unsupported`: Nagad publishes no webhook.
    public func verifyWebhook(_ webhook: IncomingWebhook, context: DriverContext) throws(DriverError) -> [WebhookEvent] {
        throw .unsupported("nagad: Nagad sends no webhook for the online checkout; payments are confirmed through the verify API when the customer returns")
    }

    // MARK: - Verify

    private struct Verified {
        var status: String
        var issuerReference: String?
    }

    /// GET /api/dfs/verify/payment/{ref}: the payment must be ours and of `amount`.
    private func verify(_ payment: PaymentReference, amount: Int64, config: Config, context: DriverContext) throws(DriverError) -> Verified {
        let answer = try config.get("/api/dfs/verify/payment/\(Self.pathSafe(payment.providerReference))", context)
        guard let status = BDGatewayJSON.string(answer, "status") else {
            throw .unavailable("nagad: verify answered without status: \(config.problem(answer))")
        }
        guard BDGatewayJSON.string(answer, "paymentRefId") == payment.providerReference else {
            throw .rejected("nagad: verify answered for another paymentRefId than \(payment.providerReference)")
        }
        if let merchant = BDGatewayJSON.string(answer, "merchantId"), merchant != config.merchantID {
            throw .rejected("nagad: verify answered for merchant \(merchant), not ours")
        }
        if let order = BDGatewayJSON.string(answer, "orderId"), order != Self.orderID(payment.paymentID) {
            throw .rejected("nagad: verify answered orderId \(order), not this payment's")
        }
        let amountText = BDGatewayJSON.string(answer, "amount") ?? "missing"
        if status == "Success" || BDGatewayJSON.string(answer, "amount") != nil {
            guard BDTAmount.paisa(amountText) == amount else {
                throw .rejected("nagad: verify amount \(amountText) does not match the payment's \(BDTAmount.decimalString(paisa: amount))")
            }
        }
        return Verified(status: status, issuerReference: BDGatewayJSON.string(answer, "issuerPaymentRefNo"))
    }

    // MARK: - Helpers

    static func orderID(_ paymentID: String) -> String {
        String(paymentID.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) })
    }

    private static func pathSafe(_ reference: String) -> String {
        reference.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? reference
    }

    /// YYYYMMDDHHmmss in Asia/Dhaka (UTC+6, no daylight saving), as Nagad's sample sends it.
    static func dhakaDateTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 6 * 3600)!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { let v = value ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year ?? 0)\(two(c.month))\(two(c.day))\(two(c.hour))\(two(c.minute))\(two(c.second))"
    }

    private static func challenge() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<20).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }

    /// Settings and keys for one call; messages never carry the private key.
    private struct Config {
        let baseURL: String
        let merchantID: String
        let merchantNumber: String
        let privateKeyText: String
        let merchantKey: _RSA.Signing.PrivateKey
        let nagadKey: _RSA.Signing.PublicKey
        let serverIP: String
        let clientType: String

        init(_ context: DriverContext) throws(DriverError) {
            let base = context.settings["base_url"].flatMap { $0.isEmpty ? nil : $0 } ?? NagadDriver.sandboxBaseURL
            baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
            merchantID = try context.setting("merchant_id", driver: "nagad")
            merchantNumber = try context.setting("merchant_number", driver: "nagad")
            privateKeyText = try context.setting("merchant_private_key", driver: "nagad")
            let publicKeyText = try context.setting("public_key", driver: "nagad")
            serverIP = try context.setting("server_ip", driver: "nagad")
            clientType = context.settings["client_type"].flatMap { $0.isEmpty ? nil : $0 } ?? "PC_WEB"
            do {
                merchantKey = try NagadRSA.privateKey(privateKeyText)
            } catch {
                throw .notConfigured("nagad: setting 'merchant_private_key' is \(error.reason)")
            }
            do {
                nagadKey = try NagadRSA.publicKey(publicKeyText)
            } catch {
                throw .notConfigured("nagad: setting 'nagad_public_key' is \(error.reason)")
            }
        }

        /// JSON encrypted for Nagad and signed by us.
        func sealed(_ fields: [String: String]) throws(DriverError) -> (sensitiveData: String, signature: String) {
            let plain = BDGatewayJSON.bytes(fields)
            do {
                return (try NagadRSA.encrypt(plain, with: nagadKey), try NagadRSA.sign(plain, with: merchantKey))
            } catch {
                throw .unavailable("nagad: sealing sensitiveData failed: \(error.reason)")
            }
        }

        /// An answer's sensitiveData decrypted with our key, its signature checked with Nagad's.
        func opened(_ answer: [String: Any], _ what: String) throws(DriverError) -> [String: Any] {
            guard let sealed = BDGatewayJSON.string(answer, "sensitiveData"), let signature = BDGatewayJSON.string(answer, "signature") else {
                throw .declined("nagad: \(what) refused: \(problem(answer))")
            }
            let plain: [UInt8]
            do {
                plain = try NagadRSA.decrypt(sealed, with: merchantKey)
            } catch {
                throw .rejected("nagad: \(what) answer's sensitiveData cannot be decrypted with the merchant key")
            }
            guard NagadRSA.isValidSignature(signature, for: plain, by: nagadKey) else {
                throw .rejected("nagad: \(what) answer's signature does not verify with Nagad's public key")
            }
            guard let object = BDGatewayJSON.object(plain) else { throw .rejected("nagad: \(what) answer's sensitiveData is not JSON") }
            return object
        }

        func post(_ path: String, _ body: [String: Any], _ context: DriverContext) throws(DriverError) -> [String: Any] {
            try send(OutboundRequest(method: "POST", url: baseURL + path, headers: headers + [("content-type", "application/json")],
                                     body: BDGatewayJSON.bytes(body)), path, context)
        }

        func get(_ path: String, _ context: DriverContext) throws(DriverError) -> [String: Any] {
            try send(OutboundRequest(method: "GET", url: baseURL + path, headers: headers), path, context)
        }

        private var headers: [(String, String)] {
            [("accept", "application/json"), ("x-km-api-version", NagadDriver.apiVersion),
             ("x-km-ip-v4", serverIP), ("x-km-client-type", clientType)]
        }

        private func send(_ request: OutboundRequest, _ path: String, _ context: DriverContext) throws(DriverError) -> [String: Any] {
            let response: OutboundResponse
            do {
                response = try context.http(request)
            } catch {
                throw .unavailable(redact(error.message))
            }
            if response.status >= 500 { throw .unavailable("nagad: \(path) answered HTTP \(response.status)") }
            guard let answer = BDGatewayJSON.object(response.body) else {
                throw .unavailable("nagad: \(path) answered HTTP \(response.status) with a body that is not JSON")
            }
            guard (200..<300).contains(response.status) else {
                throw .declined("nagad: \(path) answered HTTP \(response.status): \(problem(answer))")
            }
            return answer
        }

        /// Nagad's refusals carry `reason` and/or `message`.
        func problem(_ answer: [String: Any]) -> String {
            let parts = [BDGatewayJSON.string(answer, "reason"), BDGatewayJSON.string(answer, "message")].compactMap { $0 }
            return redact(parts.isEmpty ? "no message" : parts.joined(separator: ": "))
        }

        private func redact(_ text: String) -> String {
            let compact = privateKeyText.filter { !$0.isWhitespace }
            var result = text.replacingOccurrences(of: privateKeyText, with: "[redacted]")
            if compact.count >= 16 { result = result.replacingOccurrences(of: compact, with: "[redacted]") }
            return result
        }
    }
}
