import Crypto
import Foundation

// SSLCommerz (v4), as SSLCommerz documents it:
//   Integration document (session, IPN, validation, transaction query, refund):
//     https://developer.sslcommerz.com/doc/v4/ (also https://sslcommerz.com/integration-document)
//   Create session: POST {base}/gwprocess/v4/api.php (form) → GatewayPageURL
//   Order validation: GET {base}/validator/api/validationserverAPI.php?val_id=…&store_id=…&store_passwd=…&v=1&format=json
//   Transaction query by tran_id, refund and refund query:
//     GET {base}/validator/api/merchantTransIDvalidationAPI.php
//   IPN verify_sign / verify_key hash and the validation rules (status VALID/VALIDATED,
//   tran_id, amount and currency must match) as in SSLCommerz's own library:
//     https://github.com/sslcommerz/SSLCommerz-PHP/blob/master/lib/SslCommerzNotification.php
//
// Decisions:
// - tran_id is the payment id (SSLCommerz allows 30 characters; a longer id is replaced by a
//   stable hash of it), so a repeated start names the same transaction, and the return and IPN
//   name the payment. value_a..value_c carry payment id, order id and idempotency key back.
// - Nothing the browser or the IPN says is believed: a val_id is checked with the validation
//   API and only status VALID/VALIDATED with this payment's tran_id, amount and currency
//   counts. verify_sign is checked too when SSLCommerz sends it. A failed or canceled notice is
//   confirmed with the transaction query before it is reported.
// - Amounts: SSLCommerz takes decimals with at most two places ("1050.00"); the validated
//   currency_amount/currency_type (the amount in the shop's currency) is compared in minor units.
// - SSLCommerz takes the money when the customer pays: a validated payment is captured, and
//   `capture` only confirms that through the transaction query. Risk flags (risk_level 1) are not
//   acted on: the money has moved; a shop that reviews risky payments needs a rule for it.
// - Refunds go through the refund API with refund_trans_id derived from the idempotency key, so a
//   retried refund names the same refund at SSLCommerz.
//
// Settings: `store_id`, `store_password` (required), `base_url` (default the sandbox,
// https://sandbox.sslcommerz.com; live is https://securepay.sslcommerz.com), `ipn_url` (optional;
// otherwise the IPN URL set in SSLCommerz's panel), `product_category` and `product_profile`
// (default "general"), `default_address`, `default_city`, `default_postcode`, `default_country`
// (SSLCommerz requires a customer address the payment interface does not carry yet).

/// SSLCommerz. See the notes above for the documents it follows and its decisions.
public struct SSLCommerzDriver: PaymentDriver {
    public let id = "sslcommerz"
    public let displayName = "SSLCommerz"
    public static let sandboxBaseURL = "https://sandbox.sslcommerz.com"

    public init() {}

    /// The tran_id SSLCommerz knows a payment by.
    public static func transactionID(for paymentID: String) -> String {
        shortID(paymentID, prefix: "p")
    }

    // MARK: PaymentDriver

