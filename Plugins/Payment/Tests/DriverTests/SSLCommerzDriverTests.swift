import Crypto
import Foundation
@testable import PaymentDrivers
import Testing

/// A local SSLCommerz: session (gwprocess/v4/api.php), order validation
/// (validationserverAPI.php: VALID the first time, VALIDATED after), transaction query and
/// refund (merchantTransIDvalidationAPI.php), and the fields it posts to success_url and the IPN
/// listener, with verify_sign/verify_key computed as SSLCommerz computes them.
final class SSLCommerzFake: @unchecked Sendable {
    static let storeID = "testbox"
    static let storePassword = "qwerty@ssl-store-pass"

    struct Transaction {
        var tranID: String
        var currency: String
        var amountText: String
        var status: String = "PENDING"
        var valID: String = ""
        var bankTranID: String = ""
        var validations = 0
    }

    struct State {
        var sessions: [[(String, String)]] = []
        var transactions: [String: Transaction] = [:]
        var refunds: [String: String] = [:]          // refund_trans_id → refund_ref_id
        var refundAmounts: [String] = []
    }

    let state = ProviderFakeState(State())
    var server: ProviderFakeServer!

    static func start() async throws -> SSLCommerzFake {
        let fake = SSLCommerzFake()
        fake.server = try await ProviderFakeServer.start { request in fake.answer(request) }
        return fake
    }

    /// The customer pays: the fields SSLCommerz then posts to success_url and to the IPN listener.
    func pay(_ tranID: String) -> [(String, String)] {
        let number = state.get.transactions.count
        state.update {
            $0.transactions[tranID]?.status = "VALID"
            $0.transactions[tranID]?.valID = "2605021030001Z8aq2TVkPoTHl\(number)"
            $0.transactions[tranID]?.bankTranID = "26050210300O2Tz5ADZxrwpgS\(number)"
        }
        return posted(state.get.transactions[tranID]!)
    }

    /// The customer's bank declines: SSLCommerz posts status FAILED and no val_id.
    func fail(_ tranID: String) -> [(String, String)] {
        state.update { $0.transactions[tranID]?.status = "FAILED" }
        let t = state.get.transactions[tranID]!
        return Self.signed([("tran_id", t.tranID), ("status", "FAILED"), ("error", "Insufficient balance"), ("amount", t.amountText),
                            ("currency", t.currency), ("value_a", "pay_3")])
    }

    func posted(_ t: Transaction) -> [(String, String)] {
        Self.signed([("tran_id", t.tranID), ("val_id", t.valID), ("amount", bdt(t)), ("card_type", "VISA-Dutch Bangla"),
                     ("store_amount", bdt(t)), ("bank_tran_id", t.bankTranID), ("status", "VALID"), ("tran_date", "2026-05-02 10:30:00"),
                     ("currency", "BDT"), ("card_issuer", "STANDARD CHARTERED BANK"), ("card_brand", "VISA"),
                     ("currency_type", t.currency), ("currency_amount", t.amountText), ("risk_level", "0"), ("risk_title", "Safe"),
                     ("value_a", "pay_3"), ("value_b", "ord_3")])
    }

    /// SSLCommerz's verify_key (the signed field names) and verify_sign.
    static func signed(_ fields: [(String, String)]) -> [(String, String)] {
        let keys = fields.map(\.0).sorted()
        var hashed = fields + [("store_passwd", md5(storePassword))]
        hashed.sort { $0.0 < $1.0 }
        let sign = md5(hashed.map { "\($0.0)=\($0.1)" }.joined(separator: "&"))
        return fields + [("verify_sign", sign), ("verify_key", keys.joined(separator: ","))]
    }

