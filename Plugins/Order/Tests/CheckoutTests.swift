import EOPPluginTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Checkout against real PostgreSQL over HTTP, with the Cart and Payment stand-ins.
@Suite("Order: checkout and idempotency", .serialized)
struct CheckoutTests {
    @Test("checkout copies the cart into one order with lines, first history rows and order.order.placed; a repeat with the key answers the same order")
    func checkoutCopiesAndReplays() async throws {
        let shop = try await OrderShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            try await api.putCart("guest:tok-1", OrderShop.cart("cart-1", lines: [("TEE-M", "Tea towel", 1250, 2, "variant"), ("MUG", "Mug", 900, 1, "variant")],
                                                                  coupon: 400, tax: 300, shipping: 500))
            let missing = try await api.call(.post, "/api/order/checkout", json: ["payment_method": "card"], cartToken: "tok-1")
            #expect(missing.status == 400 && missing.field == "Idempotency-Key", "\(missing.text)")
            let nobody = try await api.call(.post, "/api/order/checkout", json: ["payment_method": "card"], key: "k-0")
            #expect(nobody.status == 401, "\(nobody.text)")

            let first = try await api.call(.post, "/api/order/checkout", json: ["payment_method": "card", "return_url": "/checkout/return"], cartToken: "tok-1", key: "key-1")
            #expect(first.status == 201, "\(first.text)")
            let order = first.json
            let orderID = try #require(order["order_id"] as? String)
            #expect(order["number"] as? String == "1001")
            #expect(order["status"] as? String == "pending" && order["payment_status"] as? String == "unpaid")
            #expect(order["total"] as? Int == 1250 * 2 + 900 - 400 + 300 + 500 && order["currency"] as? String == "EUR")
            let payment = try #require(order["payment"] as? [String: Any])
            let paymentID = try #require(payment["payment_id"] as? String)
            #expect((payment["next_action"] as? [String: Any])?["url"] as? String == "https://pay.fixture.test/\(paymentID)")
            #expect(first.header("idempotent-replayed") == nil)

            let again = try await api.call(.post, "/api/order/checkout", json: ["payment_method": "card", "return_url": "/checkout/return"], cartToken: "tok-1", key: "key-1")
            #expect(again.status == 201 && again.header("idempotent-replayed") == "true", "\(again.text)")
            #expect(again.json["order_id"] as? String == orderID && again.json["number"] as? String == "1001")
            #expect((again.json["payment"] as? [String: Any])?["payment_id"] as? String == paymentID)

            // The same key for another request is refused naming the key.
            let otherOwner = try await api.call(.post, "/api/order/checkout", json: ["payment_method": "card", "return_url": "/checkout/return"],
                                                principal: "customer:c9:", key: "key-1")
            #expect(otherOwner.status == 422 && otherOwner.field == "Idempotency-Key" && otherOwner.detail.contains("'key-1'"), "\(otherOwner.text)")
            let otherMethod = try await api.call(.post, "/api/order/checkout", json: ["payment_method": "cod", "return_url": "/checkout/return"], cartToken: "tok-1", key: "key-1")
            #expect(otherMethod.status == 422 && otherMethod.field == "Idempotency-Key", "\(otherMethod.text)")
            let otherVersion = try await api.call(.post, "/api/order/checkout", json: ["payment_method": "card", "return_url": "/checkout/return", "cart_version": 7],
                                                  cartToken: "tok-1", key: "key-1")
            #expect(otherVersion.status == 422 && otherVersion.detail.contains("version 1 of the cart"), "\(otherVersion.text)")

            // Cart changing afterwards does not touch the order's copies.
            try await api.putCart("guest:tok-1", OrderShop.cart("cart-1", lines: [("TEE-M", "Renamed towel", 9999, 1, "variant")]))
            let staffView = try await api.staff(.get, "/api/order/orders/\(orderID)")
            #expect(staffView.status == 200, "\(staffView.text)")
            let lines = try #require(staffView.json["lines"] as? [[String: Any]])
            #expect(lines.map { "\($0["sku"]!) \($0["name"]!) \($0["unit_price"]!)x\($0["quantity"]!)" } == ["TEE-M Tea towel 1250x2", "MUG Mug 900x1"])
            #expect(staffView.json["discount"] as? Int == 400 && staffView.json["tax"] as? Int == 300 && staffView.json["shipping"] as? Int == 500)
            #expect((staffView.json["shipping_address"] as? [String: Any])?["city"] as? String == "Dhaka")
            #expect((staffView.json["customer"] as? [String: Any])?["email"] as? String == "ann@example.test")
            let history = try #require(staffView.json["history"] as? [[String: Any]])
            #expect(history.map { "\($0["machine"]!):\($0["from"] is NSNull ? "-" : $0["from"]!)→\($0["to"]!)" } == ["order:-→pending", "payment:-→unpaid", "fulfillment:-→unfulfilled"])

            #expect(try await api.stats("payment-fixture")["payments"] as? Int == 1)
        }
        #expect(try shop.count("SELECT count(*) FROM \"order\".orders") == 1)
        #expect(try shop.count("SELECT count(*) FROM \"order\".order_lines") == 2)
        #expect(try shop.strings("SELECT guest_token_hash FROM \"order\".orders").first?.count == 64, "the guest's token is kept only as its hash")
        shop.settle()
        let placed = try shop.facts("order.order.placed")
        #expect(placed.count == 1)
        #expect(placed.first?["cart_id"] as? String == "cart-1" && placed.first?["number"] as? String == "1001")
        #expect((placed.first?["items"] as? [[String: Any]])?.count == 2)
        #expect(placed.first?["customer_email"] as? String == "ann@example.test")
        try await shop.http { api in
            let seen = try await api.stats("cart-fixture")["placed"] as? [[String: Any]]
            #expect(seen?.map { $0["cart_id"] as? String } == ["cart-1"], "Cart received order.order.placed with the cart id")
        }
    }

    @Test("100 concurrent checkouts with one idempotency key make one order, one call to Cart and one payment")
    func concurrentCheckoutsMakeOneOrder() async throws {
        let shop = try await OrderShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            // Cart answers slowly, so the 100 requests overlap the first one's transaction.
            try await api.putCart("guest:race", OrderShop.cart("cart-race", lines: [("TEE-M", "Tea towel", 1250, 1, "variant")], delayMS: 150))
            let port = try #require(api.client.port)
            let replies = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60))) { client in
                            var headers: HTTPFields = [.contentType: "application/json", .cookie: "sf_cart=race"]
                            headers[HTTPField.Name("Idempotency-Key")!] = "one-key"
                            let r = try await client.execute(.init("/api/order/checkout", method: .post, headers: headers,
                                                                   body: ByteBuffer(string: #"{"payment_method":"card"}"#)))
                            let body = r.body ?? ByteBuffer()
                            let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any]
                            return (Int(r.status.code), json?["order_id"] as? String ?? String(buffer: body))
                        }
                    }
                }
                var all: [(Int, String?)] = []
                for try await reply in group { all.append(reply) }
                return all
            }
            #expect(replies.count == 100)
            #expect(replies.allSatisfy { $0.0 == 201 }, "\(Set(replies.map { "\($0.0) \($0.1 ?? "")" }))")
            #expect(Set(replies.compactMap(\.1)).count == 1, "every answer names the same order")
            #expect(try await api.stats("cart-fixture")["prepare_calls"] as? Int == 1, "only the first request reached Cart")
            #expect(try await api.stats("payment-fixture")["payments"] as? Int == 1, "one payment at Payment")
        }
        #expect(try shop.count("SELECT count(*) FROM \"order\".orders") == 1)
        #expect(try shop.count("SELECT count(*) FROM \"order\".checkout_keys") == 1)
        shop.settle()
        #expect(try shop.facts("order.order.placed").count == 1)
    }

    @Test("a price changed since it was shown is a 409 listing the change, stored under the key; a new key places the order at the new price")
    func priceChangeShownNotCharged() async throws {
        let shop = try await OrderShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            try await api.putCart("guest:tok-p", OrderShop.cart("cart-p", lines: [("TEE-M", "Tea towel", 1000, 2, "variant")]))
            _ = try await api.call(.post, "/api/cart-fixture/carts/guest:tok-p/reprice", json: ["sku": "TEE-M", "price": 1200])
            let refused = try await api.call(.post, "/api/order/checkout", json: ["payment_method": "card"], cartToken: "tok-p", key: "kp-1")
            #expect(refused.status == 409, "\(refused.text)")
            #expect(refused.detail.contains("prices changed: TEE-M 1000 → 1200"), "\(refused.text)")
            let changes = try #require(refused.json["price_changes"] as? [[String: Any]])
            #expect(changes.first?["sku"] as? String == "TEE-M" && changes.first?["old"] as? Int == 1000 && changes.first?["new"] as? Int == 1200)
            #expect(try shop.count("SELECT count(*) FROM \"order\".orders") == 0)

            // The key's outcome is that refusal: repeating it never charges the new price unseen.
            let repeated = try await api.call(.post, "/api/order/checkout", json: ["payment_method": "card"], cartToken: "tok-p", key: "kp-1")
            #expect(repeated.status == 409 && repeated.json["replayed"] as? Bool == true, "\(repeated.text)")
            #expect(try shop.count("SELECT count(*) FROM \"order\".orders") == 0)

            let confirmed = try await api.call(.post, "/api/order/checkout", json: ["payment_method": "card"], cartToken: "tok-p", key: "kp-2")
            #expect(confirmed.status == 201, "\(confirmed.text)")
            #expect(confirmed.json["total"] as? Int == 2400)
        }
    }

    @Test("without Payment the order is kept pending and unpaid and the answer is a 503 naming Payment; without Cart nothing is placed and the key stays free")
    func missingModules() async throws {
        let noPayment = try await OrderShop(payment: false)
        try await noPayment.http { api in
            try await api.putCart("guest:tok-n", OrderShop.cart("cart-n", lines: [("MUG", "Mug", 900, 1, "variant")]))
            let r = try await api.call(.post, "/api/order/checkout", json: ["payment_method": "card"], cartToken: "tok-n", key: "kn-1")
            #expect(r.status == 503, "\(r.text)")
            #expect(r.detail.contains("Payment is not active") && r.json["missing"] as? String == "payment", "\(r.text)")
            let kept = try #require(r.json["order"] as? [String: Any])
            let id = try #require(kept["order_id"] as? String)
            #expect(kept["status"] as? String == "pending" && kept["payment_status"] as? String == "unpaid")
            let retry = try await api.call(.post, "/api/order/orders/\(id)/pay", json: [:], cartToken: "tok-n")
            #expect(retry.status == 503 && retry.detail.contains("Payment is not active"), "\(retry.text)")
            let stranger = try await api.call(.post, "/api/order/orders/\(id)/pay", json: [:], cartToken: "someone-else")
            #expect(stranger.status == 404, "\(stranger.text)")

            // The command answers the kept order with payment_error.
            let command = try noPayment.ask("order.checkout.place", ["cart_token": "tok-n", "idempotency_key": "kn-2", "payment_method": "card"])
            #expect(command.status == 0, "\(command.message)")
            #expect(command.json["payment"] is NSNull)
            #expect((command.json["payment_error"] as? [String: Any])?["status"] as? Int == 503)
        }
        #expect(try noPayment.count("SELECT count(*) FROM \"order\".orders WHERE status = 'pending' AND payment_status = 'unpaid'") == 2)
        noPayment.shutdown()

        let noCart = try await OrderShop(cart: false)
        defer { noCart.shutdown() }
        try await noCart.http { api in
            let r = try await api.call(.post, "/api/order/checkout", json: ["payment_method": "card"], cartToken: "tok-c", key: "kc-1")
            #expect(r.status == 503 && r.detail.contains("Cart is not active"), "\(r.text)")
        }
        #expect(try noCart.count("SELECT count(*) FROM \"order\".orders") == 0)
        #expect(try noCart.count("SELECT count(*) FROM \"order\".checkout_keys") == 0, "a failed first attempt leaves the key free")
    }

    @Test("order.checkout.place, order.checkout.quote and order.customer.orders answer as Storefront and other modules ask them")
    func commandAndQueries() async throws {
        let shop = try await OrderShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            try await api.putCart("customer:c1", OrderShop.cart("cart-c1", lines: [("TEE-M", "Tea towel", 1250, 2, "variant")], coupon: 250, tax: 100, shipping: 400))
        }
        let quote = try shop.ask("order.checkout.quote", ["customer_id": "c1"])
        #expect(quote.status == 0, "\(quote.message)")
        #expect(quote.json["total"] as? Int == 2500 - 250 + 100 + 400 && quote.json["discount"] as? Int == 250 && quote.json["items_count"] as? Int == 2)

        let placed = try shop.ask("order.checkout.place", ["customer_id": "c1", "idempotency_key": "cmd-1", "payment_method": "card"])
        #expect(placed.status == 0, "\(placed.message)")
        let placedID = try #require(placed.json["order_id"] as? String)
        #expect(placed.json["number"] as? String == "1001" && placed.json["replayed"] as? Bool == false)
        let again = try shop.ask("order.checkout.place", ["customer_id": "c1", "idempotency_key": "cmd-1", "payment_method": "card"])
        #expect(again.json["order_id"] as? String == placed.json["order_id"] as? String && again.json["replayed"] as? Bool == true)
        let noKey = try shop.ask("order.checkout.place", ["customer_id": "c1", "payment_method": "card"])
        #expect(noKey.status != 0 && noKey.message.contains("idempotency_key"), "\(noKey.message)")

        let mine = try shop.ask("order.customer.orders", ["customer_id": "c1"])
        let orders = try #require(mine.json["orders"] as? [[String: Any]])
        #expect(orders.count == 1 && orders.first?["number"] as? String == "1001" && orders.first?["total"] as? Int == 2750)
        #expect(orders.first?["placed_at"] as? String != nil && orders.first?["status"] as? String == "pending")
        #expect((try shop.ask("order.customer.orders", ["customer_id": "c2"]).json["orders"] as? [Any])?.isEmpty == true)

        // order.order.get: the owner's order by number or by its payment; another owner's is not found.
        let byNumber = try shop.ask("order.order.get", ["customer_id": "c1", "number": "1001"])
        #expect(byNumber.status == 0 && byNumber.json["id"] as? String == placedID && byNumber.json["total"] as? Int == 2750, "\(byNumber.message)")
        #expect((byNumber.json["lines"] as? [Any])?.count == 1 && byNumber.json["history"] == nil)
        let paymentID = try #require((placed.json["payment"] as? [String: Any])?["payment_id"] as? String, "\(placed.json)")
        #expect(try shop.ask("order.order.get", ["customer_id": "c1", "payment_id": paymentID]).json["number"] as? String == "1001")
        let foreign = try shop.ask("order.order.get", ["customer_id": "c2", "number": "1001"])
        #expect(foreign.status != 0 && foreign.message == "not found: order does not exist", "\(foreign.message)")
        let unnamed = try shop.ask("order.order.get", ["customer_id": "c1"])
        #expect(unnamed.status != 0 && unnamed.message.hasPrefix("number: "), "\(unnamed.message)")

        try await shop.http { api in
            let own = try await api.call(.get, "/api/order/my/orders", principal: "customer:c1:")
            #expect((own.json["orders"] as? [[String: Any]])?.count == 1, "\(own.text)")
            let id = placedID
            let other = try await api.call(.get, "/api/order/my/orders/\(id)", principal: "customer:c2:")
            #expect(other.status == 404, "another customer's order is not found: \(other.text)")
            let mineOne = try await api.call(.get, "/api/order/my/orders/\(id)", principal: "customer:c1:")
            #expect(mineOne.status == 200 && mineOne.json["history"] == nil, "\(mineOne.text)")
            let unauthorized = try await api.call(.get, "/api/order/orders", principal: "staff:s2:catalog.product.read")
            #expect(unauthorized.status == 403, "\(unauthorized.text)")
            let list = try await api.staff(.get, "/api/order/orders?payment_status=unpaid")
            #expect((list.json["orders"] as? [[String: Any]])?.count == 1, "\(list.text)")
            let badFilter = try await api.staff(.get, "/api/order/orders?status=lost")
            #expect(badFilter.status == 400 && badFilter.field == "status", "\(badFilter.text)")
        }
    }
}
