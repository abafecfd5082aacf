import EOPSDK
import Foundation

extension Cart {
    /// A guest who signs in brings their guest cart (its token) to the customer's:
    /// - no open customer cart: the guest cart becomes the customer's (its token stops working);
    /// - otherwise its lines move over: a variant already there adds up its quantity (capped
    ///   at `max_line_quantity`), other lines move as they are; codes join, and the customer
    ///   cart's email and addresses stay unless it has none. The guest cart ends `merged`.
    /// An unknown token, or one whose cart is no longer open, merges nothing. Returns whether
    /// anything merged. Refused (409): carts in two currencies, or too many lines together.
    @discardableResult
    func mergeGuestCart(token: String, into customerID: String) throws -> Bool {
        try sql.transaction {
            guard let guest = try sql.execute("""
                SELECT id::text, currency, email, shipping_address::text AS shipping, billing_address::text AS billing
                FROM carts WHERE token_hash = \(CartToken.hashSQL(1)) AND status = 'open' AND customer_id IS NULL FOR UPDATE
                """, token).first else { return false }
            let guestID = try guest.requiredString("id")
            guard let target = try sql.execute("""
                SELECT id::text, currency, (SELECT count(*) FROM cart_lines l WHERE l.cart_id = c.id) AS lines
                FROM carts c WHERE customer_id = $1 AND status = 'open' AND purpose = 'shop' FOR UPDATE
                """, customerID).first else {
                try sql.execute("UPDATE carts SET customer_id = $2, token_hash = NULL, version = version + 1, updated_at = now() WHERE id = $1::uuid",
                                guestID, customerID)
                return true
            }
            let targetID = try target.requiredString("id")
            let guestLines = try sql.execute("SELECT id::text, variant_id::text, quantity FROM cart_lines WHERE cart_id = $1::uuid ORDER BY created_at, id", guestID)
            let targetLines = try target.requiredInt64("lines")
            let guestCurrency = try guest.requiredString("currency"), targetCurrency = try target.requiredString("currency")
            if !guestLines.isEmpty, targetLines > 0, guestCurrency != targetCurrency {
                throw CartError.conflict("cart_token", "the guest cart is in \(guestCurrency) and the customer's cart in \(targetCurrency); empty one of them first")
            }
            var added: Int64 = 0
            for line in guestLines {
                let lineID = try line.requiredString("id")
                if let variant = try line.string("variant_id"), try sql.execute("""
                    UPDATE cart_lines SET quantity = least(quantity + $3, $4) WHERE cart_id = $1::uuid AND variant_id = $2::uuid
                    """, targetID, variant, try line.requiredInt64("quantity"), settings.maxLineQuantity).affected == 1 {
                    continue
                }
                try sql.execute("UPDATE cart_lines SET cart_id = $2::uuid WHERE id = $1::uuid", lineID, targetID)
                added += 1
            }
            guard targetLines + added <= settings.maxLines else {
                throw CartError.conflict("cart_token", "together the carts would hold \(targetLines + added) lines; at most \(settings.maxLines)")
            }
            try sql.execute("UPDATE price_changes SET cart_id = $2::uuid WHERE cart_id = $1::uuid", guestID, targetID)
            try sql.execute("""
                UPDATE carts t SET
                    codes = t.codes || ARRAY(SELECT c FROM unnest(g.codes) WITH ORDINALITY AS u(c, n) WHERE NOT c = ANY(t.codes) ORDER BY n),
                    email = coalesce(t.email, g.email), shipping_address = coalesce(t.shipping_address, g.shipping_address),
                    billing_address = coalesce(t.billing_address, g.billing_address),
                    currency = CASE WHEN $3 = 0 THEN g.currency ELSE t.currency END,
                    version = t.version + 1, updated_at = now()
                FROM carts g WHERE t.id = $1::uuid AND g.id = $2::uuid
                """, targetID, guestID, targetLines)
            try sql.execute("UPDATE carts SET status = 'merged', merged_into = $2::uuid, version = version + 1, updated_at = now() WHERE id = $1::uuid",
                            guestID, targetID)
            return true
        }
    }
}