    public func start(_ request: StartRequest, context: DriverContext) throws(DriverError) -> StartResult {
        let api = try SSLCommerzAPI(driver: id, context: context)
        return try api.call.guarding { () throws(DriverError) -> StartResult in
            let amount = try Self.amountText(request.amount, currency: request.currency)
            let back = context.returnURL.isEmpty ? request.returnURL : context.returnURL
            guard !back.isEmpty else { throw .notConfigured("sslcommerz: no return URL to send the customer back to") }
            guard let email = request.customer?.email, !email.isEmpty else { throw .declined("sslcommerz: customer.email is required by SSLCommerz") }
            guard let phone = request.customer?.phone, !phone.isEmpty else { throw .declined("sslcommerz: customer.phone is required by SSLCommerz") }
            let setting = { (name: String, fallback: String) in context.settings[name].flatMap { $0.isEmpty ? nil : $0 } ?? fallback }
            let tranID = Self.transactionID(for: request.paymentID)
            var fields: [(String, String)] = [
                ("store_id", api.storeID), ("store_passwd", api.storePassword),
                ("total_amount", amount), ("currency", request.currency.uppercased()), ("tran_id", tranID),
                ("success_url", FormFields.url(back, adding: [("outcome", "success")])),
                ("fail_url", FormFields.url(back, adding: [("outcome", "fail")])),
                ("cancel_url", FormFields.url(back, adding: [("outcome", "cancel")])),
            ]
            if let ipn = context.settings["ipn_url"], !ipn.isEmpty { fields.append(("ipn_url", ipn)) }
            fields += [
                ("cus_name", request.customer?.name.flatMap { $0.isEmpty ? nil : $0 } ?? email), ("cus_email", email), ("cus_phone", phone),
                ("cus_add1", setting("default_address", "N/A")), ("cus_city", setting("default_city", "N/A")),
                ("cus_postcode", setting("default_postcode", "0000")), ("cus_country", setting("default_country", "Bangladesh")),
                ("shipping_method", "NO"), ("num_of_item", "1"),
                ("product_name", "Order \(request.orderID)"),
                ("product_category", setting("product_category", "general")), ("product_profile", setting("product_profile", "general")),
                ("value_a", request.paymentID), ("value_b", request.orderID), ("value_c", String(request.idempotencyKey.prefix(255))),
            ]
            let session = try api.call.json(OutboundRequest(method: "POST", url: api.baseURL + "/gwprocess/v4/api.php",
                                                            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                                                            body: Array(FormFields.encode(fields).utf8)),
                                             "create session", reason: Self.reason)
            guard session["status"]?.string?.uppercased() == "SUCCESS", let gateway = session["GatewayPageURL"]?.string, !gateway.isEmpty else {
                throw .declined("sslcommerz: create session failed: \(session["failedreason"]?.string ?? session["status"]?.string ?? "no reason given")")
            }
            return StartResult(status: .pending, providerReference: tranID, redirectURL: gateway)
        }
    }

    public func capture(_ payment: PaymentReference, amount: Int64, idempotencyKey: String, context: DriverContext) throws(DriverError) -> CaptureResult {
        let api = try SSLCommerzAPI(driver: id, context: context)
        return try api.call.guarding { () throws(DriverError) -> CaptureResult in
            let found = try api.query(tranID: payment.providerReference)
            guard let paid = found.first(where: \.isValid) else {
                return CaptureResult(captured: false, failureReason: "sslcommerz: no validated payment for \(payment.providerReference) (\(found.map(\.status).joined(separator: ", ")))")
            }
            try paid.check(payment)
            return CaptureResult(captured: true, captureReference: paid.bankTranID)
        }
    }

    public func refund(_ payment: PaymentReference, amount: Int64, reason: String, idempotencyKey: String, context: DriverContext) throws(DriverError) -> RefundResult {
        let api = try SSLCommerzAPI(driver: id, context: context)
        return try api.call.guarding { () throws(DriverError) -> RefundResult in
            guard amount > 0, amount <= payment.amount else {
                throw .declined("sslcommerz: refund amount \(amount) must be between 1 and the payment's \(payment.amount)")
            }
            var bankTranID = payment.captureReference ?? ""
            if bankTranID.isEmpty {
                bankTranID = try api.query(tranID: payment.providerReference).first(where: \.isValid)?.bankTranID ?? ""
                guard !bankTranID.isEmpty else { throw .declined("sslcommerz: \(payment.providerReference) has no validated payment to refund") }
            }
            let answer = try api.get("/validator/api/merchantTransIDvalidationAPI.php", [
                ("bank_tran_id", bankTranID),
                ("refund_trans_id", Self.shortID(idempotencyKey, prefix: "r")),
                ("refund_amount", try Self.amountText(amount, currency: payment.currency)),
                ("refund_remarks", reason.isEmpty ? "refund" : String(reason.prefix(255))),
                ("refe_id", payment.paymentID),
            ], "refund")
            switch answer["APIConnect"]?.string ?? "" {
            case "DONE": break
            case "INACTIVE": try SSLCommerzAPI.check("INACTIVE", "refund")
            case "FAILED": throw .unavailable("sslcommerz: refund answered APIConnect FAILED")
            case let connect:
                // INVALID_REQUEST here is usually the refund's own fields (SSLCommerz says which in errorReason).
                throw .declined("sslcommerz: refund refused (APIConnect \(connect))" + (answer["errorReason"]?.string.map { ": \($0)" } ?? ""))
            }
            let reference = answer["refund_ref_id"]?.text ?? ""
            switch answer["status"]?.string?.lowercased() ?? "" {
            case "success": return RefundResult(status: .succeeded, providerReference: reference)
            case "processing": return RefundResult(status: .pending, providerReference: reference)
            default: return RefundResult(status: .failed, providerReference: reference,
                                         failureReason: "sslcommerz: refund failed: \(answer["errorReason"]?.string ?? answer["status"]?.string ?? "no reason given")")
            }
        }
    }

