import EOPSDK
import Foundation

extension Cart {
    /// `order.order.placed`: the order's cart (`cart_id`) is converted — never reused: the
    /// owner's next add starts a new cart. Runs in the delivery's transaction, so a
    /// redelivered event finds the cart converted and changes nothing. The first conversion
    /// also fills the customer's empty preferences (email, addresses, payment method) from
    /// this order, for express checkout.
    func orderPlaced(_ event: IncomingEvent) throws -> HandlerResult {
        guard let payload = JSON.decode(event.payloadText) as? [String: Any] else { return .fail("order.order.placed payload is not a JSON object") }
        guard let cartText = payload["cart_id"] as? String, let cartID = UUID(uuidString: cartText)?.uuidString.lowercased() else {
            return .ok  // an order not made from a cart (e.g. by staff): nothing to convert
        }
        let orderID = payload["order_id"] as? String ?? ""
        let converted = try sql.execute("""
            UPDATE carts SET status = 'converted', order_id = $2, converted_at = now(), version = version + 1, updated_at = now()
            WHERE id = $1::uuid AND status = 'open' RETURNING customer_id
            """, cartID, orderID)
        guard let row = converted.first else {
            if let other = try sql.execute("SELECT status, order_id FROM carts WHERE id = $1::uuid", cartID).first,
               try other.string("order_id") != orderID {
                host.log(.warning, "cart: order \(orderID) names cart \(cartID), which is \(try other.requiredString("status")) (order \(try other.string("order_id") ?? "none"))")
            }
            return .ok
        }
        if try row.string("customer_id") != nil {
            try sql.execute("""
                INSERT INTO preferences (customer_id, email, shipping_address, billing_address, payment_method)
                SELECT customer_id, email, shipping_address, coalesce(billing_address, shipping_address), $2 FROM carts WHERE id = $1::uuid
                ON CONFLICT (customer_id) DO UPDATE SET
                    email = coalesce(preferences.email, EXCLUDED.email),
                    shipping_address = coalesce(preferences.shipping_address, EXCLUDED.shipping_address),
                    billing_address = coalesce(preferences.billing_address, EXCLUDED.billing_address),
                    payment_method = coalesce(preferences.payment_method, EXCLUDED.payment_method),
                    updated_at = now()
                """, cartID, payload["payment_method"] as? String)
        }
        return .ok
    }
}
