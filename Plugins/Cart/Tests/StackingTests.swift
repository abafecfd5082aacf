import EOPPluginTesting
import Foundation
import Testing

/// Stacking through the cart.adjustments.collect hook, with the coupon test contributor
/// (Tests/Fixtures/CouponTestPlugin) loaded beside Catalog and Cart.
@Suite("Cart stacking through cart.adjustments.collect", .serialized)
struct StackingTests {
    /// Tax 19 % in Germany; shipping 5.00 below 100.00 of goods (CartShop.settings).
    static func germanTax(_ api: API) async throws {
        let r = try await api.call(.put, "/api/cart/tax-rates", json: ["rates": [["country": "DE", "rate_bp": 1900]]], principal: API.cartStaff)
        try #require(r.status == 200, "\(r.text)")
    }

    static func adjustments(_ cart: [String: Any]) -> [[String: Any]] { cart["adjustments"] as? [[String: Any]] ?? [] }

    @Test("a coupon comes off per line or per cart; one larger than the cart clamps the goods to zero, never below; removing it restores the totals")
    func couponAndClamp() async throws {
        let shop = try await CartShop(coupons: true)
        defer { shop.shutdown() }
        try await shop.http { api in
            try await Self.germanTax(api)
            let a = try await api.product("Chair", [("CHAIR", 4000)])[0]
            let b = try await api.product("Cushion", [("CUSHION", 1000)])[0]
            let cart = try await api.add(["variant_id": a])
            let token = try #require(cart.json["cart_token"] as? String)
            try await api.add(["variant_id": b, "quantity": 2], token: token)
            _ = try await api.call(.put, "/api/cart/address", json: ["shipping_address": API.address()], token: token)

            let percent = try await api.call(.post, "/api/cart/codes", json: ["code": "pct10"], token: token)
            #expect(percent.status == 200, "\(percent.text)")
            #expect(percent.json["codes"] as? [String] == ["PCT10"])
            let perLine = Self.adjustments(percent.json)
            #expect(perLine.count == 2 && perLine.allSatisfy { $0["kind"] as? String == "coupon" && $0["source"] as? String == "coupontest" && $0["line_id"] is String })
            #expect(perLine.map { int($0["amount"]) ?? -1 }.sorted() == [200, 400], "\(perLine)")
            // 6000 − 600 = 5400 of goods; tax 19 % of that = 1026; shipping 500 (below 10000).
            #expect(int(percent.json["subtotal"]) == 6000 && int(percent.json["discount"]) == 600 && int(percent.json["tax"]) == 1026)
            #expect(int(percent.json["shipping"]) == 500 && int(percent.json["total"]) == 5400 + 1026 + 500, "\(percent.text)")

            // 1,000.00 off a cart with 54.00 left: it takes 54.00 and no more.
            let huge = try await api.call(.post, "/api/cart/codes", json: ["code": "OFF100000"], token: token)
            #expect(huge.status == 200, "\(huge.text)")
            let off = try #require(Self.adjustments(huge.json).first { $0["code"] as? String == "OFF100000" })
            #expect(int(off["requested"]) == 100000 && int(off["amount"]) == 5400, "\(off)")
            #expect(int(huge.json["discount"]) == 6000 && int(huge.json["tax"]) == 0, "\(huge.text)")
            #expect(int(huge.json["shipping"]) == 500 && int(huge.json["total"]) == 500, "only shipping is left: \(huge.text)")
            #expect(Self.adjustments(huge.json).allSatisfy { (int($0["amount"]) ?? -1) >= 0 })

            let restored = try await api.call(.delete, "/api/cart/codes/OFF100000", token: token)
            #expect(restored.status == 200 && int(restored.json["total"]) == 6926 && restored.json["codes"] as? [String] == ["PCT10"], "\(restored.text)")
            #expect(try await api.call(.delete, "/api/cart/codes/OFF100000", token: token).status == 404)

            // A digital cart (nothing ships): the same coupon leaves exactly zero.
            let guide = try await api.product("Guide", [("GUIDE", 1200)])[0]
            let digital = try await api.add(["kind": "digital", "variant_id": guide])
            let digitalToken = try #require(digital.json["cart_token"] as? String)
            let zero = try await api.call(.post, "/api/cart/codes", json: ["code": "OFF100000"], token: digitalToken)
            #expect(zero.status == 200 && int(zero.json["total"]) == 0 && int(zero.json["discount"]) == 1200, "\(zero.text)")
        }
    }