    static func md5(_ text: String) -> String {
        Insecure.MD5.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// SSLCommerz settles in BDT: another currency's amount is converted (here at 110).
    private func bdt(_ t: Transaction) -> String {
        guard t.currency != "BDT" else { return t.amountText }
        let cents = MinorUnitDecimal.minorUnits(t.amountText, exponent: 2)! * 110
        return MinorUnitDecimal.string(cents, exponent: 2, places: 2)!
    }

    private func answer(_ request: ProviderFakeRequest) -> ProviderFakeResponse {
        switch (request.method, request.path) {
        case ("POST", "/gwprocess/v4/api.php"): return session(request.form)
        case ("GET", "/validator/api/validationserverAPI.php"): return validate(request)
        case ("GET", "/validator/api/merchantTransIDvalidationAPI.php"):
            guard request.queryValue("store_id") == Self.storeID, request.queryValue("store_passwd") == Self.storePassword else {
                return .json(200, ["APIConnect": "INVALID_REQUEST"])
            }
            if request.queryValue("bank_tran_id") != nil { return refund(request) }
            return query(request.queryValue("tran_id") ?? "")
        default: return ProviderFakeResponse(status: 404, contentType: "text/html", body: Array("Not Found".utf8))
        }
    }

    private func session(_ form: [(String, String)]) -> ProviderFakeResponse {
        let value = { (name: String) in FormFields.value(name, in: form) ?? "" }
        guard value("store_id") == Self.storeID, value("store_passwd") == Self.storePassword else {
            return .json(200, ["status": "FAILED", "failedreason": "Store Credential Error Or Store is De-active", "sessionkey": "", "GatewayPageURL": ""])
        }
        for field in ["total_amount", "currency", "tran_id", "success_url", "fail_url", "cancel_url", "cus_name", "cus_email", "cus_add1",
                      "cus_city", "cus_postcode", "cus_country", "cus_phone", "shipping_method", "product_name", "product_category", "product_profile"]
        where value(field).isEmpty {
            return .json(200, ["status": "FAILED", "failedreason": .string("Invalid Information: '\(field)' is missing"), "sessionkey": "", "GatewayPageURL": ""])
        }
        let amount = value("total_amount").split(separator: ".", omittingEmptySubsequences: false)
        guard amount.count <= 2, amount.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }), amount.count == 1 || amount[1].count <= 2 else {
            return .json(200, ["status": "FAILED", "failedreason": "Invalid Information: total_amount must be decimal (10,2)", "sessionkey": "", "GatewayPageURL": ""])
        }
        let tranID = value("tran_id")
        state.update {
            $0.sessions.append(form)
            $0.transactions[tranID] = Transaction(tranID: tranID, currency: value("currency"), amountText: value("total_amount"))
        }
        return .json(200, ["status": "SUCCESS", "failedreason": "", "sessionkey": "F650E87F28DC7FA4C6A0C9AB7D6C3E8B",
                           "GatewayPageURL": "https://sandbox.sslcommerz.com/EasyCheckOut/testcdef650e87f28dc7fa4c6a0c9ab7d6c3e8b",
                           "storeBanner": "https://sandbox.sslcommerz.com/stores/logos/demoLogo.png"])
    }

    private func transactionJSON(_ t: Transaction, status: String) -> JSONTree {
        ["status": .string(status), "tran_date": "2026-05-02 10:30:00", "tran_id": .string(t.tranID), "val_id": .string(t.valID),
         "amount": .string(bdt(t)), "store_amount": .string(bdt(t)), "currency": "BDT", "bank_tran_id": .string(t.bankTranID),
         "card_type": "VISA-Dutch Bangla", "currency_type": .string(t.currency), "currency_amount": .string(t.amountText),
         "risk_level": "0", "risk_title": "Safe", "error": .string(status == "FAILED" ? "Insufficient balance" : ""),
         "APIConnect": "DONE", "validated_on": "2026-05-02 10:30:05", "gw_version": ""]
    }

    private func validate(_ request: ProviderFakeRequest) -> ProviderFakeResponse {
        guard request.queryValue("store_id") == Self.storeID, request.queryValue("store_passwd") == Self.storePassword,
              request.queryValue("format") == "json" else {
            return .json(200, ["APIConnect": "INVALID_REQUEST", "status": "INVALID_TRANSACTION"])
        }
        guard let valID = request.queryValue("val_id"), var t = state.get.transactions.values.first(where: { $0.valID == valID && !valID.isEmpty }) else {
            return .json(200, ["APIConnect": "DONE", "status": "INVALID_TRANSACTION"])
        }
        t.validations += 1
        state.update { $0.transactions[t.tranID] = t }
        return .json(200, transactionJSON(t, status: t.validations == 1 ? "VALID" : "VALIDATED"))
    }

    private func query(_ tranID: String) -> ProviderFakeResponse {
        let found = state.get.transactions[tranID].map { [transactionJSON($0, status: $0.status == "VALID" ? "VALIDATED" : $0.status)] } ?? []
        return .json(200, ["APIConnect": "DONE", "no_of_trans_found": .number(String(found.count)), "element": .array(found)])
    }

    private func refund(_ request: ProviderFakeRequest) -> ProviderFakeResponse {
        let bank = request.queryValue("bank_tran_id") ?? ""
        guard let refundTransID = request.queryValue("refund_trans_id"), !refundTransID.isEmpty,
              let amount = request.queryValue("refund_amount"), let remarks = request.queryValue("refund_remarks"), !remarks.isEmpty else {
            return .json(200, ["APIConnect": "INVALID_REQUEST", "status": "failed", "errorReason": "bank_tran_id, refund_trans_id, refund_amount and refund_remarks are required"])
        }
        guard let t = state.get.transactions.values.first(where: { $0.bankTranID == bank && !bank.isEmpty }) else {
            return .json(200, ["APIConnect": "DONE", "status": "failed", "errorReason": "Invalid bank_tran_id"])
        }
        if let earlier = state.get.refunds[refundTransID] {
            return .json(200, ["APIConnect": "DONE", "bank_tran_id": .string(bank), "trans_id": .string(t.tranID), "refund_ref_id": .string(earlier),
                               "status": "success", "errorReason": ""])
        }
        let reference = "59bd63fea545\(state.get.refunds.count)"
        state.update {
            $0.refunds[refundTransID] = reference
            $0.refundAmounts.append(amount)
        }
        return .json(200, ["APIConnect": "DONE", "bank_tran_id": .string(bank), "trans_id": .string(t.tranID), "refund_ref_id": .string(reference),
                           "status": "success", "errorReason": ""])
    }
}

