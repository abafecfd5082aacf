import EOPPluginTesting
import Foundation
import PaymentFakes
import Testing

/// The Payment plugin in a real host against PostgreSQL, with a fake Stripe on loopback.
@Suite("Payment plugin: idempotent starts, one capture, refunds, disputes, cash, transfers, gift cards, wallet", .serialized)
struct PaymentTests {
    /// Starts a Stripe payment and lets the customer pay at the fake (the intent now requires capture).
    func paidIntent(_ shop: PaymentShop, order: String, amount: Int64 = 2599, returnURL: String? = nil) async throws -> (payment: String, intent: String) {
        let started = try await shop.start(order: order, amount: amount, returnURL: returnURL)
        let paymentID = try #require(started["payment_id"] as? String)
        let detail = try await shop.request("payment.payment.get", ["payment_id": paymentID]).json
        let intent = try #require(detail["provider_ref"] as? String)
        try #require(shop.stripe.customerPays(intent)?["status"] as? String == "requires_capture")
        return (paymentID, intent)
    }

    @Test("the same idempotency key is the same payment: one PaymentIntent, even for 20 concurrent starts; another order with it is refused")
    func idempotentStart() async throws {
        let shop = try await PaymentShop.start()
        defer { Task { await shop.shutdown() } }
        let first = try await shop.start(order: "ord-1", key: "checkout-1")
        #expect(first["status"] as? String == "pending")
        let action = try #require(first["next_action"] as? [String: Any])
        #expect(action["type"] as? String == "client_confirm")
        #expect((action["client_secret"] as? String)?.contains("_secret_") == true)
        #expect((action["return_url"] as? String)?.hasPrefix("http://shop.test/api/payment/return/stripe?payment_id=") == true)
        let again = try await shop.start(order: "ord-1", key: "checkout-1")
        #expect(again["payment_id"] as? String == first["payment_id"] as? String)
        #expect(shop.stripe.requests(path: "/v1/payment_intents", method: "POST").count == 1)

        // 20 at once with a new key: one payment, one provider call.
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await shop.start(order: "ord-2", key: "checkout-2")["payment_id"] as? String ?? "" } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(ids.count == 1)
        #expect(shop.stripe.requests(path: "/v1/payment_intents", method: "POST").count == 2)
        #expect(try shop.count("SELECT count(*) FROM payments") == 2)