    @Test("stacking follows the fixed order coupon → loyalty → tax → shipping → wallet → gift card, whatever order the codes come in")
    func stackingOrder() async throws {
        let shop = try await CartShop(coupons: true)
        defer { shop.shutdown() }
        try await shop.http { api in
            try await Self.germanTax(api)
            let lamp = try await api.product("Lamp", [("LAMP", 6000)])[0]
            let cart = try await api.add(["variant_id": lamp, "quantity": 2], principal: "customer:c1:")
            #expect(int(cart.json["shipping"]) == 500 || int(cart.json["shipping"]) == 0)
            _ = try await api.call(.put, "/api/cart/address", json: ["shipping_address": API.address()], principal: "customer:c1:")
            var last = cart
            for code in ["GIFT50000", "WALLET2000", "LOYALTY1000", "OFF1500"] {  // the reverse of the order they apply in
                last = try await api.call(.post, "/api/cart/codes", json: ["code": code], principal: "customer:c1:")
                #expect(last.status == 200, "\(code): \(last.text)")
            }
            let applied = Self.adjustments(last.json)
            #expect(applied.map { $0["kind"] as? String ?? "" } == ["coupon", "loyalty", "wallet", "gift_card"], "\(applied)")
            #expect(applied.map { int($0["amount"]) ?? -1 } == [1500, 1000, 2000, 9805], "\(applied)")
            // Goods 12000 − 1500 − 1000 = 9500: tax on that (1805), and below the 10000 threshold
            // after the discounts, so shipping is charged (500). Due 11805: the wallet pays 2000
            // first, the gift card the 9805 left (of its 50000), and nothing is due.
            #expect(int(last.json["subtotal"]) == 12000 && int(last.json["discount"]) == 2500)
            #expect(int(last.json["tax"]) == 1805 && int(last.json["shipping"]) == 500)
            #expect(int(last.json["credits"]) == 11805 && int(last.json["total"]) == 0, "\(last.text)")
            #expect(int(applied.last?["requested"]) == 50000)
        }
    }

    @Test("a contributor's veto is shown: an expired code is refused with its reason, and a cart the contributor refuses says why and cannot be checked out")
    func vetoSaysWhy() async throws {
        let shop = try await CartShop(coupons: true)
        defer { shop.shutdown() }
        try await shop.http { api in
            let v = try await api.product("Rug", [("RUG", 8000)])[0]
            let blocked = try await api.product("Blocked Rug", [("BLOCKED-RUG", 100)])[0]
            let customer = "customer:c4:"
            try await api.add(["variant_id": v], principal: customer)
            _ = try await api.call(.put, "/api/cart/address", json: ["email": "c4@example.com", "shipping_address": API.address()], principal: customer)

            let expired = try await api.call(.post, "/api/cart/codes", json: ["code": "EXPIRED2024"], principal: customer)
            #expect(expired.status == 422 && expired.field == "code", "\(expired.text)")
            #expect(expired.detail.contains("coupontest") && expired.detail.contains("code EXPIRED2024 expired yesterday"), "\(expired.detail)")
            let unknown = try await api.call(.post, "/api/cart/codes", json: ["code": "NOPE"], principal: customer)
            #expect(unknown.status == 422 && unknown.detail.contains("NOPE is not a code this shop knows"), "\(unknown.text)")
            let bad = try await api.call(.post, "/api/cart/codes", json: ["code": "no spaces"], principal: customer)
            #expect(bad.status == 400 && bad.field == "code")
            let kept = try await api.call(.get, "/api/cart", principal: customer)
            #expect((kept.json["codes"] as? [String])?.isEmpty == true)

            #expect(try await api.call(.post, "/api/cart/codes", json: ["code": "PCT10"], principal: customer).status == 200)
            let vetoed = try await api.add(["variant_id": blocked], principal: customer)
            let why = try #require(vetoed.json["adjustments_error"] as? String)
            #expect(why.contains("coupontest") && why.contains("codes do not apply to BLOCKED-RUG"), "\(why)")
            #expect(Self.adjustments(vetoed.json).isEmpty && int(vetoed.json["discount"]) == 0)
            let prepare = shop.request("cart.checkout.prepare", ["customer_id": "c4"], from: "order")
            #expect(prepare.status == CartStatusForTests.conflict && prepare.message.hasPrefix("adjustments:") && prepare.message.contains("BLOCKED-RUG"), "\(prepare.message)")
        }
    }
}
