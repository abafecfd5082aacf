import Crypto
import Foundation
@testable import PaymentDrivers
import Testing

/// A local Paddle Billing: transactions (create with non-catalog items, get), adjustments
/// (list, create refund) and webhooks signed as Paddle signs them
/// (`Paddle-Signature: ts=…;h1=hex(HMAC-SHA256(secret, "ts:body"))`).
final class PaddleFake: @unchecked Sendable {
    static let apiKey = "pdl_sdbx_apikey_01hv8x9s7d0k2m4n6p8q_secretpart"
    static let webhookSecret = "pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI"

    struct Transaction {
        var id: String
        var status: String
        var currency: String
        var amount: Int64
        var itemID: String
        var customData: JSONTree
        var checkoutURL: String
    }

    struct State {
        var transactions: [String: Transaction] = [:]
        var adjustments: [JSONTree] = []
        var echoKeyInNextError = false
    }

    let state = ProviderFakeState(State())
    var server: ProviderFakeServer!

    static func start() async throws -> PaddleFake {
        let fake = PaddleFake()
        fake.server = try await ProviderFakeServer.start { request in fake.answer(request) }
        return fake
    }

    /// The customer pays on Paddle Checkout.
    func pay(_ transactionID: String) {
        state.update { $0.transactions[transactionID]?.status = "completed" }
    }

    func transactionJSON(_ id: String) -> JSONTree {
        let t = state.get.transactions[id]!
        let total = JSONTree.string(String(t.amount))
        let payments: JSONTree = t.status == "completed"
            ? [["payment_attempt_id": "8f72cfa6-26b4-4a57-91dc-8f2708f7822d", "status": "captured", "amount": total, "error_code": .null]]
            : []
        return ["id": .string(t.id), "status": .string(t.status), "customer_id": .null, "currency_code": .string(t.currency),
                "collection_mode": "automatic", "custom_data": t.customData,
                "details": ["totals": ["subtotal": total, "tax": "0", "total": total, "grand_total": total, "currency_code": .string(t.currency)],
                            "line_items": [["id": .string(t.itemID), "price_id": "pri_01hv0vax6rv18t4tamj848ne4d", "quantity": 1,
                                            "totals": ["subtotal": total, "tax": "0", "total": total]]]],
                "payments": payments, "checkout": ["url": .string(t.checkoutURL)]]
    }