@Suite("SSLCommerzDriverTests", .serialized)
struct SSLCommerzDriverTests {
    let driver = SSLCommerzDriver()
    static let returnURL = "https://shop.example/api/payment/return/sslcommerz?payment_id=pay_3"

    func makeContext(_ fake: SSLCommerzFake, _ change: (inout [String: String]) -> Void = { _ in }) -> DriverContext {
        var settings = ["store_id": SSLCommerzFake.storeID, "store_password": SSLCommerzFake.storePassword, "base_url": fake.server.baseURL,
                        "ipn_url": "https://shop.example/api/payment/webhook/sslcommerz"]
        change(&settings)
        return DriverContext(settings: settings, http: LoopbackTransport.send, returnURL: Self.returnURL)
    }

    func startRequest(paymentID: String = "pay_3", amount: Int64 = 105_050, currency: String = "BDT", phone: String? = "01711111111") -> StartRequest {
        StartRequest(paymentID: paymentID, orderID: "ord_3", amount: amount, currency: currency, idempotencyKey: "idem-ssl-1",
                     customer: Customer(email: "rahim@example.com", name: "Rahim Uddin", phone: phone))
    }

    func started(_ fake: SSLCommerzFake, _ context: DriverContext, amount: Int64 = 105_050, currency: String = "BDT") async throws -> PaymentReference {
        let driver = driver
        let request = startRequest(amount: amount, currency: currency)
        let result = try await ProviderFakeServer.run { try driver.start(request, context: context) }
        return PaymentReference(paymentID: "pay_3", orderID: "ord_3", providerReference: result.providerReference, amount: amount, currency: currency)
    }

