import EOPSDK
import Foundation

extension Cart {
    /// `cart.checkout.prepare` (and `POST /api/cart/prepare`): readies a cart for an order.
    ///
    /// Every Catalog line is quoted again at its quantity. A price that differs from the
    /// line's is stored on the line and listed in `price_changes`, the version moves on, and
    /// the answer is a 409 conflict listing old and new prices: the customer sees the change
    /// before paying it, never after. Called again with nothing changed, the answer is the
    /// cart snapshot (the cart view plus `customer_email` and `version`), and the listed
    /// changes, now seen, are cleared.
    func prepare(_ owner: Owner) throws -> [String: Any] {
        guard let cart = try openCart(for: owner, create: false), let first = try record(cart.id) else {
            throw CartError.unprocessable("cart", "there is no cart to check out")
        }
        guard first.isOpen else {
            throw CartError.conflict("cart", first.status == "converted" ? "the cart already became order \(first.orderID ?? "?")" : "the cart was merged into the customer's cart")
        }
        guard !first.lines.isEmpty else { throw CartError.unprocessable("items", "the cart is empty") }

        let priced = first.lines.filter { $0.kind.isCatalogItem && $0.variantID != nil }
        let quotes = priced.isEmpty ? [] : try quote(priced.map { ($0.variantID!, $0.quantity) })
        if let gone = zip(priced, quotes).first(where: { $0.1.unavailable != nil }) {
            throw CartError.conflict("items", "\(gone.0.sku) can no longer be bought: \(gone.1.unavailable ?? ""); remove it to check out",
                                     extra: ["line_id": gone.0.id])
        }
        if let other = zip(priced, quotes).first(where: { $0.1.currency != first.currency }) {
            throw CartError.conflict("items", "\(other.0.sku) is now priced in \(other.1.currency), the cart is in \(first.currency); remove it to check out")
        }
        let changed = zip(priced, quotes).filter { $0.0.unitPrice != $0.1.unitPrice }
        if !changed.isEmpty {
            try sql.transaction {
                try lockOpenCart(first.id)
                for (line, price) in changed {
                    // Only if the line is still as it was quoted (a change meanwhile is priced by that change).
                    guard try sql.execute("UPDATE cart_lines SET unit_price = $3 WHERE id = $1::uuid AND quantity = $2 AND unit_price = $4",
                                          line.id, line.quantity, price.unitPrice, line.unitPrice).affected == 1 else { continue }
                    // Keep the price the customer last saw as `old` when it changes twice before they look.
                    try sql.execute("""
                        INSERT INTO price_changes (line_id, cart_id, sku, old_price, new_price) VALUES ($1::uuid, $2::uuid, $3, $4, $5)
                        ON CONFLICT (line_id) DO UPDATE SET new_price = EXCLUDED.new_price, noticed_at = now()
                        """, line.id, first.id, line.sku, line.unitPrice, price.unitPrice)
                }
                try sql.execute("DELETE FROM price_changes WHERE cart_id = $1::uuid AND old_price = new_price", first.id)
                try touch(first.id)
            }
            let list = changed.map { "\($0.0.sku) \($0.0.unitPrice) → \($0.1.unitPrice)" }.joined(separator: ", ")
            let now = try record(first.id)
            throw CartError.conflict(nil, "prices changed: \(list) (\(first.currency) minor units); check the cart and confirm again",
                                     extra: ["price_changes": now?.priceChanges ?? [], "cart_id": first.id])
        }

        guard let email = first.email else { throw CartError.unprocessable("email", "an email address is needed to place the order (PUT /api/cart/address)") }
        if first.ships, first.shippingAddress == nil {
            throw CartError.unprocessable("shipping_address", "a shipping address is needed: the cart holds goods that ship")
        }
        var snapshot = try view(first)
        if let refused = snapshot["adjustments_error"] as? String { throw CartError.conflict("adjustments", refused) }
        if !first.priceChanges.isEmpty {
            try sql.execute("DELETE FROM price_changes WHERE cart_id = $1::uuid", first.id)
            snapshot["price_changes"] = [Any]()
        }
        snapshot["customer_email"] = email
        snapshot["version"] = first.version
        return snapshot
    }
}
