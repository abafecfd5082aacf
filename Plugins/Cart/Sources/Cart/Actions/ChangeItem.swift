import EOPSDK
import Foundation

extension Cart {
    /// `PATCH /api/cart/items/{line_id}` `{"quantity"}`: sets the line's quantity (1 to
    /// `max_line_quantity`); a Catalog line is priced again for it (tiers). A customer
    /// cannot change a fee line.
    func updateLine(_ owner: Owner, lineID: String, _ input: JSONInput) throws -> [String: Any] {
        try input.only(["quantity"])
        let quantity = try input.int("quantity", min: 1)
        guard quantity <= settings.maxLineQuantity else { throw CartError.unprocessable("quantity", "at most \(settings.maxLineQuantity) per line") }
        guard let cart = try openCart(for: owner, create: false),
              let line = try sql.execute("SELECT kind, variant_id::text, unit_price FROM cart_lines WHERE id = $1::uuid AND cart_id = $2::uuid", lineID, cart.id).first
        else { throw CartError.notFound("line '\(lineID)' in your cart") }
        let kind = LineKind(rawValue: try line.requiredString("kind")) ?? .variant
        if kind == .fee { throw CartError.forbidden("quantity", "a fee line's quantity is fixed") }
        var price: Quote?
        if kind.isCatalogItem, let variant = try line.string("variant_id") {
            price = try quote([(variant, quantity)]).first
            if let reason = price?.unavailable { throw CartError.unprocessable("line_id", "\(price?.sku ?? "") cannot be bought: \(reason)") }
        }
        try checkLineTotal(price?.unitPrice ?? line.requiredInt64("unit_price"), quantity)
        try sql.transaction {
            let locked = try lockOpenCart(cart.id)
            if let price, price.currency != locked.currency {
                throw CartError.conflict("line_id", "the cart is in \(locked.currency); \(price.sku) is now priced in \(price.currency)")
            }
            let changed = try sql.execute("""
                UPDATE cart_lines SET quantity = $3, unit_price = coalesce($4, unit_price) WHERE id = $1::uuid AND cart_id = $2::uuid
                """, lineID, cart.id, quantity, price?.unitPrice)
            guard changed.affected == 1 else { throw CartError.notFound("line '\(lineID)' in your cart") }
            try sql.execute("DELETE FROM price_changes WHERE line_id = $1::uuid", lineID)
            try touch(cart.id)
        }
        return try view(cart.id)
    }

    /// `DELETE /api/cart/items/{line_id}`. A customer cannot remove a fee line.
    func removeLine(_ owner: Owner, lineID: String) throws -> [String: Any] {
        guard let cart = try openCart(for: owner, create: false) else { throw CartError.notFound("line '\(lineID)' in your cart") }
        try sql.transaction {
            try lockOpenCart(cart.id)
            guard let line = try sql.execute("SELECT kind FROM cart_lines WHERE id = $1::uuid AND cart_id = $2::uuid", lineID, cart.id).first else {
                throw CartError.notFound("line '\(lineID)' in your cart")
            }
            if try line.requiredString("kind") == LineKind.fee.rawValue { throw CartError.forbidden("line_id", "a fee line is removed by staff") }
            try sql.execute("DELETE FROM cart_lines WHERE id = $1::uuid", lineID)
            try touch(cart.id)
        }
        return try view(cart.id)
    }
}