    @Test func startOpensASessionAndRedirectsToTheGatewayPage() async throws {
        let fake = try await SSLCommerzFake.start()
        let context = makeContext(fake)
        let driver = driver
        let request = startRequest()
        let result = try await ProviderFakeServer.run { try driver.start(request, context: context) }

        #expect(result.status == .pending)
        #expect(result.redirectURL == "https://sandbox.sslcommerz.com/EasyCheckOut/testcdef650e87f28dc7fa4c6a0c9ab7d6c3e8b")
        #expect(result.providerReference == "pay_3")
        let form = try #require(fake.state.get.sessions.first)
        let value = { (name: String) in FormFields.value(name, in: form) }
        #expect(value("store_id") == SSLCommerzFake.storeID)
        #expect(value("total_amount") == "1050.50")
        #expect(value("currency") == "BDT")
        #expect(value("tran_id") == "pay_3")
        #expect(value("success_url") == Self.returnURL + "&outcome=success")
        #expect(value("fail_url") == Self.returnURL + "&outcome=fail")
        #expect(value("cancel_url") == Self.returnURL + "&outcome=cancel")
        #expect(value("ipn_url") == "https://shop.example/api/payment/webhook/sslcommerz")
        #expect(value("cus_phone") == "01711111111")
        #expect(value("value_a") == "pay_3")
        #expect(value("value_c") == "idem-ssl-1")
        #expect(fake.server.requests("POST", "/gwprocess/v4/api.php").first?.header("content-type") == "application/x-www-form-urlencoded")

        // A payment id too long for tran_id becomes a stable 30-character id.
        let long = startRequest(paymentID: "pay_0f8fad5b-d9cb-469f-a165-70867728950e")
        let longResult = try await ProviderFakeServer.run { try driver.start(long, context: context) }
        #expect(longResult.providerReference.count == 30)
        #expect(longResult.providerReference == SSLCommerzDriver.transactionID(for: "pay_0f8fad5b-d9cb-469f-a165-70867728950e"))

        // SSLCommerz requires a phone: refused before any call.
        let sessions = fake.state.get.sessions.count
        let noPhone = startRequest(phone: nil)
        let error = await ProviderFakeServer.failure { try driver.start(noPhone, context: context) }
        #expect(error == .declined("sslcommerz: customer.phone is required by SSLCommerz"))
        #expect(fake.state.get.sessions.count == sessions)
        await fake.server.stop()
    }

    @Test func aValidatedReturnIsCapturedAndCaptureConfirmsIt() async throws {
        let fake = try await SSLCommerzFake.start()
        let context = makeContext(fake)
        let driver = driver
        let payment = try await started(fake, context)
        let posted = fake.pay(payment.providerReference)

        let outcome = try await ProviderFakeServer.run {
            try driver.handleReturn(query: [("payment_id", "pay_3"), ("outcome", "success")] + posted, payment: payment, context: context)
        }
        #expect(outcome.status == .captured)
        #expect(outcome.captureReference == fake.state.get.transactions["pay_3"]?.bankTranID)
        let validation = try #require(fake.server.requests("GET", "/validator/api/validationserverAPI.php").first)
        #expect(validation.queryValue("val_id") == fake.state.get.transactions["pay_3"]?.valID)
        #expect(validation.queryValue("store_id") == SSLCommerzFake.storeID)
        #expect(validation.queryValue("format") == "json")

        let captured = try await ProviderFakeServer.run { try driver.capture(payment, amount: 105_050, idempotencyKey: "c", context: context) }
        #expect(captured.captured && captured.captureReference == outcome.captureReference)

        // A cancel return for a payment that did go through is still the payment SSLCommerz holds.
        let canceled = try await ProviderFakeServer.run { try driver.handleReturn(query: [("outcome", "cancel")], payment: payment, context: context) }
        #expect(canceled.status == .captured)
        await fake.server.stop()
    }

    @Test func returnsThatDoNotValidateAreRefused() async throws {
        let fake = try await SSLCommerzFake.start()
        let context = makeContext(fake)
        let driver = driver
        let payment = try await started(fake, context)
        let posted = fake.pay(payment.providerReference)

        func refusal(_ query: [(String, String)], _ payment: PaymentReference) async -> String? {
            let error = await ProviderFakeServer.failure { try driver.handleReturn(query: query, payment: payment, context: context) }
            guard case .rejected(let message) = error else { Issue.record("expected rejected, got \(String(describing: error))"); return nil }
            return message
        }

        // An invented val_id: the validation API says INVALID_TRANSACTION.
        let invented = SSLCommerzFake.signed([("tran_id", "pay_3"), ("val_id", "forged-val-id"), ("status", "VALID"), ("amount", "1050.50")])
        #expect(await refusal(invented, payment)?.contains("forged-val-id") == true)
        // Validated, but for another amount than the payment's.
        var dearer = payment
        dearer.amount = 200_000
        #expect(await refusal(posted, dearer)?.contains("1050.50") == true)
        // Fields changed after SSLCommerz signed them.
        let changed = posted.map { $0.0 == "amount" ? ($0.0, "1.00") : $0 }
        #expect(await refusal(changed, payment)?.contains("verify_sign") == true)
        // The return names another transaction.
        #expect(await refusal([("tran_id", "someone_else")], payment)?.contains("someone_else") == true)

        // A failure return without val_id is confirmed with the transaction query.
        let other = try await started(fake, context)
        _ = fake.fail(other.providerReference)
        let failed = try await ProviderFakeServer.run { try driver.handleReturn(query: [("outcome", "fail")], payment: other, context: context) }
        #expect(failed.status == .failed)
        await fake.server.stop()
    }

