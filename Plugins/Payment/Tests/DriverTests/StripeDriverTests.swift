import Foundation
import PaymentDrivers
import PaymentFakes
import Testing

/// Runs a blocking driver call on a thread of its own, so the cooperative pool that serves the
/// fake and the loopback client is never the one waiting.
private func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }.start()
    }
}

/// The Stripe driver against a local fake of Stripe's API on 127.0.0.1.
@Suite("Stripe driver: PaymentIntents, capture, refunds and Stripe-Signature webhooks against a local fake Stripe")
struct StripeDriverTests {
    let driver = StripeDriver()

    func context(_ fake: FakeStripe, secretKey: String? = nil, now: Date = Date()) -> DriverContext {
        DriverContext(settings: ["secret_key": secretKey ?? fake.secretKey, "webhook_secret": fake.webhookSecret,
                                 "base_url": fake.baseURL, "publishable_key": "pk_test_shop"],
                      http: LoopbackTransport.send, now: { now }, returnURL: "http://shop.test/api/payment/return/stripe?payment_id=pay_1")
    }

    func start(_ fake: FakeStripe, key: String = "start:pay_1", amount: Int64 = 2599) async throws -> StartResult {
        let driver = driver, context = context(fake)
        return try await blocking {
            try driver.start(StartRequest(paymentID: "pay_1", orderID: "ord_1", amount: amount, currency: "USD", idempotencyKey: key,
                                          customer: Customer(email: "ann@example.com")), context: context)
        }
    }

    func returned(_ fake: FakeStripe, _ payment: PaymentReference) async throws -> ReturnOutcome {
        let driver = driver, context = context(fake)
        return try await blocking { try driver.handleReturn(query: [], payment: payment, context: context) }
    }

    func capture(_ fake: FakeStripe, _ payment: PaymentReference, key: String = "capture:pay_1") async throws -> CaptureResult {
        let driver = driver, context = context(fake)
        return try await blocking { try driver.capture(payment, amount: payment.amount, idempotencyKey: key, context: context) }
    }

    func refund(_ fake: FakeStripe, _ payment: PaymentReference, _ amount: Int64, reason: String, key: String) async throws -> RefundResult {
        let driver = driver, context = context(fake)
        return try await blocking { try driver.refund(payment, amount: amount, reason: reason, idempotencyKey: key, context: context) }
    }

    @Test("start creates a manual-capture PaymentIntent in minor units with the Idempotency-Key; a repeat gets the same intent")
    func startIsIdempotent() async throws {
        let fake = try await FakeStripe.start()
        defer { fake.stop() }
        let first = try await start(fake)
        #expect(first.status == .pending)
        #expect(first.providerReference.hasPrefix("pi_"))
        #expect(first.clientData["client_secret"]?.hasPrefix("\(first.providerReference)_secret_") == true)
        #expect(first.clientData["publishable_key"] == "pk_test_shop")
        #expect(first.clientData["return_url"] == "http://shop.test/api/payment/return/stripe?payment_id=pay_1")
        let intent = try #require(fake.intent(first.providerReference))
        #expect(intent["amount"] as? Int == 2599)
        #expect(intent["currency"] as? String == "usd")
        #expect(intent["capture_method"] as? String == "manual")
        #expect((intent["metadata"] as? [String: String])?["payment_id"] == "pay_1")

        let again = try await start(fake)
        #expect(again.providerReference == first.providerReference)
        let creates = fake.requests(path: "/v1/payment_intents", method: "POST")
        #expect(creates.count == 2)
        #expect(creates.allSatisfy { $0.idempotencyKey == "start:pay_1" })
        // The same key with another amount is Stripe's idempotency_error: a refusal, never a second intent.
        await #expect(throws: DriverError.self) { try await start(fake, amount: 100) }
    }

