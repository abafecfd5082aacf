import EOPABI
import EOPSDK
import Foundation

/// Express checkout ("buy now") and the saved preferences it uses.
extension Cart {
    /// `GET /api/cart/preferences`.
    func preferences(_ customerID: String) throws -> [String: Any] {
        guard let r = try sql.execute("""
            SELECT email, shipping_address::text AS shipping, billing_address::text AS billing, payment_method FROM preferences WHERE customer_id = $1
            """, customerID).first else {
            return ["email": NSNull(), "shipping_address": NSNull(), "billing_address": NSNull(), "payment_method": NSNull()]
        }
        return ["email": try r.string("email") ?? NSNull(), "payment_method": try r.string("payment_method") ?? NSNull(),
                "shipping_address": try r.string("shipping").flatMap(JSON.decode) ?? NSNull(),
                "billing_address": try r.string("billing").flatMap(JSON.decode) ?? NSNull()]
    }

    /// `PUT /api/cart/preferences` `{"email"?, "shipping_address"?, "billing_address"?, "payment_method"?}`:
    /// each key given replaces its value (null clears it).
    func setPreferences(_ customerID: String, _ input: JSONInput) throws -> [String: Any] {
        try input.only(["email", "shipping_address", "billing_address", "payment_method"])
        let email = try checkedEmail(input, "email")
        let shipping = try input.optionalObject("shipping_address").map { obj throws(CartError) in try Address.read(obj) }
        let billing = try input.optionalObject("billing_address").map { obj throws(CartError) in try Address.read(obj) }
        let method = try input.optionalText("payment_method", max: 40)
        if let method, !method.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.lowercaseLetters.contains($0) || CharacterSet.decimalDigits.contains($0) || $0 == "_" || $0 == "-") }) {
            throw CartError.invalid("payment_method", "\"\(method)\" is not a payment method id (lower-case letters, digits, '_', '-'; e.g. stripe, cod)")
        }
        try sql.execute("""
            INSERT INTO preferences (customer_id, email, shipping_address, billing_address, payment_method)
            VALUES ($1, $3, $5::jsonb, $7::jsonb, $9)
            ON CONFLICT (customer_id) DO UPDATE SET
                email = CASE WHEN $2 THEN EXCLUDED.email ELSE preferences.email END,
                shipping_address = CASE WHEN $4 THEN EXCLUDED.shipping_address ELSE preferences.shipping_address END,
                billing_address = CASE WHEN $6 THEN EXCLUDED.billing_address ELSE preferences.billing_address END,
                payment_method = CASE WHEN $8 THEN EXCLUDED.payment_method ELSE preferences.payment_method END,
                updated_at = now()
            """, customerID, input.has("email"), email, input.has("shipping_address"), shipping.map { JSON.text($0.json) },
            input.has("billing_address"), billing.map { JSON.text($0.json) }, input.has("payment_method"), method)
        return try preferences(customerID)
    }

    /// `POST /api/cart/express` `{"variant_id", "quantity"?, "kind"?, "payment_method"?, "return_url"?}`
    /// with an `Idempotency-Key`: a one-line cart of its own (the customer's shopping cart is
    /// left alone) with the saved email, addresses and payment method, handed to Order's
    /// `order.checkout.place` in the same request. The same key again finds the same cart and
    /// asks Order again with the same key, so a retried click places one order. Order not
    /// answering is a 503 naming it (the cart stays, ready for a retry).
    /// Returns Order's answer with `cart_id`.
    func express(customerID: String, idempotencyKey: String?, _ input: JSONInput) throws -> [String: Any] {
        try input.only(["variant_id", "quantity", "kind", "payment_method", "return_url"])
        guard let key = idempotencyKey?.trimmingCharacters(in: .whitespaces), !key.isEmpty else {
            throw CartError.invalid("Idempotency-Key", "the header is required: one key per buy-now click")
        }
        guard key.count <= 200, key.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 }) else {
            throw CartError.invalid("Idempotency-Key", "at most 200 visible ASCII characters")
        }
        let kindName = try input.optionalString("kind", max: 20) ?? LineKind.variant.rawValue
        guard let kind = LineKind(rawValue: kindName), kind.isCatalogItem else {
            throw CartError.invalid("kind", "buy now takes a variant, bundle or digital item")
        }
        let variantID = try input.id("variant_id")
        let quantity = try input.optionalInt("quantity", min: 1) ?? 1
        guard quantity <= settings.maxLineQuantity else { throw CartError.unprocessable("quantity", "at most \(settings.maxLineQuantity) per line") }
        let returnURL = try input.optionalText("return_url", max: 2000)
        let saved = try preferences(customerID)
        guard let method = try input.optionalText("payment_method", max: 40) ?? saved["payment_method"] as? String else {
            throw CartError.unprocessable("payment_method", "no saved payment method: save one with PUT /api/cart/preferences, or give payment_method")
        }
        guard let email = saved["email"] as? String else {
            throw CartError.unprocessable("preferences.email", "no saved email: save it with PUT /api/cart/preferences")
        }
        let cartID = try expressCart(customerID: customerID, key: key, kind: kind, variantID: variantID, quantity: quantity, email: email, saved: saved)

        var order: [String: Any] = ["customer_id": customerID, "cart_id": cartID, "idempotency_key": key, "payment_method": method]
        if let returnURL { order["return_url"] = returnURL }
        let reply: String
        do {
            reply = try host.request("order.checkout.place", json: JSON.text(order), timeoutMS: settings.checkoutTimeoutMS)
        } catch {
            switch error.status {
            case EOP_ERR_NOT_FOUND, EOP_ERR_UNAVAILABLE, EOP_ERR_TIMEOUT:
                throw CartError.unavailable("Order is not active: express checkout needs the Order module to place the order (order.checkout.place: \(error.message))",
                                            extra: ["missing": ["order"], "cart_id": cartID])
            case EOP_ERR_CONFLICT:
                throw CartError.conflict("order", error.message, extra: ["cart_id": cartID])
            default:
                throw CartError(422, field: "order", error.message, extra: ["cart_id": cartID])
            }
        }
        guard var placed = JSON.decode(reply) as? [String: Any] else { throw PluginError("order.checkout.place answered no JSON object: \(reply.prefix(200))") }
        placed["cart_id"] = cartID
        return placed
    }

    /// The express cart of this key: found again, or made with its one line priced now.
    /// The same key for another item is refused (409).
    private func expressCart(customerID: String, key: String, kind: LineKind, variantID: String, quantity: Int64, email: String,
                             saved: [String: Any]) throws -> String {
        func existing() throws -> String? {
            guard let r = try sql.execute("""
                SELECT c.id::text, (SELECT count(*) FROM cart_lines l WHERE l.cart_id = c.id AND l.variant_id = $3::uuid AND l.quantity = $4) AS same
                FROM carts c WHERE c.customer_id = $1 AND c.express_key = $2
                """, customerID, key, variantID, quantity).first else { return nil }
            guard try r.requiredInt64("same") == 1 else {
                throw CartError.conflict("Idempotency-Key", "this key was used for a different buy-now (another item or quantity)")
            }
            return try r.requiredString("id")
        }
        if let id = try existing() { return id }
        guard let price = try quote([(variantID, quantity)]).first else { throw PluginError("catalog.price.quote answered no item") }
        if let reason = price.unavailable { throw CartError.unprocessable("variant_id", "\(price.sku) cannot be bought: \(reason)") }
        let shipping = saved["shipping_address"] as? [String: Any]
        if kind.ships, shipping == nil {
            throw CartError.unprocessable("preferences.shipping_address", "no saved shipping address: save it with PUT /api/cart/preferences")
        }
        let id = Cart.newID()
        let made: Bool = try sql.transaction {
            let inserted = try sql.execute("""
                INSERT INTO carts (id, customer_id, purpose, express_key, currency, email, shipping_address, billing_address)
                VALUES ($1::uuid, $2, 'express', $3, $4, $5, $6::jsonb, $7::jsonb)
                ON CONFLICT (customer_id, express_key) WHERE express_key IS NOT NULL DO NOTHING
                """, id, customerID, key, price.currency, email, shipping.map { JSON.text($0) },
                (saved["billing_address"] as? [String: Any]).map { JSON.text($0) })
            guard inserted.affected == 1 else { return false }  // the same click twice at once: the other one made it
            try sql.execute("""
                INSERT INTO cart_lines (id, cart_id, kind, variant_id, product_id, sku, name, quantity, unit_price, currency)
                VALUES ($1::uuid, $2::uuid, $3, $4::uuid, $5::uuid, $6, $7, $8, $9, $10)
                """, Cart.newID(), id, kind.rawValue, variantID, price.productID, price.sku, price.name, quantity, price.unitPrice, price.currency)
            return true
        }
        if made { return id }
        guard let again = try existing() else { throw CartError.conflict("Idempotency-Key", "the buy-now cart changed meanwhile; try again") }
        return again
    }
}
