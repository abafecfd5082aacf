import _CryptoExtras
import Crypto
import Foundation
@testable import PaymentDrivers
import Testing

/// A local PayPal: OAuth token, Orders v2 (create, show, capture), Payments v2 (show capture,
/// refund) and verify-webhook-signature, answering as PayPal documents them. Webhooks are signed
/// as PayPal signs them (SHA256withRSA over "transmission id|time|webhook id|CRC32 of the body")
/// and the verify endpoint checks that signature with the certificate's key.
final class PayPalFake: @unchecked Sendable {
    static let clientID = "AeB-client-id-1"
    static let clientSecret = "EL-secret-do-not-show-9f3a"
    static let webhookID = "8PT597110X687430LKGECATA"
    static let certPath = "/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270"

    struct Order {
        var id: String
        var status: String
        var currency: String
        var value: String
        var customID: String
        var returnURL: String
        var captureID: String?
        var captureRequestID: String?
    }

    struct State {
        var tokens: [String] = []
        var orders: [String: Order] = [:]
        var ordersByRequestID: [String: String] = [:]
        var refundsByRequestID: [String: JSONTree] = [:]
        var refundedValues: [String] = []
        var failNextCreateWithEcho: Bool = false
    }

    let state = ProviderFakeState(State())
    let signingKey: _RSA.Signing.PrivateKey
    var server: ProviderFakeServer!

    init() throws {
        signingKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
    }

    static func start() async throws -> PayPalFake {
        let fake = try PayPalFake()
        fake.server = try await ProviderFakeServer.start { request in fake.answer(request) }
        return fake
    }

    var certURL: String { server.baseURL + Self.certPath }

    /// The buyer approves the order on PayPal's page.
    func approve(_ orderID: String) {
        state.update { $0.orders[orderID]?.status = "APPROVED" }
    }