    /// A delivery signed with `secret` at `timestamp`.
    static func webhook(_ event: JSONTree, timestamp: Int64, secret: String = webhookSecret, tamper: Bool = false) -> IncomingWebhook {
        let body = event.encoded()
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp):".utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
        let hex = mac.map { String(format: "%02x", $0) }.joined()
        let delivered = tamper ? Array(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "\"4999\"", with: "\"1\"").utf8) : body
        return IncomingWebhook(headers: [("paddle-signature", "ts=\(timestamp);h1=\(hex)"), ("content-type", "application/json")], body: delivered)
    }

    private func error(_ status: Int, _ code: String, _ detail: String) -> ProviderFakeResponse {
        .json(status, ["error": ["type": "request_error", "code": .string(code), "detail": .string(detail),
                                 "documentation_url": .string("https://developer.paddle.com/errors/shared/\(code)")],
                       "meta": ["request_id": "f00bb3ca-399d-4686-889c-50b028f4c912"]])
    }

    private func answer(_ request: ProviderFakeRequest) -> ProviderFakeResponse {
        guard request.header("authorization") == "Bearer \(Self.apiKey)" else {
            return error(403, "forbidden", "You aren't permitted to perform this request.")
        }
        if state.get.echoKeyInNextError {
            return error(400, "bad_request", "Invalid request for key \(Self.apiKey)")
        }
        let parts = request.path.split(separator: "/").map(String.init)
        switch (request.method, parts) {
        case ("POST", ["transactions"]): return createTransaction(request)
        case ("GET", let p) where p.count == 2 && p[0] == "transactions":
            guard state.get.transactions[p[1]] != nil else { return error(404, "entity_not_found", "Entity \(p[1]) not found") }
            return .json(200, ["data": transactionJSON(p[1]), "meta": ["request_id": "r1"]])
        case ("GET", ["adjustments"]):
            let matching = state.get.adjustments.filter {
                $0["transaction_id"]?.string == request.queryValue("transaction_id") && (request.queryValue("action") == nil || $0["action"]?.string == request.queryValue("action"))
            }
            return .json(200, ["data": .array(matching), "meta": ["request_id": "r2"]])
        case ("POST", ["adjustments"]): return createAdjustment(request)
        default: return error(404, "not_found", "Not found")
        }
    }

    private func createTransaction(_ request: ProviderFakeRequest) -> ProviderFakeResponse {
        guard let body = request.json, let item = body.at("items", 0), let price = item["price"],
              let amountText = price.at("unit_price", "amount")?.string, let amount = Int64(amountText),
              let currency = price.at("unit_price", "currency_code")?.string, price["description"]?.string != nil,
              price.at("product", "name")?.string != nil, price.at("product", "tax_category")?.string != nil else {
            return error(400, "bad_request", "items[0].price needs description, unit_price and product")
        }
        let number = state.get.transactions.count + 1
        let id = "txn_01hv8wptq8987qeep44cyrewp\(number)"
        let page = body.at("checkout", "url")?.string ?? "https://shop.example/pay"
        let transaction = Transaction(id: id, status: "draft", currency: currency, amount: amount, itemID: "txnitm_01hv8wt98jahpbm1t1tzr06z\(number)",
                                      customData: body["custom_data"] ?? .null, checkoutURL: "\(page)?_ptxn=\(id)")
        state.update { $0.transactions[id] = transaction }
        return .json(201, ["data": transactionJSON(id), "meta": ["request_id": "r3"]])
    }

    private func createAdjustment(_ request: ProviderFakeRequest) -> ProviderFakeResponse {
        guard let body = request.json, body["action"]?.string == "refund", let transactionID = body["transaction_id"]?.string,
              let reason = body["reason"]?.string else {
            return error(400, "bad_request", "action, transaction_id and reason are required")
        }
        guard let transaction = state.get.transactions[transactionID] else { return error(404, "entity_not_found", "Entity \(transactionID) not found") }
        guard transaction.status == "completed" else {
            return error(400, "adjustment_transaction_invalid_status_for_refund", "transaction must be completed to refund")
        }
        let refunded: Int64
        switch body["type"]?.string ?? "partial" {
        case "full":
            guard body["items"] == nil else { return error(400, "bad_request", "items must not be given for a full adjustment") }
            refunded = transaction.amount
        default:
            guard let item = body.at("items", 0), item["item_id"]?.string == transaction.itemID, item["type"]?.string == "partial",
                  let text = item["amount"]?.string, let value = Int64(text), value > 0, value <= transaction.amount else {
                return error(400, "adjustment_invalid_amount", "items[0] must name the line item with a partial amount")
            }
            refunded = value
        }
        let adjustment: JSONTree = ["id": .string("adj_01hvgf2s84dr6reszzg29zbvcm\(state.get.adjustments.count)"), "action": "refund",
                                    "type": .string(body["type"]?.string ?? "partial"), "transaction_id": .string(transactionID),
                                    "status": "pending_approval", "reason": .string(reason), "currency_code": .string(transaction.currency),
                                    "totals": ["subtotal": .string(String(refunded)), "tax": "0", "total": .string(String(refunded)),
                                               "currency_code": .string(transaction.currency)]]
        state.update { $0.adjustments.append(adjustment) }
        return .json(201, ["data": adjustment, "meta": ["request_id": "r4"]])
    }
}

@Suite("PaddleDriverTests", .serialized)
struct PaddleDriverTests {
    let driver = PaddleDriver()
    static let now = Date(timeIntervalSince1970: 1_780_000_000)

    func makeContext(_ fake: PaddleFake, now: Date = PaddleDriverTests.now, _ change: (inout [String: String]) -> Void = { _ in }) -> DriverContext {
        var settings = ["api_key": PaddleFake.apiKey, "webhook_secret": PaddleFake.webhookSecret, "base_url": fake.server.baseURL]
        change(&settings)
        return DriverContext(settings: settings, http: LoopbackTransport.send, now: { now }, returnURL: "https://shop.example/api/payment/return/paddle?payment_id=pay_2")
    }

    func startRequest(_ key: String = "idem-paddle-1") -> StartRequest {
        StartRequest(paymentID: "pay_2", orderID: "ord_2", amount: 4999, currency: "EUR", idempotencyKey: key, customer: Customer(email: "b@example.com"))
    }

    func started(_ fake: PaddleFake, _ context: DriverContext) async throws -> PaymentReference {
        let driver = driver
        let request = startRequest()
        let result = try await ProviderFakeServer.run { try driver.start(request, context: context) }
        return PaymentReference(paymentID: "pay_2", orderID: "ord_2", providerReference: result.providerReference, amount: 4999, currency: "EUR")
    }