    @Test("a refused secret key is 'not configured' and the message never contains the key")
    func wrongKey() async throws {
        let fake = try await FakeStripe.start()
        defer { fake.stop() }
        let secret = "sk_test_wrong_secret_value"
        let driver = driver, wrong = context(fake, secretKey: secret)
        do {
            _ = try await blocking { try driver.start(StartRequest(paymentID: "p", orderID: "o", amount: 100, currency: "usd", idempotencyKey: "k"), context: wrong) }
            Issue.record("a wrong key was accepted")
        } catch {
            guard case .notConfigured(let message) = error as? DriverError else { Issue.record("expected notConfigured, got \(error)"); return }
            #expect(!message.contains(secret))
        }
        await #expect(throws: DriverError.notConfigured("stripe: setting 'secret_key' is not set")) {
            try await blocking {
                try driver.start(StartRequest(paymentID: "p", orderID: "o", amount: 100, currency: "usd", idempotencyKey: "k"),
                                 context: DriverContext(settings: [:], http: LoopbackTransport.send))
            }
        }
    }

    @Test("after the customer pays: the return reads 'authorized', capture succeeds once with its key, refunds partial then the rest")
    func captureAndRefund() async throws {
        let fake = try await FakeStripe.start()
        defer { fake.stop() }
        let started = try await start(fake)
        let payment = PaymentReference(paymentID: "pay_1", orderID: "ord_1", providerReference: started.providerReference, amount: 2599, currency: "USD")
        #expect(try await returned(fake, payment).status == .pending)
        fake.customerPays(started.providerReference)
        #expect(try await returned(fake, payment).status == .authorized)

        let captured = try await capture(fake, payment)
        #expect(captured.captured)
        #expect(captured.captureReference?.hasPrefix("ch_") == true)
        // A retry with the same key is answered from Stripe's idempotency store: same charge.
        let retried = try await capture(fake, payment)
        #expect(retried.captureReference == captured.captureReference)
        #expect(fake.intent(started.providerReference)?["amount_received"] as? Int == 2599)
        let back = try await returned(fake, payment)
        #expect(back.status == .captured)
        #expect(back.captureReference == captured.captureReference)

        let part = try await refund(fake, payment, 1000, reason: "requested_by_customer", key: "refund:r1")
        #expect(part.status == .succeeded)
        #expect(part.providerReference.hasPrefix("re_"))
        await #expect(throws: DriverError.self) { try await refund(fake, payment, 1600, reason: "damaged", key: "refund:r2") }
        let rest = try await refund(fake, payment, 1599, reason: "damaged in transit", key: "refund:r3")
        #expect(rest.status == .succeeded)
        #expect(fake.requests(path: "/v1/refunds").map(\.idempotencyKey) == ["refund:r1", "refund:r2", "refund:r3"])
    }

    @Test("a declined card: capture is refused and the return reports the decline")
    func declined() async throws {
        let fake = try await FakeStripe.start()
        defer { fake.stop() }
        let started = try await start(fake)
        fake.customerPays(started.providerReference, paymentMethod: "pm_card_chargeDeclined")
        let payment = PaymentReference(paymentID: "pay_1", orderID: "ord_1", providerReference: started.providerReference, amount: 2599, currency: "USD")
        let back = try await returned(fake, payment)
        #expect(back.status == .failed)
        #expect(back.failureReason?.contains("declined") == true)
        let capture = try await capture(fake, payment)
        #expect(!capture.captured)
        #expect(capture.failureReason?.contains("requires_payment_method") == true)
    }

    @Test("webhooks: each event kind is read from a correctly signed delivery")
    func webhookKinds() async throws {
        let fake = try await FakeStripe.start()
        defer { fake.stop() }
        let started = try await start(fake)
        let intentID = started.providerReference
        fake.customerPays(intentID)
        let payment = PaymentReference(paymentID: "pay_1", orderID: "ord_1", providerReference: intentID, amount: 2599, currency: "USD")
        _ = try await capture(fake, payment)
        _ = try await refund(fake, payment, 599, reason: "", key: "refund:r1")
        let due = Date(timeIntervalSince1970: 1_900_000_000)
        _ = fake.openDispute(intentID, reason: "fraudulent", evidenceDueBy: due)

        let events = fake.takeEvents()
        #expect(events.map { $0["type"] as? String } == ["payment_intent.amount_capturable_updated", "payment_intent.succeeded", "charge.refunded", "charge.dispute.created"])
        var read: [WebhookEvent] = []
        for event in events {
            let delivery = fake.signedDelivery(event)
            read += try driver.verifyWebhook(IncomingWebhook(headers: [("stripe-signature", delivery.signature)], body: delivery.body), context: context(fake))
        }
        #expect(read.map(\.kind) == [.authorized, .captured, .refunded, .disputeOpened])
        #expect(read.map(\.eventID) == events.map { $0["id"] as? String ?? "" })
        #expect(read.allSatisfy { $0.providerReference == intentID })
        #expect(read[0].amount == 2599)
        #expect(read[1].captureReference?.hasPrefix("ch_") == true)
        #expect(read[2].refundedTotal == 599)
        let dispute = try #require(read[3].dispute)
        #expect(dispute.reason == "fraudulent")
        #expect(dispute.status == "needs_response")
        #expect(dispute.amount == 2599)
        #expect(dispute.evidenceDueBy == due)

        // A failed payment and an event type the core does not use.
        let failed = fake.event("payment_intent.payment_failed", object: ["id": intentID, "object": "payment_intent", "last_payment_error": ["message": "Your card has insufficient funds."]])
        let f = fake.signedDelivery(failed)
        let failure = try driver.verifyWebhook(IncomingWebhook(headers: [("stripe-signature", f.signature)], body: f.body), context: context(fake))
        #expect(failure.first?.kind == .failed)
        #expect(failure.first?.failureReason?.contains("insufficient funds") == true)
        let other = fake.signedDelivery(fake.event("customer.created", object: ["id": "cus_1", "object": "customer"]))
        #expect(try driver.verifyWebhook(IncomingWebhook(headers: [("stripe-signature", other.signature)], body: other.body), context: context(fake)).isEmpty)
    }

    @Test("webhooks: a wrong secret, a changed body, an old or future timestamp, a missing header and a v0-only header are refused")
    func webhookRefusals() async throws {
        let fake = try await FakeStripe.start()
        defer { fake.stop() }
        let now = Date()
        let event = fake.event("payment_intent.succeeded", object: ["id": "pi_x", "object": "payment_intent", "amount_received": 100])
        func verify(_ body: [UInt8], _ header: String?) throws(DriverError) -> [WebhookEvent] {
            try driver.verifyWebhook(IncomingWebhook(headers: header.map { [("stripe-signature", $0)] } ?? [], body: body), context: context(fake, now: now))
        }
        let good = fake.signedDelivery(event, at: now)
        #expect(try verify(good.body, good.signature).count == 1)
        // Within tolerance either way (299 s).
        let edge = fake.signedDelivery(event, at: now.addingTimeInterval(-299))
        #expect(try verify(edge.body, edge.signature).count == 1)

        func refused(_ body: [UInt8], _ header: String?, _ words: String) {
            do {
                _ = try verify(body, header)
                Issue.record("accepted: \(header ?? "no header")")
            } catch {
                guard case .rejected(let message) = error else { Issue.record("not a rejection: \(error)"); return }
                #expect(message.contains(words), "\(message)")
                #expect(!message.contains(fake.webhookSecret))
            }
        }
        let wrongSecret = fake.signedDelivery(event, at: now, secret: "whsec_someone_else")
        refused(wrongSecret.body, wrongSecret.signature, "no v1 signature matches")
        refused(good.body + Array(" ".utf8), good.signature, "no v1 signature matches")
        let old = fake.signedDelivery(event, at: now.addingTimeInterval(-301))
        refused(old.body, old.signature, "outside the tolerance of 300 s")
        let future = fake.signedDelivery(event, at: now.addingTimeInterval(400))
        refused(future.body, future.signature, "outside the tolerance")
        refused(good.body, nil, "header is missing")
        let v0 = good.signature.replacingOccurrences(of: "v1=", with: "v0=")
        refused(good.body, v0, "no v1 signature")
        refused(good.body, "v1=abc", "no timestamp")
        // The old timestamp with a signature made for the new one: the timestamp is signed too.
        let tampered = good.signature.replacingOccurrences(of: "t=\(Int64(now.timeIntervalSince1970))", with: "t=\(Int64(now.timeIntervalSince1970) - 1)")
        refused(good.body, tampered, "no v1 signature matches")
        // During a secret roll Stripe sends two v1 signatures: one matching is enough.
        let rolled = "\(good.signature),v1=\(String(repeating: "0", count: 64))"
        #expect(try verify(good.body, rolled).count == 1)
    }
}