    @Test func theIPNIsBelievedOnlyAfterValidation() async throws {
        let fake = try await SSLCommerzFake.start()
        let context = makeContext(fake)
        let driver = driver
        let payment = try await started(fake, context, amount: 2500, currency: "USD")
        let posted = fake.pay(payment.providerReference)
        let ipn = IncomingWebhook(headers: [("content-type", "application/x-www-form-urlencoded")], body: Array(FormFields.encode(posted).utf8))

        let events = try await ProviderFakeServer.run { try driver.verifyWebhook(ipn, context: context) }
        let event = try #require(events.first)
        #expect(events.count == 1)
        #expect(event.kind == .captured)
        #expect(event.providerReference == "pay_3")
        // Paid in USD: the validated currency_amount (25.00 USD), not the BDT settlement (2750.00).
        #expect(event.amount == 2500)
        #expect(event.captureReference == fake.state.get.transactions["pay_3"]?.bankTranID)
        #expect(event.eventID == "sslcommerz:valid:\(fake.state.get.transactions["pay_3"]!.valID)")
        #expect(fake.server.requests("GET", "/validator/api/validationserverAPI.php").count == 1)

        // An IPN whose signed fields were changed is refused before any call.
        let calls = fake.server.requests.count
        let changed = posted.map { $0.0 == "currency_amount" ? ($0.0, "2.50") : $0 }
        let tampered = IncomingWebhook(headers: [], body: Array(FormFields.encode(changed).utf8))
        let error = await ProviderFakeServer.failure { try driver.verifyWebhook(tampered, context: context) }
        guard case .rejected(let message) = error else { Issue.record("expected rejected, got \(String(describing: error))"); return }
        #expect(message.contains("verify_sign"))
        #expect(fake.server.requests.count == calls)

        // Without a signature, an amount that differs from what SSLCommerz validated is refused.
        let unsigned = changed.filter { !["verify_sign", "verify_key"].contains($0.0) }
        let lying = IncomingWebhook(headers: [], body: Array(FormFields.encode(unsigned).utf8))
        let mismatch = await ProviderFakeServer.failure { try driver.verifyWebhook(lying, context: context) }
        guard case .rejected(let why) = mismatch else { Issue.record("expected rejected, got \(String(describing: mismatch))"); return }
        #expect(why.contains("2.50"))
        await fake.server.stop()
    }

    @Test func aFailureIPNIsConfirmedWithTheTransactionQuery() async throws {
        let fake = try await SSLCommerzFake.start()
        let context = makeContext(fake)
        let driver = driver
        let payment = try await started(fake, context)
        let failedFields = fake.fail(payment.providerReference)
        let failedIPN = IncomingWebhook(headers: [], body: Array(FormFields.encode(failedFields).utf8))
        let failed = try await ProviderFakeServer.run { try driver.verifyWebhook(failedIPN, context: context) }
        #expect(failed.map(\.kind) == [.failed])
        #expect(failed.first?.failureReason == "sslcommerz: payment FAILED (Insufficient balance)")
        #expect(fake.server.requests("GET", "/validator/api/merchantTransIDvalidationAPI.php").first?.queryValue("tran_id") == "pay_3")

        // A "failed" notice for a transaction SSLCommerz has as paid reports the payment, not a failure.
        _ = fake.pay(payment.providerReference)
        let stale = try await ProviderFakeServer.run { try driver.verifyWebhook(failedIPN, context: context) }
        #expect(stale.map(\.kind) == [.captured])

        // A notice for a transaction SSLCommerz never saw is refused.
        let unknown = IncomingWebhook(headers: [], body: Array(FormFields.encode([("tran_id", "nobody"), ("status", "FAILED")]).utf8))
        let error = await ProviderFakeServer.failure { try driver.verifyWebhook(unknown, context: context) }
        guard case .rejected = error else { Issue.record("expected rejected, got \(String(describing: error))"); return }
        await fake.server.stop()
    }

