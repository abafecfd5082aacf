import Crypto
import EOPPluginTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Invoices, returns with refunds through Payment, cancellation refunds and digital downloads.
@Suite("Order: invoices, returns, downloads", .serialized)
struct DocumentTests {
    @Test("invoice numbers have no gaps: concurrent issues take turns, a rolled-back issue returns its number; an issued invoice cannot change and prints as HTML")
    func invoicesWithoutGaps() async throws {
        let shop = try await OrderShop(settings: ["order": #"{"invoice_on_paid": false, "shop_name": "Dhaka Tea", "shop_address": "1 Tea Road"}"#])
        defer { shop.shutdown() }
        let ids = Box<[String]>([])
        try await shop.http { api in
            for i in 0..<6 {
                try await api.putCart("guest:v\(i)", OrderShop.cart("cart-v\(i)", lines: [("TEE-M", "Tea <towel>", 1250, 2, "variant")], coupon: 100, tax: 50, shipping: 300))
                ids.value.append(try #require(try await api.checkout(token: "v\(i)", method: "cod")["order_id"] as? String))
            }
        }
        let orders = ids.value
        // A transaction holds the next number and rolls back while an issue over HTTP waits for it.
        let held = Box(try shop.host.connect())
        defer { held.value.close() }
        _ = try held.value.execute("BEGIN")
        #expect(try held.value.execute("SELECT \"order\".next_invoice_number('default')").int64(row: 0, column: 0) == 1)
        try await shop.http { api in
            let waiting = Task { try await api.staff(.post, "/api/order/orders/\(orders[0])/invoices") }
            try await Task.sleep(for: .milliseconds(300))
            _ = try held.value.execute("ROLLBACK")
            let first = try await waiting.value
            #expect(first.status == 201 && first.json["number"] as? String == "INV-000001", "the rolled-back number is used: \(first.text)")
            let same = try await api.staff(.post, "/api/order/orders/\(orders[0])/invoices")
            #expect(same.status == 200 && same.json["number"] as? String == "INV-000001", "\(same.text)")

            let numbers = try await withThrowingTaskGroup(of: String.self) { group in
                for id in orders.dropFirst() {
                    group.addTask {
                        try await TestClient.withClient(host: "127.0.0.1", port: api.client.port!) { c in
                            var h: HTTPFields = [.contentType: "application/json"]
                            h[HTTPField.Name("x-test-principal")!] = OrderShop.staff
                            let r = try await c.execute(.init("/api/order/orders/\(id)/invoices", method: .post, headers: h))
                            return ((try? JSONSerialization.jsonObject(with: Data(buffer: r.body ?? ByteBuffer()))) as? [String: Any])?["number"] as? String ?? "\(r.status)"
                        }
                    }
                }
                var all: [String] = []
                for try await n in group { all.append(n) }
                return all
            }
            #expect(numbers.sorted() == (2...6).map { String(format: "INV-%06d", $0) }, "\(numbers)")

            let page = try await api.staff(.get, "/api/order/orders/\(orders[0])/invoice")
            #expect(page.status == 200 && page.header("content-type")?.hasPrefix("text/html") == true)
            #expect(page.text.contains("Invoice INV-000001") && page.text.contains("Dhaka Tea") && page.text.contains("Tea &lt;towel&gt;"), "\(page.text)")
            #expect(page.text.contains("€27.50") || page.text.contains("27.50"), "the total (2500 − 100 + 50 + 300) printed as money: \(page.text)")
            let none = try await api.staff(.get, "/api/order/orders/\(UUID().uuidString.lowercased())/invoice")
            #expect(none.status == 404)
            let mine = try await api.call(.get, "/api/order/my/orders/\(orders[0])/invoice", cartToken: "v0")
            #expect(mine.status == 200 && mine.text.contains("INV-000001"))
            let notMine = try await api.call(.get, "/api/order/my/orders/\(orders[0])/invoice", cartToken: "v1")
            #expect(notMine.status == 404)
        }
        #expect(throws: (any Error).self) { try held.value.execute("UPDATE \"order\".invoices SET number = 'INV-999999'") }
        #expect(throws: (any Error).self) { try held.value.execute("DELETE FROM \"order\".invoices") }
        #expect(throws: (any Error).self) { try held.value.execute("TRUNCATE \"order\".invoices CASCADE") }
        #expect(try shop.strings("SELECT number FROM \"order\".invoices ORDER BY sequence") == (1...6).map { String(format: "INV-%06d", $0) })
        shop.settle()
        #expect(try shop.facts("order.invoice.issued").count == 6)
    }

    @Test("a return goes requested → approved → received → refunded through Payment once per return; order.return.requested is published; the fulfilment state becomes returned")
    func returnsRefundThroughPayment() async throws {
        let shop = try await OrderShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            try await api.putCart("customer:c1", OrderShop.cart("cart-r", lines: [("TEE-M", "Tea towel", 1500, 2, "variant")], shipping: 500))
            let r = try await api.call(.post, "/api/order/checkout", json: ["payment_method": "instant"], principal: "customer:c1:", key: "kr")
            let id = try #require(r.json["order_id"] as? String, "\(r.text)")
            let line = try #require(((try await api.staff(.get, "/api/order/orders/\(id)").json["lines"]) as? [[String: Any]])?.first?["id"] as? String)
            let early = try await api.call(.post, "/api/order/my/orders/\(id)/returns", json: ["items": [["line_id": line, "quantity": 1]], "reason": "too small"], principal: "customer:c1:")
            #expect(early.status == 409 && early.field == "items[0].quantity", "nothing shipped yet: \(early.text)")
            let f = try await api.staff(.post, "/api/order/orders/\(id)/fulfillments", json: ["ship": true, "carrier": "DHL", "tracking_number": "T1"])
            #expect(f.json["fulfillment_status"] as? String == "shipped", "\(f.text)")

            let tooMany = try await api.call(.post, "/api/order/my/orders/\(id)/returns", json: ["items": [["line_id": line, "quantity": 3]], "reason": "too small"], principal: "customer:c1:")
            #expect(tooMany.status == 409 && tooMany.field == "items[0].quantity", "\(tooMany.text)")
            let noReason = try await api.call(.post, "/api/order/my/orders/\(id)/returns", json: ["items": [["line_id": line, "quantity": 1]]], principal: "customer:c1:")
            #expect(noReason.status == 400 && noReason.field == "reason", "\(noReason.text)")
            let stranger = try await api.call(.post, "/api/order/my/orders/\(id)/returns", json: ["items": [["line_id": line, "quantity": 1]], "reason": "x"], principal: "customer:c2:")
            #expect(stranger.status == 404)
            let requested = try await api.call(.post, "/api/order/my/orders/\(id)/returns", json: ["items": [["line_id": line, "quantity": 2]], "reason": "too small"], principal: "customer:c1:")
            #expect(requested.status == 201 && requested.json["status"] as? String == "requested", "\(requested.text)")
            let returnID = try #require(requested.json["id"] as? String)

            let refundEarly = try await api.staff(.post, "/api/order/returns/\(returnID)/refund")
            #expect(refundEarly.status == 409, "\(refundEarly.text)")
            let receiveEarly = try await api.staff(.post, "/api/order/returns/\(returnID)/receive")
            #expect(receiveEarly.status == 409 && receiveEarly.detail.contains("requested"), "\(receiveEarly.text)")
            #expect(try await api.staff(.post, "/api/order/returns/\(returnID)/approve").json["status"] as? String == "approved")
            #expect(try await api.staff(.post, "/api/order/returns/\(returnID)/receive").json["status"] as? String == "received")
            let refunded = try await api.staff(.post, "/api/order/returns/\(returnID)/refund")
            #expect(refunded.status == 200 && refunded.json["status"] as? String == "refunded" && refunded.json["refund_amount"] as? Int == 3000, "\(refunded.text)")
            let again = try await api.staff(.post, "/api/order/returns/\(returnID)/refund")
            #expect(again.status == 409, "\(again.text)")
            let stats = try await api.stats("payment-fixture")
            #expect((stats["refunds"] as? [[String: Any]])?.count == 1)
            shop.settle()
            let view = try await api.staff(.get, "/api/order/orders/\(id)").json
            #expect(view["payment_status"] as? String == "partially_refunded" && view["amount_refunded"] as? Int == 3000, "shipping stays paid: \(view)")
            #expect(view["fulfillment_status"] as? String == "returned", "\(view)")
            let list = try await api.staff(.get, "/api/order/returns?status=refunded")
            #expect((list.json["returns"] as? [[String: Any]])?.count == 1, "\(list.text)")
        }
        let requested = try shop.facts("order.return.requested")
        #expect(requested.count == 1 && requested.first?["reason"] as? String == "too small" && requested.first?["customer"] as? String == "c1")
    }

    @Test("canceling a paid order refunds what was captured through Payment first; an order with shipped items cannot be canceled")
    func cancelRefunds() async throws {
        let shop = try await OrderShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            for t in ["x1", "x2"] { try await api.putCart("guest:\(t)", OrderShop.cart("cart-\(t)", lines: [("MUG", "Mug", 900, 1, "variant")])) }
            let paid = try #require(try await api.checkout(token: "x1", method: "instant")["order_id"] as? String)
            let canceled = try await api.staff(.post, "/api/order/orders/\(paid)/cancel", json: ["reason": "out of stock"])
            #expect(canceled.status == 200 && canceled.json["status"] as? String == "canceled", "\(canceled.text)")
            let refunds = try await api.stats("payment-fixture")["refunds"] as? [[String: Any]]
            #expect(refunds?.count == 1 && refunds?.first?["amount"] as? Int == 900)
            shop.settle()
            #expect(try await api.staff(.get, "/api/order/orders/\(paid)").json["payment_status"] as? String == "refunded")

            let shipped = try #require(try await api.checkout(token: "x2", method: "instant")["order_id"] as? String)
            _ = try await api.staff(.post, "/api/order/orders/\(shipped)/fulfillments", json: ["ship": true, "carrier": "DHL", "tracking_number": "T2"])
            let refused = try await api.staff(.post, "/api/order/orders/\(shipped)/cancel", json: [:])
            #expect(refused.status == 409 && refused.field == "fulfillment_status", "\(refused.text)")
        }
        #expect(try shop.facts("order.order.canceled").count == 1)
    }

    @Test("digital downloads: signed links work for a paid order, count downloads up to the limit, and refuse a tampered or expired link")
    func signedDownloads() async throws {
        let shop = try await OrderShop(settings: ["order": #"{"download_limit": 2}"#])
        defer { shop.shutdown() }
        try await shop.http { api in
            let upload = try await api.call(.put, "/api/order/digital-assets/EBOOK-1?filename=tea.pdf", raw: Array("%PDF tea book".utf8), principal: OrderShop.staff,
                                            headers: [("content-type", "application/pdf")])
            #expect(upload.status == 200, "\(upload.text)")
            for t in ["d1", "d2"] {
                try await api.putCart("guest:\(t)", OrderShop.cart("cart-\(t)", lines: [("EBOOK-1", "Tea book", 500, 1, "digital"), ("MUG", "Mug", 900, 1, "variant")]))
            }
            let paidID = try #require(try await api.checkout(token: "d1", method: "instant")["order_id"] as? String)
            let unpaidID = try #require(try await api.checkout(token: "d2", method: "card")["order_id"] as? String)

            let unpaid = try await api.call(.get, "/api/order/my/orders/\(unpaidID)/downloads", cartToken: "d2")
            let unpaidLink = try #require((unpaid.json["downloads"] as? [[String: Any]])?.first)
            #expect(unpaidLink["available"] as? Bool == false && (unpaidLink["reason"] as? String)?.contains("not paid") == true, "\(unpaid.text)")

            let links = try await api.call(.get, "/api/order/my/orders/\(paidID)/downloads", cartToken: "d1")
            let link = try #require((links.json["downloads"] as? [[String: Any]])?.first)
            #expect((links.json["downloads"] as? [Any])?.count == 1, "only the digital line: \(links.text)")
            let url = try #require(link["url"] as? String)
            let file = try await api.call(.get, url)
            #expect(file.status == 200 && file.text == "%PDF tea book" && file.header("content-type") == "application/pdf", "\(file.text)")
            #expect(file.header("content-disposition") == "attachment; filename=\"tea.pdf\"")

            let components = try #require(URLComponents(string: url))
            let grant = try #require(components.path.split(separator: "/").last.map(String.init))
            let expires = try #require(components.queryItems?.first { $0.name == "expires" }?.value)
            let signature = try #require(components.queryItems?.first { $0.name == "signature" }?.value)
            let flipped = String(signature.prefix(63)) + (signature.hasSuffix("0") ? "1" : "0")
            let tampered = try await api.call(.get, "/api/order/downloads/\(grant)?expires=\(expires)&signature=\(flipped)")
            #expect(tampered.status == 403, "\(tampered.text)")
            let stretched = try await api.call(.get, "/api/order/downloads/\(grant)?expires=\(Int(expires)! + 3600)&signature=\(signature)")
            #expect(stretched.status == 403, "a later expiry breaks the signature: \(stretched.text)")
            let otherGrant = try await api.call(.get, "/api/order/downloads/\(UUID().uuidString.lowercased())?expires=\(expires)&signature=\(signature)")
            #expect(otherGrant.status == 403)

            // Correctly signed with this install's secret, but past its expiry.
            let secret = try #require(try shop.strings("SELECT encode(value, 'hex') FROM \"order\".secrets WHERE name = 'download_links'").first)
            let key = SymmetricKey(data: stride(from: 0, to: secret.count, by: 2).map { i -> UInt8 in
                let start = secret.index(secret.startIndex, offsetBy: i)
                return UInt8(secret[start..<secret.index(start, offsetBy: 2)], radix: 16)!
            })
            let past = Int(Date().timeIntervalSince1970) - 10
            let pastSignature = HMAC<SHA256>.authenticationCode(for: Data("\(grant):\(past)".utf8), using: key).map { String(format: "%02x", $0) }.joined()
            let expired = try await api.call(.get, "/api/order/downloads/\(grant)?expires=\(past)&signature=\(pastSignature)")
            #expect(expired.status == 410 && expired.field == "expires", "\(expired.text)")

            let second = try await api.call(.get, url)
            #expect(second.status == 200)
            let third = try await api.call(.get, url)
            #expect(third.status == 410 && third.detail.contains("limit of 2"), "\(third.text)")
            let after = try await api.call(.get, "/api/order/my/orders/\(paidID)/downloads", cartToken: "d1")
            let used = try #require((after.json["downloads"] as? [[String: Any]])?.first)
            #expect(used["downloads_used"] as? Int == 2 && used["available"] as? Bool == false)
        }
        #expect(try shop.count("SELECT downloads_used FROM \"order\".download_grants g JOIN \"order\".orders o ON o.id = g.order_id WHERE o.payment_status = 'paid'") == 2)
    }
}
