import EOPSDK
import Foundation

/// Reading carts, finding the caller's, and the row lock every change takes first.
extension Cart {
    /// The cart with its lines and price changes, or nil. One statement, so one consistent snapshot.
    func record(_ cartID: String) throws -> CartRecord? {
        guard let r = try sql.execute("""
            SELECT c.id::text, c.status, c.purpose, c.currency, c.version, c.customer_id, c.email, c.order_id,
                   c.shipping_address::text AS shipping, c.billing_address::text AS billing, array_to_json(c.codes)::text AS codes,
                   coalesce((SELECT json_agg(json_build_object('id', l.id, 'kind', l.kind, 'variant_id', l.variant_id, 'product_id', l.product_id,
                                                               'sku', l.sku, 'name', l.name, 'quantity', l.quantity, 'unit_price', l.unit_price,
                                                               'currency', l.currency, 'details', l.details) ORDER BY l.created_at, l.id)
                             FROM cart_lines l WHERE l.cart_id = c.id), '[]')::text AS lines,
                   coalesce((SELECT json_agg(json_build_object('line_id', p.line_id, 'sku', p.sku, 'old', p.old_price, 'new', p.new_price)
                                             ORDER BY p.noticed_at, p.sku)
                             FROM price_changes p WHERE p.cart_id = c.id), '[]')::text AS changes
            FROM carts c WHERE c.id = $1::uuid
            """, cartID).first else { return nil }
        let lines = (JSON.decode(try r.requiredString("lines")) as? [[String: Any]] ?? []).compactMap { l -> CartRecord.Line? in
            guard let id = l["id"] as? String, let kind = LineKind(rawValue: l["kind"] as? String ?? "") else { return nil }
            return CartRecord.Line(id: id, kind: kind, variantID: l["variant_id"] as? String, productID: l["product_id"] as? String,
                                   sku: l["sku"] as? String ?? "", name: l["name"] as? String ?? "", quantity: int64(l["quantity"]),
                                   unitPrice: int64(l["unit_price"]), currency: l["currency"] as? String ?? "", details: l["details"] as? [String: Any] ?? [:])
        }
        return CartRecord(
            id: try r.requiredString("id"), status: try r.requiredString("status"), purpose: try r.requiredString("purpose"),
            currency: try r.requiredString("currency"), version: try r.requiredInt64("version"), customerID: try r.string("customer_id"),
            email: try r.string("email"), shippingAddress: try r.string("shipping").flatMap { JSON.decode($0) as? [String: Any] },
            billingAddress: try r.string("billing").flatMap { JSON.decode($0) as? [String: Any] },
            codes: JSON.decode(try r.requiredString("codes")) as? [String] ?? [], orderID: try r.string("order_id"),
            lines: lines, priceChanges: JSON.decode(try r.requiredString("changes")) as? [[String: Any]] ?? [])
    }

    /// The open cart `owner` means, or nil when there is none and `create` is false.
    /// With `create` a cart is made: the customer's, or a guest's with a new token (returned
    /// once in `newToken`: only its hash is kept). A customer who also brings a guest token
    /// gets the guest cart merged into theirs first (see `mergeGuestCart`).
    func openCart(for owner: Owner, create: Bool) throws -> (id: String, newToken: String?)? {
        if owner.cartID != nil {
            let named = try namedCart(owner)
            guard named.status == "open" else { throw CartError.conflict("cart_id", "the cart is \(named.status)") }
            return (named.id, nil)
        }
        if let customer = owner.customerID {
            if let token = owner.cartToken { try mergeGuestCart(token: token, into: customer) }
            if let id = try customerCart(customer) { return (id, nil) }
            guard create else { return nil }
            try sql.execute("""
                INSERT INTO carts (id, customer_id, currency) VALUES ($1::uuid, $2, $3)
                ON CONFLICT (customer_id) WHERE status = 'open' AND purpose = 'shop' DO NOTHING
                """, Cart.newID(), customer, settings.currency)
            guard let id = try customerCart(customer) else { throw CartError.conflict("customer_id", "the customer's cart changed meanwhile; try again") }
            return (id, nil)
        }
        if let token = owner.cartToken, let r = try sql.execute("""
            SELECT id::text FROM carts WHERE token_hash = \(CartToken.hashSQL(1)) AND status = 'open' AND customer_id IS NULL
            """, token).first {
            return (try r.requiredString("id"), nil)
        }
        guard create else { return nil }
        let token = CartToken.generate(), id = Cart.newID()
        try sql.execute("INSERT INTO carts (id, token_hash, currency) VALUES ($1::uuid, \(CartToken.hashSQL(2)), $3)", id, token, settings.currency)
        return (id, token)
    }

    /// The cart `owner.cartID` names, checked against the owner given with it: a customer's
    /// own cart, a guest's by their token; by id alone (staff, modules), any cart.
    func namedCart(_ owner: Owner) throws -> (id: String, status: String) {
        guard let cartID = owner.cartID else { throw CartError.invalid("cart_id", "is required") }
        guard let r = try sql.execute("""
            SELECT status, customer_id, coalesce(token_hash = \(CartToken.hashSQL(2)), false) AS token_ok FROM carts WHERE id = $1::uuid
            """, cartID, owner.cartToken ?? "").first else { throw CartError.notFound("cart '\(cartID)'") }
        if let customer = owner.customerID {
            guard try r.string("customer_id") == customer else { throw CartError.forbidden("cart_id", "the cart is not the customer's") }
        } else if owner.cartToken != nil {
            guard try r.bool("token_ok") == true, try r.string("customer_id") == nil else { throw CartError.forbidden("cart_id", "the cart is not this guest's") }
        }
        return (cartID, try r.requiredString("status"))
    }

    /// The customer's open shopping cart.
    func customerCart(_ customerID: String) throws -> String? {
        try sql.execute("SELECT id::text FROM carts WHERE customer_id = $1 AND status = 'open' AND purpose = 'shop'", customerID)
            .first?.requiredString("id")
    }

    /// Locks the cart's row for a change (inside a transaction) and checks it is open.
    /// Every change takes this lock first, so changes to one cart run one after another.
    @discardableResult
    func lockOpenCart(_ cartID: String) throws -> (currency: String, lineCount: Int64) {
        guard let r = try sql.execute("""
            SELECT status, order_id, currency, (SELECT count(*) FROM cart_lines WHERE cart_id = c.id) AS lines FROM carts c WHERE id = $1::uuid FOR UPDATE
            """, cartID).first else { throw CartError.notFound("cart '\(cartID)'") }
        let status = try r.requiredString("status")
        guard status == "open" else {
            let detail = status == "converted" ? "it became order \(try r.string("order_id") ?? "?")" : "it was merged into the customer's cart"
            throw CartError.conflict("cart", "the cart is \(status): \(detail); a new add starts a new cart")
        }
        return (try r.requiredString("currency"), try r.requiredInt64("lines"))
    }

    /// Marks a change: the version moves on (Order keys idempotency on cart id + version).
    func touch(_ cartID: String) throws {
        try sql.execute("UPDATE carts SET version = version + 1, updated_at = now() WHERE id = $1::uuid", cartID)
    }
}