    /// The IPN: SSLCommerz posts the transaction's fields as a form. It is believed only after
    /// the validation API (or, for a failure, the transaction query) confirms it.
    public func verifyWebhook(_ webhook: IncomingWebhook, context: DriverContext) throws(DriverError) -> [WebhookEvent] {
        let api = try SSLCommerzAPI(driver: id, context: context)
        return try api.call.guarding { () throws(DriverError) -> [WebhookEvent] in
            var fields = FormFields.decode(String(decoding: webhook.body, as: UTF8.self))
            if fields.isEmpty { fields = webhook.query }
            guard let tranID = FormFields.value("tran_id", in: fields), !tranID.isEmpty else { throw .rejected("sslcommerz: IPN without tran_id") }
            try api.checkSign(fields)
            let status = FormFields.value("status", in: fields)?.uppercased() ?? ""
            if let valID = FormFields.value("val_id", in: fields), !valID.isEmpty, ["VALID", "VALIDATED"].contains(status) {
                guard let paid = try api.validate(valID: valID), paid.tranID == tranID else {
                    throw .rejected("sslcommerz: validation API does not confirm val_id \(valID) for \(tranID)")
                }
                try paid.checkAgainstPosted(fields)
                return [paid.capturedEvent]
            }
            // A failure notice: ask SSLCommerz what it knows about the transaction.
            let found = try api.query(tranID: tranID)
            if let paid = found.first(where: \.isValid) { return [paid.capturedEvent] }
            guard let last = found.first(where: { $0.status == status }) ?? found.first else {
                throw .rejected("sslcommerz: SSLCommerz knows no transaction \(tranID)")
            }
            guard ["FAILED", "CANCELLED", "EXPIRED", "UNATTEMPTED"].contains(last.status) else { return [] }
            return [WebhookEvent(eventID: "sslcommerz:\(last.status.lowercased()):\(tranID)", kind: .failed, providerReference: tranID,
                                 failureReason: "sslcommerz: payment \(last.status)" + (last.error.isEmpty ? "" : " (\(last.error))"))]
        }
    }

    /// The customer came back through success_url, fail_url or cancel_url; SSLCommerz posts the
    /// transaction's fields there (the core passes posted fields with the query).
    public func handleReturn(query: [(String, String)], payment: PaymentReference, context: DriverContext) throws(DriverError) -> ReturnOutcome {
        let api = try SSLCommerzAPI(driver: id, context: context)
        return try api.call.guarding { () throws(DriverError) -> ReturnOutcome in
            if let named = FormFields.value("tran_id", in: query), !named.isEmpty, named != payment.providerReference {
                throw .rejected("sslcommerz: the return names tran_id \(named), not this payment's \(payment.providerReference)")
            }
            try api.checkSign(query)
            if let valID = FormFields.value("val_id", in: query), !valID.isEmpty {
                guard let paid = try api.validate(valID: valID), paid.tranID == payment.providerReference else {
                    throw .rejected("sslcommerz: validation API does not confirm val_id \(valID) for \(payment.providerReference)")
                }
                try paid.check(payment)
                return ReturnOutcome(status: .captured, captureReference: paid.bankTranID)
            }
            let found = try api.query(tranID: payment.providerReference)
            if let paid = found.first(where: \.isValid) {
                try paid.check(payment)
                return ReturnOutcome(status: .captured, captureReference: paid.bankTranID)
            }
            switch FormFields.value("outcome", in: query) {
            case "cancel": return ReturnOutcome(status: .canceled, failureReason: "sslcommerz: customer canceled")
            case "fail": return ReturnOutcome(status: .failed, failureReason: "sslcommerz: payment failed" + (found.first.map { " (\($0.status))" } ?? ""))
            default: return ReturnOutcome(status: .pending)
            }
        }
    }