    static func event(_ type: String, id: String = "evt_01hv8x2acma2gz2h8hjjdgrknj", data: JSONTree) -> JSONTree {
        ["event_id": .string(id), "event_type": .string(type), "occurred_at": "2026-05-28T20:26:40.000Z",
         "notification_id": "ntf_01hv8x2af5gsxbzk9c6mnkh9ba", "data": data]
    }

    @Test func startCreatesATransactionForTheTotalAndRedirectsToItsCheckout() async throws {
        let fake = try await PaddleFake.start()
        let context = makeContext(fake) { $0["checkout_url"] = "https://shop.example/checkout" }
        let driver = driver
        let request = startRequest()
        let result = try await ProviderFakeServer.run { try driver.start(request, context: context) }

        #expect(result.status == .pending)
        #expect(result.providerReference.hasPrefix("txn_"))
        #expect(result.redirectURL == "https://shop.example/checkout?_ptxn=\(result.providerReference)")
        let call = try #require(fake.server.requests("POST", "/transactions").first)
        #expect(call.header("authorization") == "Bearer \(PaddleFake.apiKey)")
        #expect(call.header("paddle-version") == "1")
        let body = try #require(call.json)
        #expect(body.at("items", 0, "price", "unit_price", "amount")?.string == "4999")
        #expect(body.at("items", 0, "price", "unit_price", "currency_code")?.string == "EUR")
        #expect(body.at("items", 0, "price", "tax_mode")?.string == "internal")
        #expect(body.at("items", 0, "quantity") == .number("1"))
        #expect(body["collection_mode"]?.string == "automatic")
        // Paddle has no idempotency header: the key rides along in custom_data.
        #expect(body.at("custom_data", "idempotency_key")?.string == "idem-paddle-1")
        #expect(body.at("custom_data", "payment_id")?.string == "pay_2")
        await fake.server.stop()
    }

    @Test func returnAndCaptureReportWhatPaddleHasWithoutMovingMoney() async throws {
        let fake = try await PaddleFake.start()
        let context = makeContext(fake)
        let driver = driver
        let payment = try await started(fake, context)

        let before = try await ProviderFakeServer.run { try driver.handleReturn(query: [("_ptxn", payment.providerReference)], payment: payment, context: context) }
        #expect(before.status == .pending)
        let notYet = try await ProviderFakeServer.run { try driver.capture(payment, amount: 4999, idempotencyKey: "c1", context: context) }
        #expect(!notYet.captured)
        #expect(notYet.failureReason?.contains("draft") == true)

        fake.pay(payment.providerReference)
        let back = try await ProviderFakeServer.run { try driver.handleReturn(query: [("_ptxn", payment.providerReference)], payment: payment, context: context) }
        #expect(back.status == .captured)
        let captured = try await ProviderFakeServer.run { try driver.capture(payment, amount: 4999, idempotencyKey: "c1", context: context) }
        #expect(captured.captured && captured.captureReference == payment.providerReference)
        #expect(fake.server.requests.filter { $0.method == "POST" }.count == 1)

        let forged = await ProviderFakeServer.failure { try driver.handleReturn(query: [("_ptxn", "txn_someone_else")], payment: payment, context: context) }
        guard case .rejected = forged else { Issue.record("expected rejected, got \(String(describing: forged))"); return }
        await fake.server.stop()
    }