        let reused = try await shop.request("payment.payment.start", ["order_id": "ord-3", "amount": 2599, "currency": "USD", "method": "stripe", "idempotency_key": "checkout-1"])
        #expect(reused.status != 0)
        #expect(reused.message.hasPrefix("idempotency_key: was already used"), "\(reused.message)")
        let bad = try await shop.request("payment.payment.start", ["order_id": "ord-4", "amount": 0, "currency": "USD", "method": "stripe", "idempotency_key": "k4"])
        #expect(bad.status != 0)
        let unknown = try await shop.request("payment.payment.start", ["order_id": "ord-4", "amount": 100, "currency": "USD", "method": "cheque", "idempotency_key": "k4"])
        #expect(unknown.message.hasPrefix("method: unknown payment method 'cheque'"), "\(unknown.message)")
    }

    @Test("a webhook is acted on once: the authorization captures, a redelivery and the capture's own event change nothing")
    func webhookDedupe() async throws {
        let shop = try await PaymentShop.start()
        defer { Task { await shop.shutdown() } }
        let (paymentID, intent) = try await paidIntent(shop, order: "ord-w")
        let authorized = Box(try #require(shop.takeEvent("payment_intent.amount_capturable_updated", intent: intent)))
        try await shop.serving {
            let r1 = try await shop.deliver(authorized.value)
            #expect(r1.status == 200, "\(r1.text)")
            #expect((r1.json["events"] as? [[String: Any]])?.first?["outcome"] as? String == "applied")
            let r2 = try await shop.deliver(authorized.value)
            #expect(r2.status == 200)
            #expect((r2.json["events"] as? [[String: Any]])?.first?["outcome"] as? String == "duplicate")
            // The capture made Stripe send payment_intent.succeeded: applied, but already captured.
            let succeeded = try #require(shop.takeEvent("payment_intent.succeeded", intent: intent))
            let r3 = try await shop.deliver(succeeded)
            #expect(r3.status == 200)
        }
        #expect(shop.stripe.captureCalls(intent) == 1)
        #expect(shop.stripe.requests(path: "/v1/payment_intents/\(intent)/capture").first?.idempotencyKey == "capture:\(paymentID)")
        #expect(try shop.facts("payment.payment.authorized", payment: paymentID) == 1)
        #expect(try shop.facts("payment.payment.captured", payment: paymentID) == 1)
        #expect(try shop.count("SELECT count(*) FROM webhook_events") == 2)
        let payment = try await shop.request("payment.payment.get", ["payment_id": paymentID]).json
        #expect(payment["status"] as? String == "captured")
        #expect(payment["captured_amount"] as? Int == 2599)
        #expect((payment["capture_ref"] as? String)?.hasPrefix("ch_") == true)
        let captured = try #require(try shop.factPayloads("payment.payment.captured", payment: paymentID).first)
        #expect(captured["order_id"] as? String == "ord-w")
        #expect(captured["amount"] as? Int == 2599)
        #expect(captured["currency"] as? String == "USD")
        #expect(captured["method"] as? String == "stripe")
    }

    @Test("a bad signature, an old timestamp or no signature answer 400 and record nothing")
    func badSignature() async throws {
        let shop = try await PaymentShop.start()
        defer { Task { await shop.shutdown() } }
        let (paymentID, intent) = try await paidIntent(shop, order: "ord-sig")
        let event = Box(try #require(shop.takeEvent("payment_intent.amount_capturable_updated", intent: intent)))
        try await shop.serving {
            let forged = try await shop.deliver(event.value, secret: "whsec_attacker")
            #expect(forged.status == 400)
            #expect(forged.header("content-type") == "application/problem+json")
            #expect(forged.text.contains("no v1 signature matches"))
            #expect(!forged.text.contains(shop.stripe.webhookSecret))
            let old = try await shop.deliver(event.value, at: Date().addingTimeInterval(-600))
            #expect(old.status == 400)
            #expect(old.text.contains("tolerance"))
            let unsigned = try await shop.http("POST", "/api/payment/webhooks/stripe", body: Array("{}".utf8))
            #expect(unsigned.status == 400)
            let unknownDriver = try await shop.http("POST", "/api/payment/webhooks/acme", body: Array("{}".utf8))
            #expect(unknownDriver.status == 404)
        }
        #expect(try shop.count("SELECT count(*) FROM webhook_events") == 0)
        #expect(shop.stripe.captureCalls(intent) == 0)
        #expect(try await shop.request("payment.payment.get", ["payment_id": paymentID]).json["status"] as? String == "pending")
    }

    @Test("the customer's return and the webhook racing 100 times make 100 single captures: one provider call and one fact each")
    func captureOnceRace() async throws {
        let shop = try await PaymentShop.start()
        defer { Task { await shop.shutdown() } }
        var list: [(payment: String, intent: String, event: [String: Any])] = []
        for i in 0..<100 {
            let (paymentID, intent) = try await paidIntent(shop, order: "race-\(i)", returnURL: "http://shop.test/orders/race-\(i)")
            list.append((paymentID, intent, try #require(shop.takeEvent("payment_intent.amount_capturable_updated", intent: intent))))
        }
        let races = Box(list)
        let captured = Box(0)
        try await shop.serving {
            // Ten races at a time, each a webhook and a return sent together.
            for batch in stride(from: 0, to: races.value.count, by: 10) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for race in races.value[batch..<min(batch + 10, races.value.count)] {
                        let event = Box(race.event), payment = race.payment, intent = race.intent
                        group.addTask {
                            let r = try await shop.deliver(event.value)
                            #expect(r.status == 200, "\(r.text)")
                        }
                        group.addTask {
                            let r = try await shop.http("GET", "/api/payment/return/stripe?payment_id=\(payment)&payment_intent=\(intent)&redirect_status=succeeded")
                            #expect(r.status == 303, "\(r.text)")
                            let location = r.header("location") ?? ""
                            #expect(location.hasPrefix("http://shop.test/orders/race-"), "\(location)")
                            #expect(location.contains("payment_id=\(payment)"))
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }
        for race in races.value {
            #expect(shop.stripe.captureCalls(race.intent) == 1, "\(race.payment)")
            #expect(try shop.facts("payment.payment.captured", payment: race.payment) == 1, "\(race.payment)")
            #expect(try shop.facts("payment.payment.authorized", payment: race.payment) == 1, "\(race.payment)")
            if shop.stripe.intent(race.intent)?["status"] as? String == "succeeded" { captured.value += 1 }
        }
        #expect(captured.value == 100)
        #expect(try shop.count("SELECT count(*) FROM payments WHERE status = 'captured'") == 100)
        #expect(try shop.count("SELECT count(*) FROM attempts WHERE action = 'capture' AND tries = 1 AND status = 'succeeded'") == 100)
    }

    @Test("refunds: partial, a repeat with the same key, over-refund refused, the rest; ten racing refunds never exceed the capture")
    func refunds() async throws {
        let shop = try await PaymentShop.start()
        defer { Task { await shop.shutdown() } }
        let (paymentID, intent) = try await paidIntent(shop, order: "ord-r")
        try await shop.serving {
            let back = try await shop.http("GET", "/api/payment/return/stripe?payment_id=\(paymentID)")
            #expect(back.status == 303)
            #expect(back.header("location") == "/checkout/complete?payment_id=\(paymentID)&status=captured")

            func refund(_ amount: Int64, key: String) async throws -> PaymentShop.Answer {
                try await shop.http("POST", "/api/payment/payments/\(paymentID)/refunds", json: ["amount": amount, "reason": "damaged"],
                                    headers: [("idempotency-key", key)], principal: PaymentShop.staff)
            }
            let part = try await refund(1000, key: "r-1")
            #expect(part.status == 201, "\(part.text)")
            #expect(part.json["status"] as? String == "succeeded")
            let again = try await refund(1000, key: "r-1")
            #expect(again.json["refund_id"] as? String == part.json["refund_id"] as? String)
            #expect(shop.stripe.requests(path: "/v1/refunds").count == 1)
            let over = try await refund(1600, key: "r-2")
            #expect(over.status == 422, "\(over.text)")
            #expect(over.field == "amount")
            #expect(over.text.contains("1599"))
            let reusedKey = try await refund(500, key: "r-1")
            #expect(reusedKey.status == 409)
            #expect(shop.stripe.requests(path: "/v1/refunds").count == 1)
        }
        var payment = try await shop.request("payment.payment.get", ["payment_id": paymentID]).json
        #expect(payment["status"] as? String == "partially_refunded")
        #expect(payment["refundable_amount"] as? Int == 1599)

        // The rest through the command Order uses (by order id).
        let rest = try await shop.request("payment.refund.create", ["order_id": "ord-r", "amount": 1599, "reason": "returned", "idempotency_key": "return-7"])
        #expect(rest.status == 0, "\(rest.message)")
        #expect(rest.json["status"] as? String == "succeeded")
        let more = try await shop.request("payment.refund.create", ["payment_id": paymentID, "amount": 1, "idempotency_key": "r-9"])
        #expect(more.status != 0)
        #expect(more.message.contains("refunded"), "\(more.message)")
        payment = try await shop.request("payment.payment.get", ["payment_id": paymentID]).json
        #expect(payment["status"] as? String == "refunded")
        #expect(payment["refunded_amount"] as? Int == 2599)
        let facts = try shop.factPayloads("payment.payment.refunded", payment: paymentID)
        #expect(facts.map { $0["amount"] as? Int } == [1000, 1599])
        #expect(facts.map { $0["fully_refunded"] as? Bool } == [false, true])
        #expect(facts.last?["refunded_total"] as? Int == 2599)
        #expect(shop.stripe.intent(intent)?["status"] as? String == "succeeded")

        // Ten refunds of 500 racing on a 2599 capture: five go through, five are refused.
        let (second, _) = try await paidIntent(shop, order: "ord-r2")
        try await shop.serving { _ = try await shop.http("GET", "/api/payment/return/stripe?payment_id=\(second)") }
        let results = try await withThrowingTaskGroup(of: Int32.self) { group in
            for i in 0..<10 {
                group.addTask { try await shop.request("payment.refund.create", ["payment_id": second, "amount": 500, "idempotency_key": "race-\(i)"]).status }
            }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(results.filter { $0 == 0 }.count == 5)
        #expect(try shop.count("SELECT COALESCE(sum(amount), 0) FROM refunds WHERE payment_id = $1::uuid AND status = 'succeeded'", [second]) == 2500)
        #expect(try shop.facts("payment.payment.refunded", payment: second) == 5)
    }

    @Test("a refund made in Stripe's dashboard arrives by webhook and is recorded once")
    func refundFromProvider() async throws {
        let shop = try await PaymentShop.start()
        defer { Task { await shop.shutdown() } }
        let (paymentID, intent) = try await paidIntent(shop, order: "ord-d")
        _ = try await shop.request("payment.payment.get", ["payment_id": paymentID])
        try await shop.serving {
            _ = try await shop.http("GET", "/api/payment/return/stripe?payment_id=\(paymentID)")
            _ = shop.stripe.takeEvents()
            // Ours first, then one made at Stripe directly: the event's running total covers both.
            let ours = try await shop.request("payment.refund.create", ["payment_id": paymentID, "amount": 600, "idempotency_key": "ours"])
            #expect(ours.json["status"] as? String == "succeeded")
            let event = try #require(shop.stripe.takeEvents().first { $0["type"] as? String == "charge.refunded" })
            var charge = try #require((event["data"] as? [String: Any])?["object"] as? [String: Any])
            charge["amount_refunded"] = 1000  // 600 ours + 400 refunded in the dashboard
            let dashboard = shop.stripe.event("charge.refunded", object: charge)
            #expect(try await shop.deliver(dashboard).status == 200)
            #expect(try await shop.deliver(dashboard).status == 200)
            #expect(try await shop.deliver(event).status == 200)  // our own refund's event: nothing new
        }
        #expect(try shop.count("SELECT count(*) FROM refunds WHERE origin = 'provider' AND amount = 400") == 1)
        #expect(try await shop.request("payment.payment.get", ["payment_id": paymentID]).json["refunded_amount"] as? Int == 1000)
        #expect(try shop.facts("payment.payment.refunded", payment: paymentID) == 2)
        #expect(shop.stripe.intent(intent) != nil)
    }

    @Test("a dispute webhook is recorded with status, reason, amount and evidence deadline, and published once")
    func disputeFromWebhook() async throws {
        let shop = try await PaymentShop.start()
        defer { Task { await shop.shutdown() } }
        let (paymentID, intent) = try await paidIntent(shop, order: "ord-x")
        let due = Date(timeIntervalSince1970: 1_900_000_000)
        try await shop.serving {
            _ = try await shop.http("GET", "/api/payment/return/stripe?payment_id=\(paymentID)")
            let event = shop.stripe.openDispute(intent, reason: "fraudulent", evidenceDueBy: due)
            #expect(try await shop.deliver(event).status == 200)
            #expect(try await shop.deliver(event).status == 200)
            let list = try await shop.http("GET", "/api/payment/disputes?payment_id=\(paymentID)", principal: PaymentShop.staff)
            #expect(list.status == 200, "\(list.text)")
            let dispute = try #require((list.json["disputes"] as? [[String: Any]])?.first)
            #expect(dispute["status"] as? String == "needs_response")
            #expect(dispute["reason"] as? String == "fraudulent")
            #expect(dispute["amount"] as? Int == 2599)
            #expect(dispute["evidence_due_by"] as? String == "2030-03-17T17:46:40Z")
            #expect(dispute["order_id"] as? String == "ord-x")
            let anonymous = try await shop.http("GET", "/api/payment/disputes")
            #expect(anonymous.status == 401)
        }
        let facts = try shop.factPayloads("payment.dispute.opened", payment: paymentID)
        #expect(facts.count == 1)
        #expect(facts.first?["evidence_due_by"] as? String == "2030-03-17T17:46:40Z")
        #expect(facts.first?["reason"] as? String == "fraudulent")
    }

    @Test("cash on delivery: authorized at the order, captured once when staff mark the cash collected, refunded by hand")
    func cashOnDelivery() async throws {
        let shop = try await PaymentShop.start()
        defer { Task { await shop.shutdown() } }
        let started = try await shop.start(order: "ord-cod", amount: 4500, method: "cod")
        let paymentID = try #require(started["payment_id"] as? String)
        #expect(started["status"] as? String == "authorized")
        #expect(started["next_action"] is NSNull)
        #expect(try shop.facts("payment.payment.authorized", payment: paymentID) == 1)
        try await shop.serving {
            let refused = try await shop.http("POST", "/api/payment/payments/\(paymentID)/refunds", json: ["amount": 100, "idempotency_key": "early"],
                                              principal: PaymentShop.staff)
            #expect(refused.status == 409)
            let noPermission = try await shop.http("POST", "/api/payment/payments/\(paymentID)/capture", principal: "staff:u2:payment.payment.read")
            #expect(noPermission.status == 403)
            let capture = try await shop.http("POST", "/api/payment/payments/\(paymentID)/capture", principal: PaymentShop.staff)
            #expect(capture.status == 200, "\(capture.text)")
            #expect(capture.json["status"] as? String == "captured")
            let twice = try await shop.http("POST", "/api/payment/payments/\(paymentID)/capture", principal: PaymentShop.staff)
            #expect(twice.status == 200)
            let refund = try await shop.http("POST", "/api/payment/payments/\(paymentID)/refunds", json: ["amount": 500, "idempotency_key": "cod-r"],
                                             principal: PaymentShop.staff)
            #expect(refund.status == 201, "\(refund.text)")
            #expect(refund.json["status"] as? String == "succeeded")
            let list = try await shop.http("GET", "/api/payment/payments?order_id=ord-cod&status=partially_refunded", principal: PaymentShop.staff)
            #expect((list.json["payments"] as? [[String: Any]])?.map { $0["payment_id"] as? String } == [paymentID])
            let badFilter = try await shop.http("GET", "/api/payment/payments?status=paid", principal: PaymentShop.staff)
            #expect(badFilter.status == 400)
            #expect(badFilter.field == "status")
            let detail = try await shop.http("GET", "/api/payment/payments/\(paymentID)", principal: PaymentShop.staff)
            let keys = (detail.json["attempts"] as? [[String: Any]] ?? []).compactMap { $0["idempotency_key"] as? String }.sorted()
            let refundID = refund.json["refund_id"] as? String ?? ""
            #expect(keys == ["capture:\(paymentID)", "refund:\(refundID)", "start:\(paymentID)"].sorted())
            #expect((detail.json["refunds"] as? [[String: Any]])?.count == 1)
            let missing = try await shop.http("GET", "/api/payment/payments/0190a0b0-0000-7000-8000-00000000dead", principal: PaymentShop.staff)
            #expect(missing.status == 404)
        }
        #expect(try shop.facts("payment.payment.captured", payment: paymentID) == 1)
        #expect(try await shop.request("payment.payment.get", ["payment_id": paymentID]).json["status"] as? String == "partially_refunded")
    }

    @Test("bank transfer: offered once instructions are set; pending with a reference; staff confirm by reference; wrong amount refused")
    func bankTransfer() async throws {
        do {
            let unconfigured = try await PaymentShop.start(stripeConfigured: false)
            defer { Task { await unconfigured.shutdown() } }
            let methods = try #require(try await unconfigured.request("payment.method.list", [:]).json["methods"] as? [[String: Any]])
            let transfer = try #require(methods.first { $0["id"] as? String == "bank_transfer" })
            #expect(transfer["available"] as? Bool == false)
            #expect(transfer["reason"] as? String == "not configured: setting 'bank_transfer_instructions' is not set")
            let stripe = try #require(methods.first { $0["id"] as? String == "stripe" })
            #expect(stripe["reason"] as? String == "not configured: setting 'stripe_secret_key' is not set")
            let refused = try await unconfigured.request("payment.payment.start", ["order_id": "o", "amount": 100, "currency": "USD", "method": "bank_transfer", "idempotency_key": "k"])
            #expect(refused.message == "method: bank_transfer is not available: not configured: setting 'bank_transfer_instructions' is not set")
        }
        let shop = try await PaymentShop.start(settings: ["bank_transfer_instructions": "Shop Ltd, IBAN DE89 3704 0044 0532 0130 00"])
        defer { Task { await shop.shutdown() } }
        let started = try await shop.start(order: "ord-bt", amount: 12000, currency: "EUR", method: "bank_transfer")
        let paymentID = try #require(started["payment_id"] as? String)
        #expect(started["status"] as? String == "pending")
        let action = try #require(started["next_action"] as? [String: Any])
        #expect(action["type"] as? String == "bank_transfer")
        #expect(action["instructions"] as? String == "Shop Ltd, IBAN DE89 3704 0044 0532 0130 00")
        #expect(action["amount"] as? Int == 12000)
        let reference = try #require(action["reference"] as? String)
        #expect(reference.hasPrefix("PAY-") && reference.count == 14)
        try await shop.serving {
            let typed = reference.lowercased().replacingOccurrences(of: "-", with: "- ")
            let short = try await shop.http("POST", "/api/payment/bank-transfers/confirm", json: ["reference": typed, "amount": 11000], principal: PaymentShop.staff)
            #expect(short.status == 422, "\(short.text)")
            #expect(short.field == "amount")
            let unknown = try await shop.http("POST", "/api/payment/bank-transfers/confirm", json: ["reference": "PAY-NOTHING"], principal: PaymentShop.staff)
            #expect(unknown.status == 404)
            #expect(unknown.field == "reference")
            let ok = try await shop.http("POST", "/api/payment/bank-transfers/confirm", json: ["reference": reference.lowercased(), "amount": 12000], principal: PaymentShop.staff)
            #expect(ok.status == 200, "\(ok.text)")
            #expect(ok.json["status"] as? String == "captured")
            #expect((ok.json["bank_transfer"] as? [String: Any])?["confirmed_by"] as? String == "clerk-1")
            let again = try await shop.http("POST", "/api/payment/bank-transfers/confirm", json: ["reference": reference], principal: PaymentShop.staff)
            #expect(again.status == 200)
        }
        #expect(try shop.facts("payment.payment.captured", payment: paymentID) == 1)
        #expect(try shop.facts("payment.payment.authorized", payment: paymentID) == 0)
    }

    @Test("payment.method.enabled: activation announces a newly configured method once; re-activation and a restart announce nothing; switched off and on again, it is announced again")
    func methodEnabledAnnouncedOnce() async throws {
        // Stripe configured: one fact for stripe. Cash on delivery and gift cards are offered
        // too but never announced; bank transfer has no instructions, so it is not offered.
        let shop = try await PaymentShop.start()
        let database = shop.module.target.database
        #expect(try shop.methodEnabledFacts() == ["stripe"])
        try shop.module.host.deactivate("payment")
        try shop.module.host.activate("payment")
        #expect(try shop.methodEnabledFacts() == ["stripe"], "re-activation with the same settings announces nothing")
        #expect(try shop.count("SELECT count(*) FROM announced_methods WHERE method = 'stripe'") == 1)
        await shop.shutdown()

        // A restart on the same data with the same settings: nothing new.
        let restarted = try await PaymentShop.start(database: database)
        #expect(try restarted.methodEnabledFacts() == ["stripe"])
        await restarted.shutdown()

        // Stripe switched off, bank transfer instructions set: bank_transfer is announced and
        // stripe leaves the announced set.
        let switched = try await PaymentShop.start(settings: ["disabled_methods": "stripe", "bank_transfer_instructions": "Shop Ltd, IBAN DE89 3704 0044 0532 0130 00"],
                                                   database: database)
        #expect(try switched.methodEnabledFacts() == ["stripe", "bank_transfer"])
        #expect(try switched.count("SELECT count(*) FROM announced_methods WHERE method = 'stripe'") == 0)
        await switched.shutdown()

        // Stripe on again (and the instructions gone): stripe is announced a second time.
        let again = try await PaymentShop.start(database: database)
        defer { Task { await again.shutdown() } }
        #expect(try again.methodEnabledFacts() == ["stripe", "bank_transfer", "stripe"])
        #expect(try again.count("SELECT count(*) FROM announced_methods") == 1)
    }

    @Test("gift cards: staff issue one; paying debits it under its lock; a larger amount is refused and the balance kept; a refund credits it")
    func giftCards() async throws {
        let shop = try await PaymentShop.start()
        defer { Task { await shop.shutdown() } }
        let issuedCode = Box("")
        try await shop.serving {
            let issued = try await shop.http("POST", "/api/payment/gift-cards", json: ["amount": 5000, "currency": "USD", "note": "birthday"], principal: PaymentShop.staff)
            #expect(issued.status == 201, "\(issued.text)")
            issuedCode.value = issued.json["code"] as? String ?? ""
            #expect(issuedCode.value.count == 19)
            let duplicate = try await shop.http("POST", "/api/payment/gift-cards", json: ["amount": 100, "currency": "USD", "code": issuedCode.value], principal: PaymentShop.staff)
            #expect(duplicate.status == 409)
            #expect(duplicate.field == "code")
            let bad = try await shop.http("POST", "/api/payment/gift-cards", json: ["amount": -5, "currency": "USD"], principal: PaymentShop.staff)
            #expect(bad.status == 400)
            #expect(bad.field == "amount")
        }
        let code = issuedCode.value
        // The cart asks for adjustments: the gift card among its codes, with its whole balance.
        let cart: [String: Any] = ["cart_id": "0190a0b0-0000-7000-8000-000000000001", "currency": "USD", "lines": [], "subtotal": 9000,
                                   "codes": ["SAVE10", code.lowercased(), "NOPE-NOPE-NOPE"]]
        let collected = try await shop.hook("cart.adjustments.collect", cart)
        #expect(collected.status == 0, "\(collected.message)")
        let adjustments = try #require(collected.replies.first?["adjustments"] as? [[String: Any]])
        #expect(adjustments.count == 1)
        #expect(adjustments.first?["kind"] as? String == "gift_card")
        #expect(adjustments.first?["code"] as? String == code.lowercased())
        #expect(adjustments.first?["amount"] as? Int == 5000)
        #expect(adjustments.first?["label"] as? String == "Gift card ••••\(code.suffix(4))")
        var euros = cart
        euros["currency"] = "EUR"
        #expect((try await shop.hook("cart.adjustments.collect", euros).replies.first?["adjustments"] as? [[String: Any]])?.isEmpty == true)
        let paid = try await shop.start(order: "ord-g1", amount: 3000, method: "gift_card", extra: ["gift_card_code": code.lowercased()])
        #expect(paid["status"] as? String == "captured")
        let paymentID = try #require(paid["payment_id"] as? String)
        #expect(try shop.facts("payment.payment.captured", payment: paymentID) == 1)

        let short = try await shop.request("payment.payment.start", ["order_id": "ord-g2", "amount": 2500, "currency": "USD", "method": "gift_card",
                                                                "idempotency_key": "g2", "gift_card_code": code])
        #expect(short.status != 0)
        #expect(short.message == "gift_card_code: the gift card's balance 2000 is less than the amount 2500 USD", "\(short.message)")
        let otherCurrency = try await shop.request("payment.payment.start", ["order_id": "ord-g3", "amount": 100, "currency": "EUR", "method": "gift_card",
                                                                        "idempotency_key": "g3", "gift_card_code": code])
        #expect(otherCurrency.message.contains("this gift card is in USD"), "\(otherCurrency.message)")
        let missing = try await shop.request("payment.payment.start", ["order_id": "ord-g4", "amount": 100, "currency": "USD", "method": "gift_card", "idempotency_key": "g4"])
        #expect(missing.message == "gift_card_code: is required to pay with a gift card")
        #expect(try shop.count("SELECT count(*) FROM payments") == 1)

        let refund = try await shop.request("payment.refund.create", ["payment_id": paymentID, "amount": 1000, "idempotency_key": "g-r"])
        #expect(refund.json["status"] as? String == "succeeded", "\(refund.message)")
        try await shop.serving {
            let card = try await shop.http("GET", "/api/payment/gift-cards/\(code)", principal: PaymentShop.staff)
            #expect(card.status == 200, "\(card.text)")
            #expect(card.json["balance"] as? Int == 3000)
            let ledger = try #require(card.json["ledger"] as? [[String: Any]])
            #expect(ledger.map { $0["kind"] as? String } == ["issue", "redeem", "refund"])
            #expect(ledger.map { $0["amount"] as? Int } == [5000, -3000, 1000])
            #expect(ledger.map { $0["balance_after"] as? Int } == [5000, 2000, 3000])
        }

        // Ten payments of 1000 racing on the 3000 left: three go through.
        let results = try await withThrowingTaskGroup(of: Int32.self) { group in
            for i in 0..<10 {
                group.addTask {
                    try await shop.request("payment.payment.start", ["order_id": "race-\(i)", "amount": 1000, "currency": "USD", "method": "gift_card",
                                                               "idempotency_key": "gift-race-\(i)", "gift_card_code": code]).status
                }
            }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(results.filter { $0 == 0 }.count == 3)
        #expect(try shop.count("SELECT balance FROM gift_cards") == 0)
        // Spent: the cart no longer gets it.
        #expect((try await shop.hook("cart.adjustments.collect", cart).replies.first?["adjustments"] as? [[String: Any]])?.isEmpty == true)
    }

    @Test("wallet: listed as unavailable and refused with 'Wallet module is not active' while no module answers; nothing is created")
    func walletRefused() async throws {
        let shop = try await PaymentShop.start()
        defer { Task { await shop.shutdown() } }
        let methods = try #require(try await shop.request("payment.method.list", [:]).json["methods"] as? [[String: Any]])
        #expect(methods.map { $0["id"] as? String } == ["stripe", "cod", "bank_transfer", "paypal", "paddle", "sslcommerz", "bkash", "nagad", "gift_card", "wallet"],
                "the ten methods of the issue")
        // A gateway without its credentials is listed, not offered, naming the setting the operator sets.
        for (id, setting) in [("paypal", "paypal_client_id"), ("paddle", "paddle_api_key"), ("sslcommerz", "sslcommerz_store_id"),
                              ("bkash", "bkash_app_key"), ("nagad", "nagad_merchant_id")] {
            let method = try #require(methods.first { $0["id"] as? String == id })
            #expect(method["available"] as? Bool == false)
            #expect((method["reason"] as? String ?? "").contains(setting), "\(id): \(method)")
        }
        let wallet = try #require(methods.first { $0["id"] as? String == "wallet" })
        #expect(wallet["available"] as? Bool == false)
        #expect(wallet["reason"] as? String == "Wallet module is not active")
        #expect(methods.first { $0["id"] as? String == "stripe" }?["available"] as? Bool == true)
        #expect(methods.first { $0["id"] as? String == "cod" }?["name"] as? String == "Cash on delivery")
        let refused = try await shop.request("payment.payment.start", ["order_id": "ord-wl", "amount": 100, "currency": "USD", "method": "wallet",
                                                                  "idempotency_key": "wl", "customer": ["id": "cus-1"]])
        #expect(refused.status != 0)
        #expect(refused.message == "method: wallet is not available: Wallet module is not active")
        #expect(try shop.count("SELECT count(*) FROM payments") == 0)
        try await shop.serving {
            let list = try await shop.http("GET", "/api/payment/methods")
            #expect(list.status == 200)
            #expect((list.json["methods"] as? [[String: Any]])?.count == 10)
        }
    }

    @Test("a Stripe outage: the start and a refund answer 'try again' and stay pending; the same keys then finish them, one intent and one refund at Stripe")
    func providerOutage() async throws {
        let shop = try await PaymentShop.start()
        defer { Task { await shop.shutdown() } }
        shop.stripe.setOutage(true)
        let down = try await shop.request("payment.payment.start", ["order_id": "ord-o", "amount": 2599, "currency": "USD", "method": "stripe", "idempotency_key": "out-1"])
        #expect(down.status == -4, "\(down.message)")  // EOP_ERR_TIMEOUT
        #expect(down.message.contains("call again with the same idempotency_key"), "\(down.message)")
        #expect(try shop.count("SELECT count(*) FROM payments WHERE status = 'pending' AND provider_ref IS NULL") == 1)
        #expect(try shop.count("SELECT count(*) FROM attempts WHERE action = 'start' AND status = 'error'") == 1)
        shop.stripe.setOutage(false)
        let up = try await shop.start(order: "ord-o", key: "out-1")
        #expect(up["status"] as? String == "pending")
        #expect((up["next_action"] as? [String: Any])?["client_secret"] != nil)
        let paymentID = try #require(up["payment_id"] as? String)
        #expect(shop.stripe.intentCount == 1)
        #expect(try shop.count("SELECT tries FROM attempts WHERE action = 'start'") == 2)
        #expect(Set(shop.stripe.requests(path: "/v1/payment_intents", method: "POST").map(\.idempotencyKey)) == ["start:\(paymentID)"])

        let intent = try #require(try await shop.request("payment.payment.get", ["payment_id": paymentID]).json["provider_ref"] as? String)
        shop.stripe.customerPays(intent)
        try await shop.serving { _ = try await shop.http("GET", "/api/payment/return/stripe?payment_id=\(paymentID)") }
        shop.stripe.setOutage(true)
        let refundDown = try await shop.request("payment.refund.create", ["payment_id": paymentID, "amount": 500, "idempotency_key": "out-r"])
        #expect(refundDown.status == -4, "\(refundDown.message)")
        // Reserved meanwhile: only 2099 is left to refund.
        let over = try await shop.request("payment.refund.create", ["payment_id": paymentID, "amount": 2100, "idempotency_key": "out-r2"])
        #expect(over.message.contains("2099"), "\(over.message)")
        shop.stripe.setOutage(false)
        let refundUp = try await shop.request("payment.refund.create", ["payment_id": paymentID, "amount": 500, "idempotency_key": "out-r"])
        #expect(refundUp.json["status"] as? String == "succeeded", "\(refundUp.message)")
        #expect(shop.stripe.refunded(intent) == 500)
        #expect(try shop.facts("payment.payment.refunded", payment: paymentID) == 1)
        #expect(try shop.count("SELECT count(*) FROM refunds") == 1)
    }

    @Test("a declined card: the webhook fails the payment once and the return sends the customer back with status failed")
    func declinedCard() async throws {
        let shop = try await PaymentShop.start()
        defer { Task { await shop.shutdown() } }
        let started = try await shop.start(order: "ord-f")
        let paymentID = try #require(started["payment_id"] as? String)
        let intent = try #require(try await shop.request("payment.payment.get", ["payment_id": paymentID]).json["provider_ref"] as? String)
        shop.stripe.customerPays(intent, paymentMethod: "pm_card_chargeDeclined")
        let failed = Box(try #require(shop.takeEvent("payment_intent.payment_failed", intent: intent)))
        try await shop.serving {
            #expect(try await shop.deliver(failed.value).status == 200)
            let back = try await shop.http("GET", "/api/payment/return/stripe?payment_id=\(paymentID)")
            #expect(back.header("location") == "/checkout/complete?payment_id=\(paymentID)&status=failed")
            // A provider that posts the customer back (SSLCommerz) reaches the same route.
            let posted = try await shop.http("POST", "/api/payment/return/stripe?payment_id=\(paymentID)", body: Array("redirect_status=failed&x=1".utf8),
                                             headers: [("content-type", "application/x-www-form-urlencoded")])
            #expect(posted.status == 303)
            #expect(posted.header("location") == "/checkout/complete?payment_id=\(paymentID)&status=failed")
            let bogus = try await shop.http("GET", "/api/payment/return/stripe?payment_id=not-a-payment")
            #expect(bogus.status == 404)
        }
        let facts = try shop.factPayloads("payment.payment.failed", payment: paymentID)
        #expect(facts.count == 1)
        #expect((facts.first?["reason"] as? String)?.contains("Your card was declined.") == true)
        #expect(shop.stripe.captureCalls(intent) == 0)
    }
}