    // MARK: Helpers

    /// SSLCommerz takes at most two decimals.
    static func amountText(_ minor: Int64, currency: String) throws(DriverError) -> String {
        let exponent = MinorUnitDecimal.exponent(of: currency)
        guard minor > 0, let text = MinorUnitDecimal.string(minor, exponent: exponent, places: min(exponent, 2)) else {
            throw .declined("sslcommerz: amount \(minor) \(currency) cannot be sent to SSLCommerz (positive, at most 2 decimals)")
        }
        return text
    }

    /// `id` itself when SSLCommerz can take it (30 characters of letters, digits, - and _),
    /// otherwise `prefix` and a hash of it: stable, so a retry names the same thing.
    static func shortID(_ id: String, prefix: String) -> String {
        let allowed = id.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 }
        if allowed, !id.isEmpty, id.utf8.count <= 30 { return id }
        let digest = SHA256.hash(data: Array(id.utf8)).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        return prefix + String(digest.prefix(30 - prefix.count))
    }

    static func reason(_ body: JSONTree) -> String? {
        body["failedreason"]?.string ?? body["errorReason"]?.string ?? body["error"]?.string
    }
}

/// A transaction as SSLCommerz's validation API or transaction query reports it.
private struct SSLCommerzTransaction {
    let status: String
    let tranID: String
    let valID: String
    let bankTranID: String
    let currency: String
    let amountText: String
    let error: String

    init(_ node: JSONTree) {
        status = node["status"]?.string?.uppercased() ?? ""
        tranID = node["tran_id"]?.text ?? ""
        valID = node["val_id"]?.text ?? ""
        bankTranID = node["bank_tran_id"]?.text ?? ""
        // currency_type/currency_amount are in the shop's currency; amount/currency may be converted to BDT.
        if let type = node["currency_type"]?.string, !type.isEmpty, let amount = node["currency_amount"]?.text {
            currency = type.uppercased()
            amountText = amount
        } else {
            currency = (node["currency"]?.string ?? "").uppercased()
            amountText = node["amount"]?.text ?? ""
        }
        error = node["error"]?.string ?? ""
    }

    var isValid: Bool { status == "VALID" || status == "VALIDATED" }

    var minor: Int64? { MinorUnitDecimal.minorUnits(amountText, currency: currency) }

    var capturedEvent: WebhookEvent {
        WebhookEvent(eventID: "sslcommerz:valid:\(valID.isEmpty ? tranID : valID)", kind: .captured, providerReference: tranID,
                     amount: minor, captureReference: bankTranID.isEmpty ? nil : bankTranID)
    }

    /// Only this payment's amount in this payment's currency counts as paid.
    func check(_ payment: PaymentReference) throws(DriverError) {
        guard currency == payment.currency.uppercased(), minor == payment.amount else {
            throw .rejected("sslcommerz: \(tranID) was paid as \(amountText) \(currency), not the payment's \(payment.amount) minor units of \(payment.currency)")
        }
    }