    @Test func partialRefundSendsADecimalAmountWithAStableRefundID() async throws {
        let fake = try await SSLCommerzFake.start()
        let context = makeContext(fake)
        let driver = driver
        var payment = try await started(fake, context)
        _ = fake.pay(payment.providerReference)
        payment.captureReference = fake.state.get.transactions["pay_3"]?.bankTranID

        let refund = try await ProviderFakeServer.run { [payment] in try driver.refund(payment, amount: 25_000, reason: "late delivery", idempotencyKey: "idem-refund-ssl-1", context: context) }
        #expect(refund.status == .succeeded)
        #expect(refund.providerReference == "59bd63fea5450")
        let call = try #require(fake.server.requests("GET", "/validator/api/merchantTransIDvalidationAPI.php").last)
        #expect(call.queryValue("refund_amount") == "250.00")
        #expect(call.queryValue("bank_tran_id") == payment.captureReference)
        #expect(call.queryValue("refund_trans_id") == "idem-refund-ssl-1")
        #expect(call.queryValue("refund_remarks") == "late delivery")
        #expect(call.queryValue("refe_id") == "pay_3")

        // Retried with the same key: the same refund at SSLCommerz.
        let again = try await ProviderFakeServer.run { [payment] in try driver.refund(payment, amount: 25_000, reason: "late delivery", idempotencyKey: "idem-refund-ssl-1", context: context) }
        #expect(again.providerReference == refund.providerReference)
        #expect(fake.state.get.refundAmounts == ["250.00"])

        // No stored bank_tran_id: it is found with the transaction query.
        var bare = payment
        bare.captureReference = nil
        _ = try await ProviderFakeServer.run { [bare] in try driver.refund(bare, amount: 50, reason: "", idempotencyKey: "idem-refund-ssl-2", context: context) }
        #expect(fake.state.get.refundAmounts == ["250.00", "0.50"])
        await fake.server.stop()
    }

    @Test func missingSettingsAreNamed() async throws {
        let fake = try await SSLCommerzFake.start()
        let driver = driver
        let request = startRequest()
        let noPassword = makeContext(fake) { $0["store_password"] = nil }
        #expect(await ProviderFakeServer.failure { try driver.start(request, context: noPassword) } == .notConfigured("sslcommerz: setting 'store_password' is not set"))
        let noStore = makeContext(fake) { $0["store_id"] = "" }
        let ipn = IncomingWebhook(headers: [], body: Array("tran_id=pay_3&status=VALID&val_id=x".utf8))
        #expect(await ProviderFakeServer.failure { try driver.verifyWebhook(ipn, context: noStore) } == .notConfigured("sslcommerz: setting 'store_id' is not set"))
        #expect(fake.server.requests.isEmpty)
        await fake.server.stop()
    }

    @Test func secretsNeverAppearInErrors() async throws {
        let fake = try await SSLCommerzFake.start()
        let driver = driver
        let request = startRequest()
        let wrongPassword = "wrong-store-pass-5521"
        let wrong = makeContext(fake) { $0["store_password"] = wrongPassword }
        let refused = await ProviderFakeServer.failure { try driver.start(request, context: wrong) }
        guard case .declined(let message) = refused else { Issue.record("expected declined, got \(String(describing: refused))"); return }
        #expect(message.contains("Store Credential Error"))
        #expect(!message.contains(wrongPassword))

        // The validation API is a GET with the password in its query; the transport's error
        // names the URL, and the driver's message must not pass the password on.
        let context = makeContext(fake)
        let payment = try await started(fake, context)
        let posted = fake.pay(payment.providerReference)
        let unreachable = makeContext(fake) { $0["base_url"] = "http://127.0.0.1:1" }
        let quick = DriverContext(settings: unreachable.settings, http: { (request: OutboundRequest) throws(DriverError) -> OutboundResponse in
            var request = request
            request.timeoutMS = 300   // the client retries a refused connection until the deadline
            return try LoopbackTransport.send(request)
        }, returnURL: unreachable.returnURL)
        let down = await ProviderFakeServer.failure { try driver.handleReturn(query: posted, payment: payment, context: quick) }
        guard case .unavailable(let why) = down else { Issue.record("expected unavailable, got \(String(describing: down))"); return }
        #expect(why.contains("validate"))
        #expect(why.contains("store_passwd=[redacted]"))
        #expect(!why.contains(SSLCommerzFake.storePassword))
        #expect(!why.contains(FormFields.escape(SSLCommerzFake.storePassword)))
        await fake.server.stop()
    }
}