    /// A webhook delivery as PayPal sends it: headers and the signed body.
    func webhook(_ event: JSONTree, tamper: Bool = false) throws -> IncomingWebhook {
        let body = event.encoded()
        let transmissionID = UUID().uuidString.lowercased()
        let time = "2026-05-02T10:30:00Z"
        let message = "\(transmissionID)|\(time)|\(Self.webhookID)|\(Self.crc32(body))"
        let signature = try signingKey.signature(for: Array(message.utf8), padding: .insecurePKCS1v1_5).rawRepresentation.base64EncodedString()
        var delivered = body
        if tamper { delivered = Array(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "50.00", with: "5000.00").utf8) }
        return IncomingWebhook(headers: [("paypal-transmission-id", transmissionID), ("paypal-transmission-time", time),
                                         ("paypal-transmission-sig", signature), ("paypal-cert-url", certURL),
                                         ("paypal-auth-algo", "SHA256withRSA"), ("content-type", "application/json")],
                               body: delivered)
    }

    private func answer(_ request: ProviderFakeRequest) -> ProviderFakeResponse {
        if request.path == "/v1/oauth2/token" { return token(request) }
        guard let bearer = request.header("authorization"), bearer.hasPrefix("Bearer "),
              state.get.tokens.contains(String(bearer.dropFirst(7))) else {
            return .json(401, ["error": "invalid_token", "error_description": "Token signature verification failed"])
        }
        let parts = request.path.split(separator: "/").map(String.init)
        switch (request.method, parts) {
        case ("POST", ["v2", "checkout", "orders"]): return createOrder(request)
        case ("GET", let p) where p.count == 4 && p[0...2] == ["v2", "checkout", "orders"]: return showOrder(p[3])
        case ("POST", let p) where p.count == 5 && p[0...2] == ["v2", "checkout", "orders"] && p[4] == "capture": return capture(p[3], request)
        case ("GET", let p) where p.count == 4 && p[0...2] == ["v2", "payments", "captures"]: return showCapture(p[3])
        case ("POST", let p) where p.count == 5 && p[0...2] == ["v2", "payments", "captures"] && p[4] == "refund": return refund(p[3], request)
        case ("POST", ["v1", "notifications", "verify-webhook-signature"]): return verify(request)
        default: return .json(404, ["name": "RESOURCE_NOT_FOUND", "message": "The specified resource does not exist."])
        }
    }

    private func token(_ request: ProviderFakeRequest) -> ProviderFakeResponse {
        let expected = "Basic " + Data("\(Self.clientID):\(Self.clientSecret)".utf8).base64EncodedString()
        guard request.header("authorization") == expected, FormFields.value("grant_type", in: request.form) == "client_credentials" else {
            return .json(401, ["error": "invalid_client", "error_description": "Client Authentication failed"])
        }
        let token = "A21AA-token-\(UUID().uuidString)"
        state.update { $0.tokens.append(token) }
        return .json(200, ["scope": "https://uri.paypal.com/services/payments/payment", "access_token": .string(token),
                           "token_type": "Bearer", "app_id": "APP-80W284485P519543T", "expires_in": 32400])
    }

    private func problem(_ status: Int, _ name: String, _ issue: String, _ description: String) -> ProviderFakeResponse {
        .json(status, ["name": .string(name), "details": [["issue": .string(issue), "description": .string(description)]],
                       "message": "The requested action could not be performed.", "debug_id": "f3a1b2c3d4"])
    }

    private func createOrder(_ request: ProviderFakeRequest) -> ProviderFakeResponse {
        guard let requestID = request.header("paypal-request-id") else { return problem(400, "INVALID_REQUEST", "MISSING_REQUEST_ID", "PayPal-Request-Id missing") }
        if state.get.failNextCreateWithEcho {
            // A provider error that repeats what it was sent, secret included.
            return problem(400, "INVALID_REQUEST", "INVALID_PARAMETER_VALUE", "bad client \(Self.clientSecret)")
        }
        if let existing = state.get.ordersByRequestID[requestID] { return .json(200, orderJSON(state.get.orders[existing]!)) }
        guard let body = request.json, body["intent"]?.string == "CAPTURE",
              let unit = body.at("purchase_units", 0), let currency = unit.at("amount", "currency_code")?.string,
              let value = unit.at("amount", "value")?.string,
              let returnURL = body.at("payment_source", "paypal", "experience_context", "return_url")?.string else {
            return problem(400, "INVALID_REQUEST", "MISSING_REQUIRED_PARAMETER", "intent, purchase_units[0].amount and return_url are required")
        }
        // PayPal's amount pattern, and no decimals for JPY, HUF and TWD.
        let decimals = value.split(separator: ".", omittingEmptySubsequences: false)
        if ["JPY", "HUF", "TWD"].contains(currency) ? decimals.count != 1 : (decimals.count != 2 || decimals[1].count != 2) {
            return problem(422, "UNPROCESSABLE_ENTITY", "DECIMAL_PRECISION", "If the currency supports decimals, only two decimal place precision is supported.")
        }
        let id = "5O190127TN36\(state.get.orders.count + 1)715T"
        let order = Order(id: id, status: "PAYER_ACTION_REQUIRED", currency: currency, value: value,
                          customID: unit["custom_id"]?.string ?? "", returnURL: returnURL)
        state.update {
            $0.orders[id] = order
            $0.ordersByRequestID[requestID] = id
        }
        return .json(200, orderJSON(order))
    }

    private func orderJSON(_ order: Order) -> JSONTree {
        var unit: [(String, JSONTree)] = [("reference_id", "default"), ("amount", ["currency_code": .string(order.currency), "value": .string(order.value)]),
                                          ("custom_id", .string(order.customID))]
        if let captureID = order.captureID {
            unit.append(("payments", ["captures": [captureJSON(captureID, order)]]))
        }
        return ["id": .string(order.id), "intent": "CAPTURE", "status": .string(order.status), "purchase_units": [.object(unit)],
                "links": [["href": .string("https://www.sandbox.paypal.com/checkoutnow?token=\(order.id)"), "rel": "payer-action", "method": "GET"],
                          ["href": .string("\(server.baseURL)/v2/checkout/orders/\(order.id)"), "rel": "self", "method": "GET"]]]
    }

    private func captureJSON(_ captureID: String, _ order: Order) -> JSONTree {
        ["id": .string(captureID), "status": "COMPLETED", "amount": ["currency_code": .string(order.currency), "value": .string(order.value)],
         "final_capture": true, "custom_id": .string(order.customID),
         "supplementary_data": ["related_ids": ["order_id": .string(order.id)]]]
    }

    private func showOrder(_ id: String) -> ProviderFakeResponse {
        guard let order = state.get.orders[id] else { return problem(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.") }
        return .json(200, orderJSON(order))
    }

    private func capture(_ id: String, _ request: ProviderFakeRequest) -> ProviderFakeResponse {
        guard let requestID = request.header("paypal-request-id") else { return problem(400, "INVALID_REQUEST", "MISSING_REQUEST_ID", "PayPal-Request-Id missing") }
        guard var order = state.get.orders[id] else { return problem(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.") }
        if order.status == "COMPLETED" {
            // The same PayPal-Request-Id gets the first answer again; another key meets the captured order.
            if order.captureRequestID == requestID { return .json(201, orderJSON(order)) }
            return problem(422, "UNPROCESSABLE_ENTITY", "ORDER_ALREADY_CAPTURED", "Order already captured.")
        }
        guard order.status == "APPROVED" else {
            return problem(422, "UNPROCESSABLE_ENTITY", "ORDER_NOT_APPROVED", "Payer has not yet approved the Order for payment.")
        }
        order.status = "COMPLETED"
        order.captureID = "3C679366HH908993F\(state.get.orders.count)"
        order.captureRequestID = requestID
        state.update { $0.orders[id] = order }
        return .json(201, orderJSON(order))
    }

    private func showCapture(_ captureID: String) -> ProviderFakeResponse {
        guard let order = state.get.orders.values.first(where: { $0.captureID == captureID }) else {
            return problem(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
        }
        return .json(200, captureJSON(captureID, order))
    }

    private func refund(_ captureID: String, _ request: ProviderFakeRequest) -> ProviderFakeResponse {
        guard let requestID = request.header("paypal-request-id") else { return problem(400, "INVALID_REQUEST", "MISSING_REQUEST_ID", "PayPal-Request-Id missing") }
        if let earlier = state.get.refundsByRequestID[requestID] { return .json(201, earlier) }
        guard let order = state.get.orders.values.first(where: { $0.captureID == captureID }) else {
            return problem(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
        }
        let amount = request.json?["amount"] ?? ["currency_code": .string(order.currency), "value": .string(order.value)]
        guard amount["currency_code"]?.string == order.currency, let value = amount["value"]?.string else {
            return problem(422, "UNPROCESSABLE_ENTITY", "CURRENCY_MISMATCH", "Refund must be in the capture's currency.")
        }
        let refund: JSONTree = ["id": .string("1JU08902781691411\(state.get.refundedValues.count)"), "status": "COMPLETED", "amount": amount,
                                "links": [["href": .string("\(server.baseURL)/v2/payments/captures/\(captureID)"), "rel": "up", "method": "GET"]]]
        state.update {
            $0.refundsByRequestID[requestID] = refund
            $0.refundedValues.append(value)
        }
        return .json(201, refund)
    }

    private func verify(_ request: ProviderFakeRequest) -> ProviderFakeResponse {
        guard let body = request.json, let id = body["transmission_id"]?.string, let time = body["transmission_time"]?.string,
              let sig = body["transmission_sig"]?.string, let cert = body["cert_url"]?.string, let algo = body["auth_algo"]?.string,
              let webhookID = body["webhook_id"]?.string, let event = body["webhook_event"] else {
            return problem(400, "VALIDATION_ERROR", "MISSING_REQUIRED_PARAMETER", "A required field is missing.")
        }
        guard cert == certURL else { return problem(400, "VALIDATION_ERROR", "INVALID_CERT_URL", "cert_url is not a PayPal certificate") }
        let message = "\(id)|\(time)|\(webhookID)|\(Self.crc32(event.encoded()))"
        let valid = algo == "SHA256withRSA" && Data(base64Encoded: sig).map {
            signingKey.publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: $0), for: Array(message.utf8), padding: .insecurePKCS1v1_5)
        } == true
        return .json(200, ["verification_status": valid ? "SUCCESS" : "FAILURE"])
    }
}

extension PayPalFake {
    /// CRC-32 (IEEE), the checksum PayPal puts in the signed message, as an unsigned decimal.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return ~crc
    }
}

@Suite("PayPalDriverTests", .serialized)
struct PayPalDriverTests {
    let driver = PayPalDriver()

    func makeContext(_ fake: PayPalFake, _ change: (inout [String: String]) -> Void = { _ in }) -> DriverContext {
        var settings = ["client_id": PayPalFake.clientID, "client_secret": PayPalFake.clientSecret,
                        "webhook_id": PayPalFake.webhookID, "base_url": fake.server.baseURL]
        change(&settings)
        return DriverContext(settings: settings, http: LoopbackTransport.send, returnURL: "https://shop.example/api/payment/return/paypal?payment_id=pay_1")
    }

    func startRequest(amount: Int64 = 5000, currency: String = "USD", key: String = "idem-start-1") -> StartRequest {
        StartRequest(paymentID: "pay_1", orderID: "ord_1", amount: amount, currency: currency, idempotencyKey: key,
                     customer: Customer(email: "buyer@example.com"))
    }

    @Test func startCreatesACaptureOrderWithTheIdempotencyKeyAndRedirectsToPayPal() async throws {
        let fake = try await PayPalFake.start()
        let context = makeContext(fake)
        let driver = driver
        let request = startRequest()
        let result = try await ProviderFakeServer.run { try driver.start(request, context: context) }

        #expect(result.status == .pending)
        #expect(result.redirectURL == "https://www.sandbox.paypal.com/checkoutnow?token=\(result.providerReference)")
        let create = try #require(fake.server.requests("POST", "/v2/checkout/orders").first)
        #expect(create.header("paypal-request-id") == "idem-start-1")
        #expect(create.header("authorization")?.hasPrefix("Bearer A21AA-token-") == true)
        let body = try #require(create.json)
        #expect(body["intent"]?.string == "CAPTURE")
        #expect(body.at("purchase_units", 0, "amount", "value")?.string == "50.00")
        #expect(body.at("purchase_units", 0, "amount", "currency_code")?.string == "USD")
        #expect(body.at("purchase_units", 0, "custom_id")?.string == "pay_1")
        #expect(body.at("payment_source", "paypal", "experience_context", "return_url")?.string == context.returnURL)
        #expect(body.at("payment_source", "paypal", "experience_context", "cancel_url")?.string == context.returnURL + "&outcome=cancel")
        let token = try #require(fake.server.requests("POST", "/v1/oauth2/token").first)
        #expect(token.header("authorization") == "Basic " + Data("\(PayPalFake.clientID):\(PayPalFake.clientSecret)".utf8).base64EncodedString())
        #expect(token.text == "grant_type=client_credentials")

        // A retry with the same key is the same order at PayPal, and the token is reused.
        let again = try await ProviderFakeServer.run { try driver.start(request, context: context) }
        #expect(again.providerReference == result.providerReference)
        #expect(fake.state.get.orders.count == 1)
        #expect(fake.server.requests("POST", "/v1/oauth2/token").count == 1)
        await fake.server.stop()
    }

    @Test func approvedReturnThenCaptureOnceWithTheCaptureKey() async throws {
        let fake = try await PayPalFake.start()
        let context = makeContext(fake)
        let driver = driver
        let request = startRequest()
        let started = try await ProviderFakeServer.run { try driver.start(request, context: context) }
        let payment = PaymentReference(paymentID: "pay_1", orderID: "ord_1", providerReference: started.providerReference, amount: 5000, currency: "USD")

        // Back before approving (the buyer pressed back): nothing to capture yet.
        let early = try await ProviderFakeServer.run { try driver.handleReturn(query: [("token", started.providerReference)], payment: payment, context: context) }
        #expect(early.status == .pending)

        fake.approve(started.providerReference)
        let back = try await ProviderFakeServer.run {
            try driver.handleReturn(query: [("payment_id", "pay_1"), ("token", started.providerReference), ("PayerID", "QYR5Z8XDVJNXQ")], payment: payment, context: context)
        }
        #expect(back.status == .authorized)

        let captured = try await ProviderFakeServer.run { try driver.capture(payment, amount: 5000, idempotencyKey: "idem-capture-1", context: context) }
        #expect(captured.captured)
        let captureID = try #require(captured.captureReference)
        #expect(fake.server.requests("POST", "/v2/checkout/orders/\(started.providerReference)/capture").first?.header("paypal-request-id") == "idem-capture-1")

        // The same key again is PayPal's first answer: still one capture.
        let repeated = try await ProviderFakeServer.run { try driver.capture(payment, amount: 5000, idempotencyKey: "idem-capture-1", context: context) }
        #expect(repeated.captureReference == captureID)
        // Captured by someone else meanwhile (another key): the existing capture is reported, not a second.
        let other = try await ProviderFakeServer.run { try driver.capture(payment, amount: 5000, idempotencyKey: "idem-capture-2", context: context) }
        #expect(other.captured && other.captureReference == captureID)

        let after = try await ProviderFakeServer.run { try driver.handleReturn(query: [("token", started.providerReference)], payment: payment, context: context) }
        #expect(after.status == .captured && after.captureReference == captureID)
        await fake.server.stop()
    }

    @Test func aReturnNamingAnotherOrderIsRejected() async throws {
        let fake = try await PayPalFake.start()
        let context = makeContext(fake)
        let driver = driver
        let payment = PaymentReference(paymentID: "pay_1", orderID: "ord_1", providerReference: "5O190127TN361715T", amount: 5000, currency: "USD")
        let error = await ProviderFakeServer.failure { try driver.handleReturn(query: [("token", "OTHER-ORDER")], payment: payment, context: context) }
        guard case .rejected(let message) = error else { Issue.record("expected rejected, got \(String(describing: error))"); return }
        #expect(message.contains("OTHER-ORDER"))
        await fake.server.stop()
    }

    @Test func signedCaptureWebhookIsVerifiedByPayPalAndReportsTheCapture() async throws {
        let fake = try await PayPalFake.start()
        let context = makeContext(fake)
        let driver = driver
        let request = startRequest()
        let started = try await ProviderFakeServer.run { try driver.start(request, context: context) }
        fake.approve(started.providerReference)
        let payment = PaymentReference(paymentID: "pay_1", orderID: "ord_1", providerReference: started.providerReference, amount: 5000, currency: "USD")
        let captured = try await ProviderFakeServer.run { try driver.capture(payment, amount: 5000, idempotencyKey: "k", context: context) }
        let captureID = try #require(captured.captureReference)

        let event: JSONTree = ["id": "WH-58D329510W468432D-8HN650336L201105X", "event_version": "1.0", "create_time": "2026-05-02T10:30:00Z",
                               "resource_type": "capture", "resource_version": "2.0", "event_type": "PAYMENT.CAPTURE.COMPLETED",
                               "summary": "Payment completed for $ 50.0 USD",
                               "resource": ["id": .string(captureID), "status": "COMPLETED", "amount": ["currency_code": "USD", "value": "50.00"],
                                            "final_capture": true,
                                            "supplementary_data": ["related_ids": ["order_id": .string(started.providerReference)]]]]
        let webhook = try fake.webhook(event)
        let events = try await ProviderFakeServer.run { try driver.verifyWebhook(webhook, context: context) }
        #expect(events.count == 1)
        #expect(events.first?.eventID == "WH-58D329510W468432D-8HN650336L201105X")
        #expect(events.first?.kind == .captured)
        #expect(events.first?.providerReference == started.providerReference)
        #expect(events.first?.amount == 5000)
        #expect(events.first?.captureReference == captureID)
        let verification = try #require(fake.server.requests("POST", "/v1/notifications/verify-webhook-signature").first?.json)
        #expect(verification["webhook_id"]?.string == PayPalFake.webhookID)
        #expect(verification["auth_algo"]?.string == "SHA256withRSA")
        #expect(verification["transmission_id"]?.string == webhook.header("paypal-transmission-id"))
        await fake.server.stop()
    }

    @Test func aWebhookWithABadSignatureOrMissingHeaderIsRefused() async throws {
        let fake = try await PayPalFake.start()
        let context = makeContext(fake)
        let driver = driver
        let event: JSONTree = ["id": "WH-1", "event_type": "PAYMENT.CAPTURE.COMPLETED",
                               "resource": ["id": "CAP-1", "status": "COMPLETED", "amount": ["currency_code": "USD", "value": "50.00"],
                                            "supplementary_data": ["related_ids": ["order_id": "ORDER-1"]]]]
        // The body was changed after PayPal signed it (50.00 → 5000.00): PayPal answers FAILURE.
        let tampered = try fake.webhook(event, tamper: true)
        let error = await ProviderFakeServer.failure { try driver.verifyWebhook(tampered, context: context) }
        guard case .rejected(let message) = error else { Issue.record("expected rejected, got \(String(describing: error))"); return }
        #expect(message.contains("FAILURE"))

        // A signature made for another webhook id fails too.
        let genuine = try fake.webhook(event)
        let otherContext = makeContext(fake) { $0["webhook_id"] = "OTHERWEBHOOK1" }
        let wrongWebhook = await ProviderFakeServer.failure { try driver.verifyWebhook(genuine, context: otherContext) }
        guard case .rejected = wrongWebhook else { Issue.record("expected rejected, got \(String(describing: wrongWebhook))"); return }

        // No signature header at all: refused without asking PayPal.
        let calls = fake.server.requests.count
        let unsigned = IncomingWebhook(headers: genuine.headers.filter { $0.0 != "paypal-transmission-sig" }, body: genuine.body)
        let missing = await ProviderFakeServer.failure { try driver.verifyWebhook(unsigned, context: context) }
        guard case .rejected(let why) = missing else { Issue.record("expected rejected, got \(String(describing: missing))"); return }
        #expect(why.contains("paypal-transmission-sig"))
        #expect(fake.server.requests.count == calls)
        await fake.server.stop()
    }

    @Test func partialRefundSendsADecimalAmountWithTheRefundKey() async throws {
        let fake = try await PayPalFake.start()
        let context = makeContext(fake)
        let driver = driver
        let request = startRequest()
        let started = try await ProviderFakeServer.run { try driver.start(request, context: context) }
        fake.approve(started.providerReference)
        let payment = PaymentReference(paymentID: "pay_1", orderID: "ord_1", providerReference: started.providerReference, amount: 5000, currency: "USD")
        let captured = try await ProviderFakeServer.run { try driver.capture(payment, amount: 5000, idempotencyKey: "k", context: context) }
        var paid = payment
        paid.captureReference = captured.captureReference

        let refund = try await ProviderFakeServer.run { [paid] in try driver.refund(paid, amount: 1234, reason: "damaged box", idempotencyKey: "idem-refund-1", context: context) }
        #expect(refund.status == .succeeded)
        let call = try #require(fake.server.requests("POST", "/v2/payments/captures/\(captured.captureReference!)/refund").first)
        #expect(call.header("paypal-request-id") == "idem-refund-1")
        #expect(call.json?.at("amount", "value")?.string == "12.34")
        #expect(call.json?.at("amount", "currency_code")?.string == "USD")
        #expect(call.json?["note_to_payer"]?.string == "damaged box")

        // Retried with the same key: PayPal's first refund, not a second one.
        let again = try await ProviderFakeServer.run { [paid] in try driver.refund(paid, amount: 1234, reason: "damaged box", idempotencyKey: "idem-refund-1", context: context) }
        #expect(again.providerReference == refund.providerReference)
        #expect(fake.state.get.refundedValues == ["12.34"])

        // Without a stored capture id the driver finds it on the order.
        let second = try await ProviderFakeServer.run { try driver.refund(payment, amount: 66, reason: "", idempotencyKey: "idem-refund-2", context: context) }
        #expect(second.status == .succeeded)
        #expect(fake.state.get.refundedValues == ["12.34", "0.66"])
        await fake.server.stop()
    }

    @Test func amountsFollowTheCurrencyExponentAtPayPal() async throws {
        let fake = try await PayPalFake.start()
        let context = makeContext(fake)
        let driver = driver
        let yen = startRequest(amount: 1500, currency: "JPY", key: "jpy")
        _ = try await ProviderFakeServer.run { try driver.start(yen, context: context) }
        #expect(fake.server.requests("POST", "/v2/checkout/orders").last?.json?.at("purchase_units", 0, "amount", "value")?.string == "1500")

        let forint = startRequest(amount: 1_234_500, currency: "HUF", key: "huf")
        _ = try await ProviderFakeServer.run { try driver.start(forint, context: context) }
        #expect(fake.server.requests("POST", "/v2/checkout/orders").last?.json?.at("purchase_units", 0, "amount", "value")?.string == "12345")

        // 12345.50 HUF cannot go to PayPal (no decimals there): refused before any order is made.
        let orders = fake.server.requests("POST", "/v2/checkout/orders").count
        let fractional = startRequest(amount: 1_234_550, currency: "HUF", key: "huf2")
        let error = await ProviderFakeServer.failure { try driver.start(fractional, context: context) }
        guard case .declined = error else { Issue.record("expected declined, got \(String(describing: error))"); return }
        #expect(fake.server.requests("POST", "/v2/checkout/orders").count == orders)
        await fake.server.stop()
    }

    @Test func refundAndDisputeWebhooksNameTheOrderThroughTheCapture() async throws {
        let fake = try await PayPalFake.start()
        let context = makeContext(fake)
        let driver = driver
        let request = startRequest()
        let started = try await ProviderFakeServer.run { try driver.start(request, context: context) }
        fake.approve(started.providerReference)
        let payment = PaymentReference(paymentID: "pay_1", orderID: "ord_1", providerReference: started.providerReference, amount: 5000, currency: "USD")
        let captureID = try #require(try await ProviderFakeServer.run { try driver.capture(payment, amount: 5000, idempotencyKey: "k", context: context) }.captureReference)

        let refunded: JSONTree = ["id": "WH-REFUND-1", "event_type": "PAYMENT.CAPTURE.REFUNDED", "resource_type": "refund",
                                  "resource": ["id": "1JU08902781691411", "status": "COMPLETED", "amount": ["currency_code": "USD", "value": "10.00"],
                                               "links": [["href": .string("\(fake.server.baseURL)/v2/payments/refunds/1JU08902781691411"), "rel": "self", "method": "GET"],
                                                         ["href": .string("\(fake.server.baseURL)/v2/payments/captures/\(captureID)"), "rel": "up", "method": "GET"]]]]
        let refundWebhook = try fake.webhook(refunded)
        let refundEvents = try await ProviderFakeServer.run { try driver.verifyWebhook(refundWebhook, context: context) }
        #expect(refundEvents.map(\.kind) == [.refunded])
        #expect(refundEvents.first?.providerReference == started.providerReference)
        #expect(refundEvents.first?.amount == 1000)

        let dispute: JSONTree = ["id": "WH-DISPUTE-1", "event_type": "CUSTOMER.DISPUTE.CREATED", "resource_type": "dispute",
                                 "resource": ["dispute_id": "PP-D-27803", "reason": "MERCHANDISE_OR_SERVICE_NOT_RECEIVED", "status": "WAITING_FOR_SELLER_RESPONSE",
                                              "dispute_amount": ["currency_code": "USD", "value": "50.00"],
                                              "seller_response_due_date": "2026-05-20T23:59:59.000Z",
                                              "disputed_transactions": [["seller_transaction_id": .string(captureID)]]]]
        let disputeWebhook = try fake.webhook(dispute)
        let disputeEvents = try await ProviderFakeServer.run { try driver.verifyWebhook(disputeWebhook, context: context) }
        let opened = try #require(disputeEvents.first)
        #expect(opened.kind == .disputeOpened)
        #expect(opened.providerReference == started.providerReference)
        #expect(opened.dispute?.providerDisputeID == "PP-D-27803")
        #expect(opened.dispute?.amount == 5000)
        #expect(opened.dispute?.status == "WAITING_FOR_SELLER_RESPONSE")
        #expect(opened.dispute?.evidenceDueBy == Date(timeIntervalSince1970: 1_779_321_599))
        await fake.server.stop()
    }

    @Test func missingSettingsAreNamed() async throws {
        let fake = try await PayPalFake.start()
        let driver = driver
        let request = startRequest()
        let noSecret = makeContext(fake) { $0["client_secret"] = nil }
        let error = await ProviderFakeServer.failure { try driver.start(request, context: noSecret) }
        #expect(error == .notConfigured("paypal: setting 'client_secret' is not set"))

        let noWebhookID = makeContext(fake) { $0["webhook_id"] = "" }
        let webhook = try fake.webhook(["id": "WH-1", "event_type": "PAYMENT.CAPTURE.COMPLETED", "resource": [:]])
        let missing = await ProviderFakeServer.failure { try driver.verifyWebhook(webhook, context: noWebhookID) }
        #expect(missing == .notConfigured("paypal: setting 'webhook_id' is not set"))
        #expect(fake.server.requests("POST", "/v2/checkout/orders").isEmpty)
        await fake.server.stop()
    }

    @Test func secretsNeverAppearInErrors() async throws {
        let fake = try await PayPalFake.start()
        let driver = driver
        let request = startRequest()

        // Wrong secret: PayPal refuses the credentials; the message names the settings, not the value.
        let wrongSecret = "EL-wrong-secret-77c1"
        let wrong = makeContext(fake) { $0["client_secret"] = wrongSecret }
        let refused = await ProviderFakeServer.failure { try driver.start(request, context: wrong) }
        guard case .notConfigured(let message) = refused else { Issue.record("expected notConfigured, got \(String(describing: refused))"); return }
        #expect(message.contains("client_secret"))
        #expect(!message.contains(wrongSecret))

        // PayPal echoing the secret in an error: the driver's message carries it redacted.
        fake.state.update { $0.failNextCreateWithEcho = true }
        let good = makeContext(fake)
        let echoed = await ProviderFakeServer.failure { try driver.start(request, context: good) }
        guard case .declined(let text) = echoed else { Issue.record("expected declined, got \(String(describing: echoed))"); return }
        #expect(text.contains("[redacted]"))
        #expect(!text.contains(PayPalFake.clientSecret))

        // PayPal unreachable (nothing listens on port 1): the transport's message comes without the secret.
        let unreachable = makeContext(fake) { $0["base_url"] = "http://127.0.0.1:1" }
        let quick = DriverContext(settings: unreachable.settings, http: { (request: OutboundRequest) throws(DriverError) -> OutboundResponse in
            var request = request
            request.timeoutMS = 300   // the client retries a refused connection until the deadline
            return try LoopbackTransport.send(request)
        }, returnURL: unreachable.returnURL)
        let down = await ProviderFakeServer.failure { try driver.start(request, context: quick) }
        guard case .unavailable(let why) = down else { Issue.record("expected unavailable, got \(String(describing: down))"); return }
        #expect(!why.contains(PayPalFake.clientSecret))
        #expect(!why.contains(Data("\(PayPalFake.clientID):\(PayPalFake.clientSecret)".utf8).base64EncodedString()))
        await fake.server.stop()
    }
}