    /// The IPN's own amount and currency must be what SSLCommerz validated.
    func checkAgainstPosted(_ fields: [(String, String)]) throws(DriverError) {
        let postedCurrency = (FormFields.value("currency_type", in: fields) ?? FormFields.value("currency", in: fields))?.uppercased()
        let postedAmount = FormFields.value("currency_amount", in: fields) ?? FormFields.value("amount", in: fields)
        if let postedCurrency, postedCurrency != currency {
            throw .rejected("sslcommerz: IPN says currency \(postedCurrency), SSLCommerz validated \(currency)")
        }
        if let postedAmount, MinorUnitDecimal.minorUnits(postedAmount, currency: currency) != minor {
            throw .rejected("sslcommerz: IPN says amount \(postedAmount), SSLCommerz validated \(amountText)")
        }
    }
}

/// SSLCommerz's API with one call's settings.
private struct SSLCommerzAPI {
    let baseURL: String
    let storeID: String
    let storePassword: String
    let call: ProviderCall

    init(driver: String, context: DriverContext) throws(DriverError) {
        storeID = try context.setting("store_id", driver: driver)
        storePassword = try context.setting("store_password", driver: driver)
        let base = context.settings["base_url"].flatMap { $0.isEmpty ? nil : $0 } ?? SSLCommerzDriver.sandboxBaseURL
        baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        call = ProviderCall(driver: driver, context: context, secrets: [storePassword])
    }

    /// A GET to the validator API with the store's credentials and `format=json`.
    func get(_ path: String, _ fields: [(String, String)], _ what: String) throws(DriverError) -> JSONTree {
        let query = fields + [("store_id", storeID), ("store_passwd", storePassword), ("v", "1"), ("format", "json")]
        return try call.json(OutboundRequest(method: "GET", url: baseURL + path + "?" + FormFields.encode(query), headers: [("Accept", "application/json")]),
                             what, reason: SSLCommerzDriver.reason)
    }

    /// The validation API's word on a val_id, or nil when it does not say VALID/VALIDATED.
    func validate(valID: String) throws(DriverError) -> SSLCommerzTransaction? {
        let answer = try get("/validator/api/validationserverAPI.php", [("val_id", valID)], "validate")
        if let connect = answer["APIConnect"]?.string { try Self.check(connect, "validate") }
        let transaction = SSLCommerzTransaction(answer)
        return transaction.isValid ? transaction : nil
    }

    /// Every attempt SSLCommerz recorded for a tran_id.
    func query(tranID: String) throws(DriverError) -> [SSLCommerzTransaction] {
        let answer = try get("/validator/api/merchantTransIDvalidationAPI.php", [("tran_id", tranID)], "transaction query")
        try Self.check(answer["APIConnect"]?.string ?? "none", "transaction query")
        return (answer["element"]?.array ?? []).map(SSLCommerzTransaction.init)
    }

    /// APIConnect: DONE, or why SSLCommerz did not answer the question.
    static func check(_ connect: String, _ what: String) throws(DriverError) {
        switch connect {
        case "DONE": return
        case "INVALID_REQUEST", "INACTIVE":
            throw .notConfigured("sslcommerz: \(what) refused settings 'store_id'/'store_password' (APIConnect \(connect))")
        default:
            throw .unavailable("sslcommerz: \(what) answered APIConnect \(connect)")
        }
    }

    /// verify_sign, when SSLCommerz sends it: md5 of the verify_key fields plus md5(store password),
    /// sorted by name, as `name=value&…`.
    func checkSign(_ fields: [(String, String)]) throws(DriverError) {
        guard let sign = FormFields.value("verify_sign", in: fields), let keys = FormFields.value("verify_key", in: fields),
              !sign.isEmpty, !keys.isEmpty else { return }
        var signed: [(String, String)] = keys.split(separator: ",").compactMap { key in
            FormFields.value(String(key), in: fields).map { (String(key), $0) }
        }
        signed.append(("store_passwd", Self.md5(storePassword)))
        signed.sort { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
        let text = signed.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        guard Self.md5(text) == sign.lowercased() else { throw .rejected("sslcommerz: verify_sign does not match the posted fields") }
    }

    static func md5(_ text: String) -> String {
        Insecure.MD5.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
}