    @Test func signedWebhooksBecomeCaptureFailureRefundAndDisputeEvents() async throws {
        let fake = try await PaddleFake.start()
        let context = makeContext(fake)
        let driver = driver
        let payment = try await started(fake, context)
        fake.pay(payment.providerReference)
        let ts = Int64(Self.now.timeIntervalSince1970)

        let completed = PaddleFake.webhook(Self.event("transaction.completed", data: fake.transactionJSON(payment.providerReference)), timestamp: ts)
        let events = try await ProviderFakeServer.run { try driver.verifyWebhook(completed, context: context) }
        #expect(events.count == 1)
        #expect(events.first?.eventID == "evt_01hv8x2acma2gz2h8hjjdgrknj")
        #expect(events.first?.kind == .captured)
        #expect(events.first?.providerReference == payment.providerReference)
        #expect(events.first?.amount == 4999)

        let failedData: JSONTree = ["id": .string(payment.providerReference), "status": "ready", "currency_code": "EUR",
                                    "details": ["totals": ["grand_total": "4999"]],
                                    "payments": [["status": "error", "error_code": "declined", "amount": "4999"]]]
        let failed = PaddleFake.webhook(Self.event("transaction.payment_failed", id: "evt_2", data: failedData), timestamp: ts)
        let failedEvents = try await ProviderFakeServer.run { try driver.verifyWebhook(failed, context: context) }
        #expect(failedEvents.first?.kind == .failed)
        #expect(failedEvents.first?.failureReason == "paddle: declined")

        let pending: JSONTree = ["id": "adj_1", "action": "refund", "transaction_id": .string(payment.providerReference), "status": "pending_approval",
                                 "reason": "r", "totals": ["total": "1500", "currency_code": "EUR"]]
        let pendingDelivery = PaddleFake.webhook(Self.event("adjustment.created", id: "evt_3", data: pending), timestamp: ts)
        #expect(try await ProviderFakeServer.run { try driver.verifyWebhook(pendingDelivery, context: context) }.isEmpty)

        let approved: JSONTree = ["id": "adj_1", "action": "refund", "transaction_id": .string(payment.providerReference), "status": "approved",
                                  "reason": "r", "totals": ["total": "1500", "currency_code": "EUR"]]
        let approvedDelivery = PaddleFake.webhook(Self.event("adjustment.updated", id: "evt_4", data: approved), timestamp: ts)
        let refunded = try await ProviderFakeServer.run { try driver.verifyWebhook(approvedDelivery, context: context) }
        #expect(refunded.map(\.kind) == [.refunded])
        #expect(refunded.first?.amount == 1500)

        let chargeback: JSONTree = ["id": "adj_2", "action": "chargeback", "transaction_id": .string(payment.providerReference), "status": "approved",
                                    "reason": "fraudulent", "totals": ["total": "4999", "currency_code": "EUR"]]
        let chargebackDelivery = PaddleFake.webhook(Self.event("adjustment.created", id: "evt_5", data: chargeback), timestamp: ts)
        let disputed = try await ProviderFakeServer.run { try driver.verifyWebhook(chargebackDelivery, context: context) }
        #expect(disputed.first?.kind == .disputeOpened)
        #expect(disputed.first?.dispute?.providerDisputeID == "adj_2")
        #expect(disputed.first?.dispute?.amount == 4999)
        #expect(disputed.first?.dispute?.reason == "fraudulent")
        await fake.server.stop()
    }

    @Test func badSignaturesAndOldTimestampsAreRefused() async throws {
        let fake = try await PaddleFake.start()
        let context = makeContext(fake)
        let driver = driver
        let ts = Int64(Self.now.timeIntervalSince1970)
        let event = Self.event("transaction.completed", data: ["id": "txn_1", "details": ["totals": ["grand_total": "4999"]]])

        func refusal(_ webhook: IncomingWebhook, _ context: DriverContext) async -> String? {
            let error = await ProviderFakeServer.failure { try driver.verifyWebhook(webhook, context: context) }
            guard case .rejected(let message) = error else { Issue.record("expected rejected, got \(String(describing: error))"); return nil }
            return message
        }

        #expect(await refusal(PaddleFake.webhook(event, timestamp: ts, secret: "pdl_ntfset_wrong"), context)?.contains("does not match") == true)
        #expect(await refusal(PaddleFake.webhook(event, timestamp: ts, tamper: true), context)?.contains("does not match") == true)
        // Signed for another timestamp than the header says.
        var moved = PaddleFake.webhook(event, timestamp: ts)
        moved.headers[0].1 = moved.headers[0].1.replacingOccurrences(of: "ts=\(ts)", with: "ts=\(ts + 1)")
        #expect(await refusal(moved, context)?.contains("does not match") == true)
        #expect(await refusal(IncomingWebhook(headers: [], body: event.encoded()), context)?.contains("Paddle-Signature") == true)

        // Default tolerance 300 s: 299 s old passes, 301 s old is refused, as is 301 s ahead.
        let fresh = try await ProviderFakeServer.run { try driver.verifyWebhook(PaddleFake.webhook(event, timestamp: ts - 299), context: context) }
        #expect(fresh.count == 1)
        #expect(await refusal(PaddleFake.webhook(event, timestamp: ts - 301), context)?.contains("301 s old") == true)
        #expect(await refusal(PaddleFake.webhook(event, timestamp: ts + 301), context)?.contains("future") == true)

        // Paddle's own 5 s, set by the shop.
        let strict = makeContext(fake) { $0["webhook_tolerance_seconds"] = "5" }
        #expect(await refusal(PaddleFake.webhook(event, timestamp: ts - 6), strict)?.contains("tolerance 5 s") == true)
        #expect(try await ProviderFakeServer.run { try driver.verifyWebhook(PaddleFake.webhook(event, timestamp: ts - 5), context: strict) }.count == 1)
        #expect(fake.server.requests.isEmpty)
        await fake.server.stop()
    }

