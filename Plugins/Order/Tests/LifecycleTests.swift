import EOPPluginTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The three state machines: payment facts, cash on delivery, fulfilments, completion, cancellation.
@Suite("Order: payment, order and fulfilment states", .serialized)
struct LifecycleTests {
    static func transitions(_ order: [String: Any], _ machine: String) -> [String] {
        (order["history"] as? [[String: Any]] ?? []).filter { $0["machine"] as? String == machine }.compactMap { h in
            h["from"] is NSNull ? nil : "\(h["from"]!)→\(h["to"]!)"
        }
    }

    @Test("Payment's facts move the payment state once each: authorized confirms, a repeated capture counts once, full capture publishes order.order.paid and issues the invoice")
    func paymentFactsAreIdempotent() async throws {
        let shop = try await OrderShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            try await api.putCart("guest:t1", OrderShop.cart("cart-1", lines: [("TEE-M", "Tea towel", 1500, 2, "variant")], shipping: 500))
            let order = try await api.checkout(token: "t1", method: "card")
            let id = try #require(order["order_id"] as? String)
            let paymentID = try #require((order["payment"] as? [String: Any])?["payment_id"] as? String)

            try await api.paymentFact(paymentID, "authorized")
            try await api.paymentFact(paymentID, "authorized")
            shop.settle()
            var view = try await api.staff(.get, "/api/order/orders/\(id)").json
            #expect(view["status"] as? String == "confirmed" && view["payment_status"] as? String == "authorized", "\(view)")

            try await api.paymentFact(paymentID, "captured")
            try await api.paymentFact(paymentID, "captured")
            shop.settle()
            view = try await api.staff(.get, "/api/order/orders/\(id)").json
            #expect(view["payment_status"] as? String == "paid" && view["amount_paid"] as? Int == 3500, "a repeated capture is counted once: \(view)")
            #expect(Self.transitions(view, "payment") == ["unpaid→authorized", "authorized→paid"])
            #expect(Self.transitions(view, "order") == ["pending→confirmed"])
            #expect((view["invoice"] as? [String: Any])?["number"] as? String == "INV-000001", "invoice issued when paid: \(view)")
            #expect((view["payments"] as? [[String: Any]])?.first?["status"] as? String == "captured")

            // A forbidden transition is refused naming from and to.
            let refunding = try await api.staff(.post, "/api/order/orders/\(id)/complete")
            #expect(refunding.status == 409 && refunding.field == "fulfillment_status", "not delivered yet: \(refunding.text)")
        }
        #expect(try shop.facts("order.order.paid").count == 1)
        #expect(try shop.facts("order.order.confirmed").count == 1)
        #expect(try shop.facts("order.invoice.issued").first?["invoice_number"] as? String == "INV-000001")
        #expect(try shop.count("SELECT count(*) FROM eop.dead_letters") == 0)
        // The database refuses a forbidden change too, whoever writes it.
        let db = try shop.host.connect()
        defer { db.close() }
        #expect(throws: (any Error).self) { try db.execute("UPDATE \"order\".orders SET payment_status = 'unpaid'") }
        #expect(try shop.count("SELECT count(*) FROM \"order\".orders WHERE payment_status = 'paid'") == 1)
    }

    @Test("a forbidden transition is refused naming from and to; a fact that would make one is dead-lettered with that reason")
    func forbiddenTransitions() async throws {
        let shop = try await OrderShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            try await api.putCart("guest:t2", OrderShop.cart("cart-2", lines: [("MUG", "Mug", 900, 1, "variant")]))
            let order = try await api.checkout(token: "t2", method: "card")
            let id = try #require(order["order_id"] as? String)
            let paymentID = try #require((order["payment"] as? [String: Any])?["payment_id"] as? String)
            let complete = try await api.staff(.post, "/api/order/orders/\(id)/complete")
            #expect(complete.status == 409 && complete.field == "payment_status", "\(complete.text)")
            let cancel = try await api.staff(.post, "/api/order/orders/\(id)/cancel", json: ["reason": "customer asked"])
            #expect(cancel.status == 200 && cancel.json["status"] as? String == "canceled", "\(cancel.text)")
            let twice = try await api.staff(.post, "/api/order/orders/\(id)/cancel", json: [:])
            #expect(twice.status == 409 && twice.field == "status" && twice.json["from"] as? String == "canceled", "\(twice.text)")
            let fulfil = try await api.staff(.post, "/api/order/orders/\(id)/fulfillments", json: [:])
            #expect(fulfil.status == 409 && fulfil.detail.contains("canceled"), "\(fulfil.text)")
            // A refund for an order that was never paid cannot move unpaid → refunded.
            let r = try await api.call(.post, "/api/payment-fixture/payments/\(paymentID)/authorized", json: [:])
            #expect(r.status == 200)
        }
        shop.settle()
        try shop.host.host.publish(topic: "payment.payment.refunded", payload: Data(#"{"payment_id":"pay_x","order_id":"\#(try shop.strings("SELECT id FROM \"order\".orders")[0])","amount":900,"currency":"EUR","method":"card","refund_id":"re_9"}"#.utf8), source: "payment-fixture")
        shop.settle()
        let reasons = try shop.strings("SELECT reason FROM eop.dead_letters")
        #expect(reasons.count == 1 && reasons[0].contains("cannot go from 'authorized' to 'refunded'"), "\(reasons)")
        #expect(try shop.facts("order.order.canceled").first?["reason"] as? String == "customer asked")
    }

    @Test("cash on delivery confirms the order unpaid; staff fulfil, ship (order.fulfillment.shipped with tracking), deliver; the collected cash pays it; then it completes")
    func cashOnDeliveryToCompletion() async throws {
        let shop = try await OrderShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            try await api.putCart("guest:cod", OrderShop.cart("cart-cod", lines: [("TEE-M", "Tea towel", 1500, 2, "variant"), ("MUG", "Mug", 900, 1, "variant")]))
            let order = try await api.checkout(token: "cod", method: "cod")
            #expect(order["status"] as? String == "confirmed" && order["payment_status"] as? String == "unpaid", "\(order)")
            #expect((order["payment"] as? [String: Any])?["next_action"] is NSNull)
            let id = try #require(order["order_id"] as? String)
            let paymentID = try #require((order["payment"] as? [String: Any])?["payment_id"] as? String)
            var view = try await api.staff(.get, "/api/order/orders/\(id)").json
            let lines = try #require(view["lines"] as? [[String: Any]])
            let tee = try #require(lines.first?["id"] as? String), mug = try #require(lines.last?["id"] as? String)

            let tooMany = try await api.staff(.post, "/api/order/orders/\(id)/fulfillments", json: ["items": [["line_id": tee, "quantity": 3]]])
            #expect(tooMany.status == 409 && tooMany.field == "items[0].quantity", "\(tooMany.text)")
            let first = try await api.staff(.post, "/api/order/orders/\(id)/fulfillments", json: ["items": [["line_id": tee, "quantity": 2]]])
            #expect(first.status == 201 && first.json["fulfillment_status"] as? String == "partially_fulfilled", "\(first.text)")
            let firstID = try #require(first.json["fulfillment_id"] as? String)
            let shipOne = try await api.staff(.post, "/api/order/fulfillments/\(firstID)/ship", json: ["carrier": "DHL", "tracking_number": "1Z999", "tracking_url": "https://track.example/1Z999"])
            #expect(shipOne.status == 200 && shipOne.json["fulfillment_status"] as? String == "partially_fulfilled", "\(shipOne.text)")
            let second = try await api.staff(.post, "/api/order/orders/\(id)/fulfillments", json: ["items": [["line_id": mug, "quantity": 1]]])
            #expect(second.json["fulfillment_status"] as? String == "fulfilled", "\(second.text)")
            let secondID = try #require(second.json["fulfillment_id"] as? String)
            let noTracking = try await api.staff(.post, "/api/order/fulfillments/\(secondID)/ship", json: ["carrier": "DHL"])
            #expect(noTracking.status == 400 && noTracking.field == "tracking_number", "\(noTracking.text)")
            let shipTwo = try await api.staff(.post, "/api/order/fulfillments/\(secondID)/ship", json: ["carrier": "DHL", "tracking_number": "1Z1000"])
            #expect(shipTwo.json["fulfillment_status"] as? String == "shipped", "\(shipTwo.text)")
            let early = try await api.staff(.post, "/api/order/orders/\(id)/complete")
            #expect(early.status == 409, "\(early.text)")
            _ = try await api.staff(.post, "/api/order/fulfillments/\(firstID)/deliver")
            let delivered = try await api.staff(.post, "/api/order/fulfillments/\(secondID)/deliver")
            #expect(delivered.json["fulfillment_status"] as? String == "delivered", "\(delivered.text)")

            try await api.paymentFact(paymentID, "captured")
            shop.settle()
            let complete = try await api.staff(.post, "/api/order/orders/\(id)/complete")
            #expect(complete.status == 200 && complete.json["status"] as? String == "completed", "\(complete.text)")
            view = complete.json
            #expect(Self.transitions(view, "fulfillment") == ["unfulfilled→partially_fulfilled", "partially_fulfilled→fulfilled", "fulfilled→shipped", "shipped→delivered"])
            #expect(Self.transitions(view, "order") == ["pending→confirmed", "confirmed→completed"])
            #expect(Self.transitions(view, "payment") == ["unpaid→paid"])
        }
        shop.settle()
        let shipped = try shop.facts("order.fulfillment.shipped")
        #expect(shipped.count == 2)
        #expect(shipped.first?["tracking_number"] as? String == "1Z999" && shipped.first?["carrier"] as? String == "DHL"
                && shipped.first?["tracking_url"] as? String == "https://track.example/1Z999" && shipped.first?["customer_email"] as? String == "ann@example.test")
        #expect(try shop.facts("order.fulfillment.delivered").count == 2)
        #expect(try shop.facts("order.order.completed").count == 1)
        #expect(try shop.facts("order.order.paid").count == 1)
    }

    @Test("an instant capture pays and confirms at checkout; an authorization confirms; a declined payment keeps the order unpaid and /pay starts a new attempt")
    func synchronousPaymentAnswers() async throws {
        let shop = try await OrderShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            for token in ["i1", "i2", "i3"] {
                try await api.putCart("guest:\(token)", OrderShop.cart("cart-\(token)", lines: [("MUG", "Mug", 900, 1, "variant")]))
            }
            let instant = try await api.checkout(token: "i1", method: "instant")
            #expect(instant["status"] as? String == "confirmed" && instant["payment_status"] as? String == "paid", "\(instant)")
            let auth = try await api.checkout(token: "i2", method: "instant_auth")
            #expect(auth["status"] as? String == "confirmed" && auth["payment_status"] as? String == "authorized", "\(auth)")
            let declined = try await api.checkout(token: "i3", method: "declined")
            #expect(declined["status"] as? String == "pending" && declined["payment_status"] as? String == "unpaid", "\(declined)")
            #expect((declined["payment"] as? [String: Any])?["status"] as? String == "failed")
            let id = try #require(declined["order_id"] as? String)
            let bad = try await api.call(.post, "/api/order/orders/\(id)/pay", json: ["payment_method": "bogus"], cartToken: "i3")
            #expect(bad.status == 422 && bad.field == "payment_method", "\(bad.text)")
            let retry = try await api.call(.post, "/api/order/orders/\(id)/pay", json: ["payment_method": "card"], cartToken: "i3")
            #expect(retry.status == 200, "\(retry.text)")
            #expect((retry.json["payment"] as? [String: Any])?["status"] as? String == "pending")
            let paid = try await api.call(.post, "/api/order/orders/\(instant["order_id"]!)/pay", json: [:], cartToken: "i1")
            #expect(paid.status == 409 && paid.field == "payment_status", "\(paid.text)")
            let keys = try #require(try await api.stats("payment-fixture")["keys"] as? [String])
            #expect(keys.filter { $0.hasPrefix("order:\(id):") }.sorted() == ["order:\(id):1", "order:\(id):3"], "attempt 2 (refused) made no payment: \(keys)")
        }
        #expect(try shop.facts("order.order.paid").count == 1)
    }
}
