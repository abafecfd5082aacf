import EOPPluginTesting
import Foundation
import Testing

/// libCart.so with libCatalog.so in a real host against real PostgreSQL, over HTTP and the
/// command/query topics. Serialized: ModuleHost runs one host at a time anyway.
@Suite("Cart plugin", .serialized)
struct CartTests {
    @Test("a guest cart: a random token (answer, header, cookie); the same variant adds up priced for its quantity; limits and refusals name the field")
    func guestCart() async throws {
        let shop = try await CartShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            let tee = try await api.product("Linen Tee", [("TEE-S", 2500), ("TEE-M", 2600)])
            let usd = try await api.product("Desk Lamp", [("LAMP", 4999)], currency: "USD")
            let tier = try await api.call(.put, "/api/catalog/variants/\(tee[0])/price-tiers", json: ["tiers": [["min_quantity": 3, "price": 2000]]],
                                          principal: API.catalogStaff)
            #expect(tier.status == 200, "\(tier.text)")

            let empty = try await api.call(.get, "/api/cart")
            #expect(empty.status == 200 && empty.json["cart_id"] is NSNull && empty.items.isEmpty, "\(empty.text)")
            #expect(try shop.scalar("SELECT count(*) FROM cart.carts") == "0", "looking must not make a cart")

            let first = try await api.add(["variant_id": tee[0], "quantity": 2])
            let token = try #require(first.json["cart_token"] as? String)
            #expect(token.count == 43)
            #expect(first.header("x-cart-token") == token)
            #expect(first.header("set-cookie")?.hasPrefix("sf_cart=\(token);") == true)
            let added = try #require(line(first.json, sku: "TEE-S"))
            #expect(added["name"] as? String == "Linen Tee" && added["kind"] as? String == "variant")
            #expect(int(added["unit_price"]) == 2500 && int(added["total"]) == 5000 && added["currency"] as? String == "EUR")
            // Only the token's SHA-256 is kept.
            #expect(try shop.scalar("SELECT count(*) FROM cart.carts WHERE token_hash = sha256(convert_to('\(token)', 'UTF8'))") == "1")

            // The same variant again, through the cookie: one line of 3, now at the tier price.
            let second = try await api.call(.post, "/api/cart/items", json: ["variant_id": tee[0]], cookie: "theme=dark; sf_cart=\(token)")
            #expect(second.status == 200, "\(second.text)")
            #expect(second.json["cart_token"] == nil && second.header("set-cookie") == nil, "an existing cart gets no new token")
            #expect(second.json["cart_id"] as? String == first.json["cart_id"] as? String)
            #expect(second.items.count == 1)
            let three = try #require(line(second.json, sku: "TEE-S"))
            #expect(int(three["quantity"]) == 3 && int(three["unit_price"]) == 2000 && int(three["total"]) == 6000, "\(three)")
            #expect(int(second.json["subtotal"]) == 6000)
            #expect(int(second.json["version"])! > int(first.json["version"])!)

            // Refusals, each naming its field.
            for (body, status, field, words) in [
                (["variant_id": tee[0], "quantity": 8] as [String: Any], 422, "quantity", "already holds 3"),
                (["variant_id": tee[0], "quantity": 0], 400, "quantity", "at least 1"),
                (["variant_id": tee[0], "quantity": 1.5], 400, "quantity", "whole number"),
                (["variant_id": "abc"], 400, "variant_id", "not an id"),
                (["variant_id": UUID().uuidString], 422, "variant_id", "unknown variant"),
                (["variant_id": usd[0]], 409, "variant_id", "the cart is in EUR"),
                (["kind": "fee", "label": "Handling", "amount": 100], 403, "kind", "staff"),
                (["kind": "subscription", "variant_id": tee[0]], 400, "kind", "not one of"),
                (["kind": "gift_card", "amount": 60000], 422, "amount", "at most 50000"),
                (["kind": "gift_card", "amount": 5000, "recipient_email": "friend.example.com"], 400, "recipient_email", "not an email"),
                (["variant_id": tee[1], "colour": "red"], 400, "colour", "not a known field"),
            ] {
                let r = try await api.call(.post, "/api/cart/items", json: body, token: token)
                #expect(r.status == status && r.field == field && r.detail.contains(words), "\(body): \(r.status) \(r.text)")
                #expect(r.header("content-type") == "application/problem+json")
            }
            #expect(try shop.scalar("SELECT count(*) FROM cart.carts") == "1", "a refused add leaves no cart behind")

            // A gift card is a line of its own at its face value.
            let gift = try await api.add(["kind": "gift_card", "amount": 5000, "recipient_email": "friend@example.com", "message": "Happy birthday"], token: token)
            let card = try #require(line(gift.json, sku: "GIFT-CARD"))
            #expect(card["kind"] as? String == "gift_card" && int(card["unit_price"]) == 5000)
            #expect((card["details"] as? [String: Any])?["recipient_email"] as? String == "friend@example.com")
            #expect(int(gift.json["subtotal"]) == 11000)

            // Quantity changes re-price the line (back under the tier); the limit holds; another guest's token cannot touch it.
            let lineID = try #require(three["line_id"] as? String)
            let one = try await api.call(.patch, "/api/cart/items/\(lineID)", json: ["quantity": 1], token: token)
            #expect(one.status == 200 && int(line(one.json, sku: "TEE-S")?["unit_price"]) == 2500, "\(one.text)")
            let tooMany = try await api.call(.patch, "/api/cart/items/\(lineID)", json: ["quantity": 11], token: token)
            #expect(tooMany.status == 422 && tooMany.field == "quantity", "\(tooMany.text)")
            let other = try await api.add(["variant_id": tee[1]])
            let otherToken = try #require(other.json["cart_token"] as? String)
            #expect(otherToken != token)
            let foreign = try await api.call(.patch, "/api/cart/items/\(lineID)", json: ["quantity": 2], token: otherToken)
            #expect(foreign.status == 404, "\(foreign.text)")
            let removed = try await api.call(.delete, "/api/cart/items/\(card["line_id"] as? String ?? "")", token: token)
            #expect(removed.status == 200 && removed.items.count == 1 && int(removed.json["subtotal"]) == 2500, "\(removed.text)")

            // A token that is not ours is no cart; an add with it starts a new one with a new token.
            let stranger = String(repeating: "A", count: 43)
            let none = try await api.call(.get, "/api/cart", token: stranger)
            #expect(none.status == 200 && none.json["cart_id"] is NSNull)
            let fresh = try await api.add(["variant_id": tee[1]], token: stranger)
            #expect(fresh.json["cart_token"] as? String != nil && fresh.json["cart_token"] as? String != stranger)
        }
    }

    @Test("a guest cart merges into the customer's on sign-in: the same variant adds up, other lines move, the guest token stops working")
    func mergeOnSignIn() async throws {
        let shop = try await CartShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            let a = try await api.product("Mug", [("MUG", 1000)])[0]
            let b = try await api.product("Plate", [("PLATE", 2000)])[0]
            let usd = try await api.product("Bowl", [("BOWL", 900)], currency: "USD")[0]
            let guest = try await api.add(["variant_id": a, "quantity": 2])
            let token = try #require(guest.json["cart_token"] as? String)
            try await api.add(["kind": "gift_card", "amount": 3000], token: token)
            let address = try await api.call(.put, "/api/cart/address", json: ["email": "ada@example.com", "shipping_address": API.address()], token: token)
            #expect(address.status == 200, "\(address.text)")
            let customer = "customer:c1:"
            let own = try await api.add(["variant_id": a], principal: customer)
            try await api.add(["variant_id": b], principal: customer)
            #expect(own.json["cart_token"] == nil, "a customer's cart needs no token")

            // Signed in, still carrying the guest token: the first look merges.
            let merged = try await api.call(.get, "/api/cart", principal: customer, token: token)
            #expect(merged.status == 200, "\(merged.text)")
            #expect(merged.json["cart_id"] as? String == own.json["cart_id"] as? String)
            #expect(int(line(merged.json, sku: "MUG")?["quantity"]) == 3)
            #expect(int(line(merged.json, sku: "PLATE")?["quantity"]) == 1)
            #expect(int(line(merged.json, sku: "GIFT-CARD")?["unit_price"]) == 3000)
            #expect(merged.items.count == 3)
            #expect(merged.json["customer_email"] as? String == "ada@example.com", "the customer cart had no email: the guest's comes along")
            #expect(merged.header("set-cookie")?.hasPrefix("sf_cart=;") == true, "the guest cookie is cleared")
            let guestID = try #require(guest.json["cart_id"] as? String)
            #expect(try shop.scalar("SELECT status || ' ' || merged_into FROM cart.carts WHERE id = '\(guestID)'") == "merged \(own.json["cart_id"] as? String ?? "")")
            let again = try await api.call(.get, "/api/cart", principal: customer, token: token)
            #expect(int(line(again.json, sku: "MUG")?["quantity"]) == 3, "a second look merges nothing more")
            #expect(try await api.call(.get, "/api/cart", token: token).json["cart_id"] is NSNull, "the guest token no longer opens a cart")

            // A customer without a cart adopts the guest cart as it is (explicit merge route).
            let guest2 = try await api.add(["variant_id": b])
            let token2 = try #require(guest2.json["cart_token"] as? String)
            let adopted = try await api.call(.post, "/api/cart/merge", json: ["cart_token": token2], principal: "customer:c2:")
            #expect(adopted.status == 200 && adopted.json["cart_id"] as? String == guest2.json["cart_id"] as? String, "\(adopted.text)")
            #expect(adopted.json["customer_id"] as? String == "c2")
            #expect(try await api.call(.get, "/api/cart", token: token2).json["cart_id"] is NSNull)

            let noToken = try await api.call(.post, "/api/cart/merge", json: [:] as [String: Any], principal: "customer:c2:")
            #expect(noToken.status == 400 && noToken.field == "cart_token", "\(noToken.text)")
            let anonymous = try await api.call(.post, "/api/cart/merge", json: ["cart_token": token2])
            #expect(anonymous.status == 401, "\(anonymous.text)")

            // Two currencies do not merge; the guest cart stays as it was.
            let guest3 = try await api.add(["variant_id": usd])
            let token3 = try #require(guest3.json["cart_token"] as? String)
            let clash = try await api.call(.post, "/api/cart/merge", json: ["cart_token": token3], principal: customer)
            #expect(clash.status == 409 && clash.field == "cart_token" && clash.detail.contains("USD"), "\(clash.text)")
            #expect(try await api.call(.get, "/api/cart", token: token3).items.count == 1)

            // Through the command: customer_id and cart_token together merge before the add.
            let guest4 = try await api.add(["variant_id": a])
            let token4 = try #require(guest4.json["cart_token"] as? String)
            let viaCommand = shop.request("cart.item.add", ["customer_id": "c3", "cart_token": token4, "variant_id": b, "quantity": 1])
            #expect(viaCommand.status == 0, "\(viaCommand.message)")
            #expect(Set((viaCommand.json["items"] as? [[String: Any]] ?? []).compactMap { $0["sku"] as? String }) == ["MUG", "PLATE"])
            #expect(viaCommand.json["cart_id"] as? String == guest4.json["cart_id"] as? String)
        }
    }

    @Test("addresses are checked field by field; the address picks the tax rate (region before country); shipping is flat below the free threshold; gift cards are not taxed and digital goods do not ship")
    func addressTaxAndShipping() async throws {
        let shop = try await CartShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            let rates: [[String: Any]] = [["country": "DE", "rate_bp": 1900], ["country": "us", "region": "CA", "rate_bp": 725], ["country": "US", "rate_bp": 0]]
            for (body, status, field) in [
                (["rates": [["country": "DE", "rate_bp": 10001]]] as [String: Any], 400, "rates[0].rate_bp"),
                (["rates": [["country": "XX", "rate_bp": 100]]], 400, "rates[0].country"),
                (["rates": [["country": "DE", "rate_bp": 100], ["country": "de", "rate_bp": 200]]], 400, "rates[1].country"),
                (["rates": [["country": "DE", "rate_bp": 1.5]]], 400, "rates[0].rate_bp"),
            ] {
                let r = try await api.call(.put, "/api/cart/tax-rates", json: body, principal: API.cartStaff)
                #expect(r.status == status && r.field == field, "\(body): \(r.text)")
            }
            #expect(try await api.call(.put, "/api/cart/tax-rates", json: ["rates": rates], principal: "customer:c1:").status == 403)
            #expect(try await api.call(.put, "/api/cart/tax-rates", json: ["rates": rates]).status == 401)
            let set = try await api.call(.put, "/api/cart/tax-rates", json: ["rates": rates], principal: API.cartStaff)
            #expect(set.status == 200 && (set.json["rates"] as? [Any])?.count == 3, "\(set.text)")
            #expect(try await api.call(.get, "/api/cart/tax-rates", principal: API.cartStaff).text.contains(#""region":"ca""#))

            let vase = try await api.product("Vase", [("VASE", 4000)])[0]
            let cart = try await api.add(["variant_id": vase])
            let token = try #require(cart.json["cart_token"] as? String)
            #expect(int(cart.json["tax"]) == 0 && cart.json["tax_rate_bp"] is NSNull && int(cart.json["shipping"]) == 500 && int(cart.json["total"]) == 4500)

            for (body, field) in [
                (["shipping_address": API.address(country: "XX")] as [String: Any], "shipping_address.country"),
                (["shipping_address": API.address().filter { $0.key != "city" }], "shipping_address.city"),
                (["shipping_address": API.address().merging(["postal_code": "10<115>"]) { $1 }], "shipping_address.postal_code"),
                (["shipping_address": API.address().merging(["zip": "10115"]) { $1 }], "shipping_address.zip"),
                (["shipping_address": API.address().merging(["phone": "call me"]) { $1 }], "shipping_address.phone"),
                (["billing_address": "Berlin"], "billing_address"),
                (["email": "nobody"], "email"),
                ([:], "(body)"),
            ] {
                let r = try await api.call(.put, "/api/cart/address", json: body, token: token)
                #expect(r.status == 400 && r.field == field, "\(body): \(r.text)")
            }

            func address(_ a: [String: Any]) async throws -> Reply {
                let r = try await api.call(.put, "/api/cart/address", json: ["shipping_address": a, "email": "ada@example.com"], token: token)
                #expect(r.status == 200, "\(r.text)")
                return r
            }
            let de = try await address(API.address(country: "de"))
            #expect(int(de.json["tax"]) == 760 && int(de.json["tax_rate_bp"]) == 1900 && int(de.json["total"]) == 4000 + 760 + 500, "\(de.text)")
            #expect((de.json["shipping_address"] as? [String: Any])?["country"] as? String == "DE")
            #expect((de.json["billing_address"] as? [String: Any])?["city"] as? String == "Berlin", "without a billing address the shipping address bills")
            #expect(int(try await address(API.address(country: "US", region: "ca")).json["tax"]) == 290)
            let ny = try await address(API.address(country: "US", region: "NY"))
            #expect(int(ny.json["tax"]) == 0 && int(ny.json["tax_rate_bp"]) == 0, "NY has no rate of its own: the country's 0 applies")
            _ = try await address(API.address())

            // 3 × 40.00 reach the free-shipping threshold; a gift card adds neither tax nor shipping.
            let more = try await api.add(["variant_id": vase, "quantity": 2], token: token)
            #expect(int(more.json["shipping"]) == 0 && int(more.json["tax"]) == 2280 && int(more.json["total"]) == 14280, "\(more.text)")
            let gift = try await api.add(["kind": "gift_card", "amount": 5000], token: token)
            #expect(int(gift.json["subtotal"]) == 17000 && int(gift.json["tax"]) == 2280 && int(gift.json["total"]) == 19280, "\(gift.text)")

            // A cart of digital goods alone ships nothing.
            let ebook = try await api.product("Guide", [("EBOOK", 1500)])[0]
            let digital = try await api.add(["kind": "digital", "variant_id": ebook])
            #expect(int(digital.json["shipping"]) == 0 && int(digital.json["total"]) == 1500, "\(digital.text)")
            #expect(line(digital.json, sku: "EBOOK")?["kind"] as? String == "digital")
        }
    }

    @Test("a price changed between add and checkout is shown, never charged: prepare refuses listing old and new, the cart shows it, the next prepare succeeds at the new price")
    func priceChangeIsShown() async throws {
        let shop = try await CartShop()
        defer { shop.shutdown() }
        let teapot = Box("")
        try await shop.http { api in
            let variant = try await api.product("Teapot", [("TEAPOT", 2500)])[0]
            teapot.value = variant
            try await api.add(["variant_id": variant, "quantity": 2], principal: "customer:c9:")
            let noEmail = shop.request("cart.checkout.prepare", ["customer_id": "c9"], from: "order")
            #expect(noEmail.status != 0 && noEmail.message.hasPrefix("email:"), "\(noEmail.message)")
            let address = try await api.call(.put, "/api/cart/address", json: ["email": "c9@example.com", "shipping_address": API.address()], principal: "customer:c9:")
            #expect(address.status == 200)
            let changed = try await api.call(.patch, "/api/catalog/variants/\(variant)", json: ["price": 2700], principal: API.catalogStaff)
            #expect(changed.status == 200, "\(changed.text)")

            // Over HTTP: 409 with the changes in the problem.
            let refused = try await api.call(.post, "/api/cart/prepare", principal: "customer:c9:")
            #expect(refused.status == 409 && refused.detail.hasPrefix("prices changed:"), "\(refused.text)")
            #expect(refused.detail.contains("TEAPOT 2500 → 2700"), "\(refused.detail)")
            let listed = try #require((refused.json["price_changes"] as? [[String: Any]])?.first)
            #expect(int(listed["old"]) == 2500 && int(listed["new"]) == 2700 && listed["sku"] as? String == "TEAPOT")
        }
        // The cart shows the change and the new price until the customer goes on.
        let seen = shop.request("cart.cart.get", ["customer_id": "c9"])
        #expect(seen.status == 0)
        #expect((seen.json["price_changes"] as? [[String: Any]])?.count == 1, "\(seen.json)")
        #expect(int(line(seen.json, sku: "TEAPOT")?["unit_price"]) == 2700 && int(seen.json["subtotal"]) == 5400)

        // Prices now as shown: the snapshot, at the new price.
        let snapshot = shop.request("cart.checkout.prepare", ["customer_id": "c9"], from: "order")
        #expect(snapshot.status == 0, "\(snapshot.message)")
        #expect(snapshot.json["customer_email"] as? String == "c9@example.com")
        #expect(int(snapshot.json["version"]) == int(seen.json["version"]))
        #expect((snapshot.json["price_changes"] as? [Any])?.isEmpty == true)
        #expect(int(snapshot.json["subtotal"]) == 5400 && int(snapshot.json["tax"]) == 0 && int(snapshot.json["shipping"]) == 500 && int(snapshot.json["total"]) == 5900)
        #expect((shop.request("cart.cart.get", ["customer_id": "c9"]).json["price_changes"] as? [Any])?.isEmpty == true)

        // The price moves again: refused again, through the command, with the status Order reads.
        try await shop.http { api in
            let lower = try await api.call(.patch, "/api/catalog/variants/\(teapot.value)", json: ["price": 2400], principal: API.catalogStaff)
            #expect(lower.status == 200, "\(lower.text)")
        }
        let again = shop.request("cart.checkout.prepare", ["customer_id": "c9"], from: "order")
        #expect(again.status == CartStatusForTests.conflict && again.message.hasPrefix("prices changed: TEAPOT 2700 → 2400"), "\(again.status) \(again.message)")
        let cartID = try #require(snapshot.json["cart_id"] as? String)
        let byID = shop.request("cart.checkout.prepare", ["cart_id": cartID, "customer_id": "c9"], from: "order")
        #expect(byID.status == 0 && int(byID.json["subtotal"]) == 4800, "\(byID.message)")
        let notTheirs = shop.request("cart.checkout.prepare", ["cart_id": cartID, "customer_id": "someone-else"], from: "order")
        #expect(notTheirs.status != 0 && notTheirs.message.contains("not the customer's"), "\(notTheirs.message)")
        let nothing = shop.request("cart.checkout.prepare", ["customer_id": "c-without-cart"], from: "order")
        #expect(nothing.status != 0 && nothing.message.contains("no cart"), "\(nothing.message)")
    }

    @Test("order.order.placed converts its cart once; the next add starts a new cart; the customer's empty preferences are filled from that order")
    func orderPlacedConvertsCart() async throws {
        let shop = try await CartShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            let v = try await api.product("Kettle", [("KETTLE", 3000)])[0]
            try await api.add(["variant_id": v], principal: "customer:c5:")
            _ = try await api.call(.put, "/api/cart/address", json: ["email": "c5@example.com", "shipping_address": API.address()], principal: "customer:c5:")
            let snapshot = shop.request("cart.checkout.prepare", ["customer_id": "c5"], from: "order")
            #expect(snapshot.status == 0, "\(snapshot.message)")
            let cartID = try #require(snapshot.json["cart_id"] as? String)
            let version = try #require(int(snapshot.json["version"]))
            let fact: [String: Any] = ["order_id": "ord_1", "number": "1001", "cart_id": cartID, "customer": "c5", "customer_email": "c5@example.com",
                                       "total": 3500, "currency": "EUR", "payment_method": "cod"]
            for _ in 0..<2 {  // delivered twice (two events): converted once
                try shop.modules.host.publish(topic: "order.order.placed", payload: try JSONSerialization.data(withJSONObject: fact), source: "order")
            }
            #expect(shop.modules.log.drain(timeout: .seconds(20)))
            #expect(try await shop.eventually("SELECT status || ' ' || order_id FROM cart.carts WHERE id = '\(cartID)'", is: "converted ord_1") == "converted ord_1")
            #expect(try shop.scalar("SELECT version FROM cart.carts WHERE id = '\(cartID)'") == "\(version + 1)")

            #expect(try await api.call(.get, "/api/cart", principal: "customer:c5:").json["cart_id"] is NSNull, "a converted cart is not the customer's cart any more")
            let next = try await api.add(["variant_id": v], principal: "customer:c5:")
            #expect(next.json["cart_id"] as? String != cartID && next.items.count == 1)
            let again = shop.request("cart.checkout.prepare", ["cart_id": cartID], from: "order")
            #expect(again.status == CartStatusForTests.conflict && again.message.contains("converted"), "\(again.message)")

            let saved = try await api.call(.get, "/api/cart/preferences", principal: "customer:c5:")
            #expect(saved.json["payment_method"] as? String == "cod" && saved.json["email"] as? String == "c5@example.com", "\(saved.text)")
            #expect((saved.json["shipping_address"] as? [String: Any])?["city"] as? String == "Berlin")

            // A guest's converted cart: the token's next add starts a new cart with a new token.
            let guest = try await api.add(["variant_id": v])
            let token = try #require(guest.json["cart_token"] as? String)
            let guestFact = fact.merging(["order_id": "ord_2", "cart_id": guest.json["cart_id"] as? String ?? ""]) { $1 }
            try shop.modules.host.publish(topic: "order.order.placed", payload: try JSONSerialization.data(withJSONObject: guestFact), source: "order")
            #expect(try await shop.eventually("SELECT status FROM cart.carts WHERE id = '\(guest.json["cart_id"] as? String ?? "")'", is: "converted") == "converted")
            let fresh = try await api.add(["variant_id": v], token: token)
            #expect(fresh.json["cart_token"] as? String != nil && fresh.json["cart_id"] as? String != guest.json["cart_id"] as? String)
        }
    }

    @Test("express checkout builds a one-line cart from the saved address and payment method; with Order absent it answers 503 naming Order; the same Idempotency-Key finds the same cart")
    func expressCheckoutWithoutOrder() async throws {
        let shop = try await CartShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            let v = try await api.product("Grinder", [("GRINDER", 3000)])[0]
            let other = try await api.product("Filter", [("FILTER", 500)])[0]
            let customer = "customer:c7:"
            try await api.add(["variant_id": other], principal: customer)
            let key = ["idempotency-key": "buy-1"]

            let unsaved = try await api.call(.post, "/api/cart/express", json: ["variant_id": v], principal: customer, headers: key)
            #expect(unsaved.status == 422 && unsaved.field == "payment_method", "\(unsaved.text)")
            for (body, field) in [(["payment_method": "Stripe!"] as [String: Any], "payment_method"),
                                  (["shipping_address": API.address(country: "XX")], "shipping_address.country"),
                                  (["email": "c7"], "email")] {
                let r = try await api.call(.put, "/api/cart/preferences", json: body, principal: customer)
                #expect(r.status == 400 && r.field == field, "\(body): \(r.text)")
            }
            let saved = try await api.call(.put, "/api/cart/preferences", json: ["email": "c7@example.com", "shipping_address": API.address(), "payment_method": "cod"],
                                           principal: customer)
            #expect(saved.status == 200 && saved.json["payment_method"] as? String == "cod", "\(saved.text)")

            let noKey = try await api.call(.post, "/api/cart/express", json: ["variant_id": v], principal: customer)
            #expect(noKey.status == 400 && noKey.field == "Idempotency-Key", "\(noKey.text)")
            #expect(try await api.call(.post, "/api/cart/express", json: ["variant_id": v], headers: key).status == 401)

            let buy = try await api.call(.post, "/api/cart/express", json: ["variant_id": v, "quantity": 2], principal: customer, headers: key)
            #expect(buy.status == 503, "\(buy.text)")
            #expect(buy.detail.contains("Order is not active") && buy.detail.contains("order.checkout.place"), "\(buy.detail)")
            #expect(buy.json["missing"] as? [String] == ["order"])
            let cartID = try #require(buy.json["cart_id"] as? String)
            #expect(try shop.scalar("""
                SELECT c.purpose || ' ' || c.email || ' ' || (c.shipping_address->>'country') || ' ' || l.sku || ' ' || l.quantity || ' ' || l.unit_price
                FROM cart.carts c JOIN cart.cart_lines l ON l.cart_id = c.id WHERE c.id = '\(cartID)'
                """) == "express c7@example.com DE GRINDER 2 3000")
            let shown = try await api.call(.get, "/api/cart/carts/\(cartID)", principal: API.cartStaff)
            #expect(shown.status == 200 && int(shown.json["total"]) == 6500, "\(shown.text)")

            // The shopping cart is left alone; the same key finds the same cart; the key with another item is refused.
            let shopping = try await api.call(.get, "/api/cart", principal: customer)
            #expect(shopping.items.map { $0["sku"] as? String } == ["FILTER"])
            let retry = try await api.call(.post, "/api/cart/express", json: ["variant_id": v, "quantity": 2], principal: customer, headers: key)
            #expect(retry.status == 503 && retry.json["cart_id"] as? String == cartID, "\(retry.text)")
            #expect(try shop.scalar("SELECT count(*) FROM cart.carts WHERE purpose = 'express'") == "1")
            let reused = try await api.call(.post, "/api/cart/express", json: ["variant_id": v, "quantity": 3], principal: customer, headers: key)
            #expect(reused.status == 409 && reused.field == "Idempotency-Key", "\(reused.text)")
        }
    }

    @Test("express checkout with Order: one request places the order from the express cart at its price and address, the same key answers the same order, and the cart converts")
    func expressCheckoutPlacesOrder() async throws {
        let shop = try await CartShop(order: true)
        defer { shop.shutdown() }
        try await shop.http { api in
            let v = try await api.product("Scale", [("SCALE", 3000)])[0]
            let other = try await api.product("Brush", [("BRUSH", 400)])[0]
            let customer = "customer:c8:"
            try await api.add(["variant_id": other], principal: customer)
            let saved = try await api.call(.put, "/api/cart/preferences", json: ["email": "c8@example.com", "shipping_address": API.address(), "payment_method": "cod"],
                                           principal: customer)
            #expect(saved.status == 200, "\(saved.text)")
            let key = ["idempotency-key": "buy-8"]
            let placed = try await api.call(.post, "/api/cart/express", json: ["variant_id": v, "quantity": 2], principal: customer, headers: key)
            #expect(placed.status == 201, "\(placed.text)")
            let orderID = try #require(placed.json["order_id"] as? String)
            let cartID = try #require(placed.json["cart_id"] as? String)
            #expect(int(placed.json["total"]) == 6000 + 500 && placed.json["currency"] as? String == "EUR", "\(placed.text)")
            #expect(placed.json["payment"] is NSNull, "Payment is not loaded: the order waits for its payment: \(placed.text)")

            let again = try await api.call(.post, "/api/cart/express", json: ["variant_id": v, "quantity": 2], principal: customer, headers: key)
            #expect(again.status == 201 && again.json["order_id"] as? String == orderID, "one order however often the click repeats: \(again.text)")
            #expect(try await shop.eventually("SELECT status || ' ' || order_id FROM cart.carts WHERE id = '\(cartID)'", is: "converted \(orderID)") == "converted \(orderID)")
            #expect(try shop.scalar("SELECT count(*) FROM \"order\".orders") == "1")
            #expect(try shop.scalar("SELECT shipping_address->>'city' FROM \"order\".orders") == "Berlin")
            let shopping = try await api.call(.get, "/api/cart", principal: customer)
            #expect(shopping.items.map { $0["sku"] as? String } == ["BRUSH"], "the shopping cart is left alone: \(shopping.text)")
        }
    }

    @Test("cart.item.add and cart.cart.get through the host: a new guest gets a token, refusals name the field, a module or staff may add a fee the customer cannot remove")
    func commandsAndFees() async throws {
        let shop = try await CartShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            let v = try await api.product("Spoon", [("SPOON", 400)])[0]
            let added = shop.request("cart.item.add", ["variant_id": v, "quantity": 2])
            #expect(added.status == 0, "\(added.message)")
            let token = try #require(added.json["cart_token"] as? String)
            #expect(int(added.json["total"]) == 800 + 500)
            let got = shop.request("cart.cart.get", ["cart_token": token])
            #expect(got.status == 0 && got.json["cart_id"] as? String == added.json["cart_id"] as? String && got.json["cart_token"] == nil)
            #expect(shop.request("cart.cart.get", ["cart_token": "no-such-token"]).json["cart_id"] is NSNull)

            let zero = shop.request("cart.item.add", ["cart_token": token, "variant_id": v, "quantity": 0])
            #expect(zero.status == -1 && zero.message.contains("quantity"), "\(zero.message)")
            let over = shop.request("cart.item.add", ["cart_token": token, "variant_id": v, "quantity": 11])
            #expect(over.status == -1 && over.message == "quantity: at most 10 per line", "\(over.message)")

            let fee = shop.request("cart.item.add", ["cart_token": token, "kind": "fee", "label": "Packaging", "amount": 150], from: "marketing")
            #expect(fee.status == 0, "\(fee.message)")
            let feeLine = try #require(line(fee.json, sku: "FEE"))
            #expect(feeLine["kind"] as? String == "fee" && int(fee.json["subtotal"]) == 950)
            let remove = try await api.call(.delete, "/api/cart/items/\(feeLine["line_id"] as? String ?? "")", token: token)
            #expect(remove.status == 403, "\(remove.text)")

            let cartID = try #require(added.json["cart_id"] as? String)
            // A cart named by id is answered only to its owner (or to a caller naming no owner).
            let byOwner = shop.request("cart.cart.get", ["cart_token": token, "cart_id": cartID])
            #expect(byOwner.status == 0 && byOwner.json["cart_id"] as? String == cartID, "\(byOwner.message)")
            let stolen = shop.request("cart.checkout.prepare", ["cart_token": "not-the-token", "cart_id": cartID], from: "order")
            #expect(stolen.status == -2 && stolen.message == "cart_id: the cart is not this guest's", "\(stolen.message)")
            #expect(shop.request("cart.cart.get", ["customer_id": "c1", "cart_id": cartID]).status == -2)
            let staffFee = try await api.call(.post, "/api/cart/carts/\(cartID)/fees", json: ["label": "Rush handling", "amount": 300, "code": "rush"], principal: API.cartStaff)
            #expect(staffFee.status == 200 && line(staffFee.json, sku: "FEE-RUSH")?["name"] as? String == "Rush handling", "\(staffFee.text)")
            #expect(try await api.call(.post, "/api/cart/carts/\(cartID)/fees", json: ["label": "x", "amount": 1], principal: "customer:c1:").status == 403)
            let badFee = try await api.call(.post, "/api/cart/carts/\(cartID)/fees", json: ["label": "x", "amount": -5], principal: API.cartStaff)
            #expect(badFee.status == 400 && badFee.field == "amount", "\(badFee.text)")
            #expect(try await api.call(.get, "/api/cart/carts/\(UUID().uuidString)", principal: API.cartStaff).status == 404)
        }
    }

    @Test("cart.address.set through the host (Storefront's checkout form): an owner is required, refusals name the field by its path, the cart keeps the email and address")
    func addressCommand() async throws {
        let shop = try await CartShop()
        defer { shop.shutdown() }
        try await shop.http { api in
            let v = try await api.product("Fork", [("FORK", 300)])[0]
            let token = try #require(shop.request("cart.item.add", ["variant_id": v, "quantity": 1]).json["cart_token"] as? String)
            let address: [String: Any] = ["name": "Ann Buyer", "line1": "1 Main Street", "city": "Springfield", "country": "us"]

            let nobody = shop.request("cart.address.set", ["email": "ann@example.test"])
            #expect(nobody.status == -1 && nobody.message.hasPrefix("customer_id: name the cart's owner"), "\(nobody.message)")
            let badCountry = shop.request("cart.address.set", ["cart_token": token, "shipping_address": address.merging(["country": "XX"]) { $1 }])
            #expect(badCountry.status == -1 && badCountry.message.hasPrefix("shipping_address.country: \"XX\" is not an ISO 3166-1 alpha-2"), "\(badCountry.message)")
            let badEmail = shop.request("cart.address.set", ["cart_token": token, "email": "ann.example.test"])
            #expect(badEmail.status == -1 && badEmail.message.hasPrefix("email: "), "\(badEmail.message)")

            let set = shop.request("cart.address.set", ["cart_token": token, "email": "ann@example.test", "shipping_address": address])
            #expect(set.status == 0, "\(set.message)")
            #expect(set.json["customer_email"] as? String == "ann@example.test")
            #expect((set.json["shipping_address"] as? [String: Any])?["country"] as? String == "US")
            #expect(shop.request("cart.cart.get", ["cart_token": token]).json["customer_email"] as? String == "ann@example.test")
        }
    }

    @Test("a line may total at most 10^13 minor units: a larger quantity is refused, so totals never overflow")
    func lineTotalBound() async throws {
        let shop = try await CartShop(cartSettings: #"{"max_line_quantity": 1000}"#)
        defer { shop.shutdown() }
        try await shop.http { api in
            let v = try await api.product("Yacht", [("YACHT", 1_000_000_000_000)])[0]
            let ten = try await api.add(["variant_id": v, "quantity": 10])
            #expect(int(ten.json["subtotal"]) == 10_000_000_000_000)
            let more = try await api.call(.post, "/api/cart/items", json: ["variant_id": v], token: ten.json["cart_token"] as? String)
            #expect(more.status == 422 && more.field == "quantity" && more.detail.contains("at most 10000000000000"), "\(more.text)")
        }
    }

    @Test("concurrent adds: 20 at once to one guest cart make one line of 21; 10 first adds at once by one customer make one cart")
    func concurrentAdds() async throws {
        let shop = try await CartShop(cartSettings: #"{"max_line_quantity": 100}"#)
        defer { shop.shutdown() }
        try await shop.http { api in
            let v = try await api.product("Cup", [("CUP", 700)])[0]
            let first = try await api.add(["variant_id": v])
            let token = try #require(first.json["cart_token"] as? String)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 { group.addTask { try await api.call(.post, "/api/cart/items", json: ["variant_id": v], token: token).status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
            let cart = try await api.call(.get, "/api/cart", token: token)
            #expect(cart.items.count == 1 && int(line(cart.json, sku: "CUP")?["quantity"]) == 21 && int(cart.json["subtotal"]) == 21 * 700, "\(cart.text)")
            #expect(int(cart.json["version"]) == 1 + 21, "one version step per add")

            let customer = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<10 { group.addTask { try await api.call(.post, "/api/cart/items", json: ["variant_id": v], principal: "customer:c-new:").status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(customer.allSatisfy { $0 == 200 }, "\(customer)")
            #expect(try shop.scalar("SELECT count(*) FROM cart.carts WHERE customer_id = 'c-new'") == "1")
            #expect(int(line(try await api.call(.get, "/api/cart", principal: "customer:c-new:").json, sku: "CUP")?["quantity"]) == 10)
        }
    }
}