    @Test func partialRefundSendsMinorUnitsForTheLineItemOnce() async throws {
        let fake = try await PaddleFake.start()
        let context = makeContext(fake)
        let driver = driver
        let payment = try await started(fake, context)
        fake.pay(payment.providerReference)

        let refund = try await ProviderFakeServer.run { try driver.refund(payment, amount: 1500, reason: "one item returned", idempotencyKey: "idem-refund-9", context: context) }
        #expect(refund.status == .pending)
        #expect(refund.providerReference.hasPrefix("adj_"))
        let call = try #require(fake.server.requests("POST", "/adjustments").first?.json)
        #expect(call["action"]?.string == "refund")
        #expect(call["type"]?.string == "partial")
        #expect(call.at("items", 0, "amount")?.string == "1500")
        #expect(call.at("items", 0, "item_id")?.string == fake.state.get.transactions[payment.providerReference]?.itemID)
        #expect(call["reason"]?.string == "one item returned [ref idem-refund-9]")

        // A retry with the same key finds the first refund instead of making a second.
        let again = try await ProviderFakeServer.run { try driver.refund(payment, amount: 1500, reason: "one item returned", idempotencyKey: "idem-refund-9", context: context) }
        #expect(again.providerReference == refund.providerReference)
        #expect(fake.server.requests("POST", "/adjustments").count == 1)

        // The whole amount is a full adjustment, no items.
        _ = try await ProviderFakeServer.run { try driver.refund(payment, amount: 4999, reason: "", idempotencyKey: "idem-refund-10", context: context) }
        let full = try #require(fake.server.requests("POST", "/adjustments").last?.json)
        #expect(full["type"]?.string == "full")
        #expect(full["items"] == nil)
        await fake.server.stop()
    }

    @Test func missingSettingsAreNamed() async throws {
        let fake = try await PaddleFake.start()
        let driver = driver
        let request = startRequest()
        let noKey = makeContext(fake) { $0["api_key"] = nil }
        #expect(await ProviderFakeServer.failure { try driver.start(request, context: noKey) } == .notConfigured("paddle: setting 'api_key' is not set"))
        let noSecret = makeContext(fake) { $0["webhook_secret"] = nil }
        let webhook = PaddleFake.webhook(Self.event("transaction.completed", data: [:]), timestamp: Int64(Self.now.timeIntervalSince1970))
        #expect(await ProviderFakeServer.failure { try driver.verifyWebhook(webhook, context: noSecret) } == .notConfigured("paddle: setting 'webhook_secret' is not set"))
        let badTolerance = makeContext(fake) { $0["webhook_tolerance_seconds"] = "five" }
        let error = await ProviderFakeServer.failure { try driver.verifyWebhook(webhook, context: badTolerance) }
        guard case .notConfigured(let message) = error else { Issue.record("expected notConfigured, got \(String(describing: error))"); return }
        #expect(message.contains("webhook_tolerance_seconds"))
        #expect(fake.server.requests.isEmpty)
        await fake.server.stop()
    }

    @Test func secretsNeverAppearInErrors() async throws {
        let fake = try await PaddleFake.start()
        let driver = driver
        let request = startRequest()
        let wrongKey = "pdl_sdbx_apikey_wrong_0000"
        let wrong = makeContext(fake) { $0["api_key"] = wrongKey }
        let refused = await ProviderFakeServer.failure { try driver.start(request, context: wrong) }
        guard case .notConfigured(let message) = refused else { Issue.record("expected notConfigured, got \(String(describing: refused))"); return }
        #expect(message.contains("api_key"))
        #expect(!message.contains(wrongKey))

        fake.state.update { $0.echoKeyInNextError = true }
        let context = makeContext(fake)
        let echoed = await ProviderFakeServer.failure { try driver.start(request, context: context) }
        guard case .declined(let text) = echoed else { Issue.record("expected declined, got \(String(describing: echoed))"); return }
        #expect(text.contains("[redacted]"))
        #expect(!text.contains(PaddleFake.apiKey))

        let forged = PaddleFake.webhook(Self.event("transaction.completed", data: [:]), timestamp: 1, secret: "x")
        let rejected = await ProviderFakeServer.failure { try driver.verifyWebhook(forged, context: context) }
        #expect(rejected.map { !$0.message.contains(PaddleFake.webhookSecret) } == true)
        await fake.server.stop()
    }
}
