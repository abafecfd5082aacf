import EOPSDK
import Foundation

/// Reading orders: one order with everything it holds, lists for staff and customers,
/// and the queries Storefront asks. The JSON is built by PostgreSQL in one statement.
extension Order {
    /// One order as JSON; `staff` adds its history (who changed what, when).
    func orderJSON(_ id: String, staff: Bool) throws -> [String: Any] {
        let u = Self.utc
        let history = staff ? """
            , 'history', (SELECT coalesce(json_agg(json_build_object('machine', h.machine, 'from', h.from_state, 'to', h.to_state, 'reason', h.reason,
                          'actor', h.actor, 'at', to_char(h.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ORDER BY h.id), '[]')
                          FROM order_history h WHERE h.order_id = o.id)
            """ : ""
        guard let r = try sql.execute("""
            SELECT json_build_object(
                'id', o.id, 'number', o.number, 'status', o.status, 'payment_status', o.payment_status, 'fulfillment_status', o.fulfillment_status,
                'currency', o.currency, 'subtotal', o.subtotal, 'discount', o.discount, 'tax', o.tax, 'shipping', o.shipping, 'total', o.total,
                'amount_paid', o.amount_paid, 'amount_refunded', o.amount_refunded, 'adjustments', o.adjustments, 'codes', o.codes,
                'shipping_address', o.shipping_address, 'billing_address', o.billing_address, 'cart_id', o.cart_id,
                'customer', json_build_object('id', o.customer_id, 'guest', o.customer_id IS NULL, 'email', o.customer_email,
                                              'name', o.customer_name, 'phone', o.customer_phone),
                'payment_method', o.payment_method, 'payment_attempt', o.payment_attempt,
                'placed_at', \(u("o.placed_at")), 'updated_at', \(u("o.updated_at")),
                'lines', (SELECT coalesce(json_agg(json_build_object('id', l.id, 'kind', l.kind, 'variant_id', l.variant_id, 'sku', l.sku, 'name', l.name,
                          'quantity', l.quantity, 'unit_price', l.unit_price, 'total', l.total) ORDER BY l.position), '[]') FROM order_lines l WHERE l.order_id = o.id),
                'payments', (SELECT coalesce(json_agg(json_build_object('attempt', p.attempt, 'method', p.method, 'payment_id', p.payment_id,
                          'status', p.status, 'next_action', p.next_action, 'error', p.error) ORDER BY p.attempt), '[]') FROM payments p WHERE p.order_id = o.id),
                'fulfillments', (SELECT coalesce(json_agg(json_build_object('id', f.id, 'status', f.status, 'carrier', f.carrier,
                          'tracking_number', f.tracking_number, 'tracking_url', f.tracking_url, 'created_at', \(u("f.created_at")),
                          'shipped_at', \(u("f.shipped_at")), 'delivered_at', \(u("f.delivered_at")),
                          'items', (SELECT json_agg(json_build_object('line_id', i.line_id, 'quantity', i.quantity)) FROM fulfillment_items i WHERE i.fulfillment_id = f.id))
                          ORDER BY f.created_at, f.id), '[]') FROM fulfillments f WHERE f.order_id = o.id),
                'returns', (SELECT coalesce(json_agg(\(Self.returnObject("rt")) ORDER BY rt.created_at, rt.id), '[]') FROM returns rt WHERE rt.order_id = o.id),
                'invoice', (SELECT json_build_object('id', i.id, 'number', i.number, 'issued_at', \(u("i.issued_at"))) FROM invoices i WHERE i.order_id = o.id)
                \(history)
            )::text AS j FROM orders o WHERE o.id = $1::uuid
            """, id).first, let object = JSON.parse(try r.string("j")) as? [String: Any] else {
            throw OrderError.notFound("order '\(id)'")
        }
        return object
    }

    /// A return as a JSON object (SQL over the alias of `returns`).
    static func returnObject(_ alias: String) -> String {
        """
        json_build_object('id', \(alias).id, 'order_id', \(alias).order_id, 'status', \(alias).status, 'reason', \(alias).reason, 'note', \(alias).note,
            'requested_by', \(alias).requested_by, 'refund_amount', \(alias).refund_amount, 'refund_id', \(alias).refund_id,
            'refund_status', \(alias).refund_status, 'created_at', \(utc("\(alias).created_at")), 'updated_at', \(utc("\(alias).updated_at")),
            'items', (SELECT json_agg(json_build_object('line_id', ri.line_id, 'quantity', ri.quantity)) FROM return_items ri WHERE ri.return_id = \(alias).id))
        """
    }

    func returnJSON(_ id: String) throws -> [String: Any] {
        guard let r = try sql.execute("SELECT \(Self.returnObject("rt"))::text AS j FROM returns rt WHERE rt.id = $1::uuid", id).first,
              let object = JSON.parse(try r.string("j")) as? [String: Any] else { throw OrderError.notFound("return '\(id)'") }
        return object
    }

    /// `GET /api/order/returns?status=`: returns for staff, oldest first.
    func listReturns(status: String?) throws -> [String: Any] {
        if let status, !["requested", "approved", "rejected", "received", "refunded"].contains(status) {
            throw OrderError.invalid("status", "\"\(status)\" is not one of requested, approved, rejected, received, refunded")
        }
        let r = try sql.execute("""
            SELECT coalesce(json_agg(\(Self.returnObject("rt")) ORDER BY rt.created_at, rt.id), '[]')::text AS j
            FROM returns rt WHERE ($1::text IS NULL OR rt.status = $1)
            """, status)
        return ["returns": JSON.parse(try r.first?.string("j")) ?? []]
    }

    /// A page of orders, newest first: filters on the three states, the customer, a number
    /// or email (`q`); `after` is the last id of the previous page.
    func listOrders(_ query: [(String, String)], only owner: Owner? = nil) throws -> [String: Any] {
        func value(_ name: String) -> String? { query.first { $0.0 == name }.map(\.1).flatMap { $0.isEmpty ? nil : $0 } }
        var conditions: [String] = [], parameters: [SQLValue] = []
        func add(_ condition: String, _ value: SQLValue) {
            parameters.append(value)
            conditions.append(condition.replacingOccurrences(of: "$?", with: "$\(parameters.count)"))
        }
        for machine in Machine.allCases {
            let name = machine.column
            guard let state = value(name) else { continue }
            guard machine.states.contains(state) else { throw OrderError.invalid(name, "\"\(state)\" is not one of \(machine.states.joined(separator: ", "))") }
            add("o.\(name) = $?", .text(state))
        }
        switch owner {
        case .customer(let id)?: add("o.customer_id = $?", .text(id))
        case .guest?: add("o.guest_token_hash = $?", .text(owner?.guestTokenHash ?? ""))
        case nil:
            if let customer = value("customer_id") { add("o.customer_id = $?", .text(customer)) }
            if let q = value("q") { add("(o.number = $? OR lower(o.customer_email) = lower($?))", .text(q)) }
        }
        let limitText = value("limit") ?? "50"
        guard let limit = Int(limitText), (1...200).contains(limit) else { throw OrderError.invalid("limit", "must be a whole number from 1 to 200") }
        if let after = value("after") {
            guard let id = UUID(uuidString: after)?.uuidString.lowercased() else { throw OrderError.invalid("after", "\"\(after)\" is not an order id") }
            add("(o.placed_at, o.id) < (SELECT placed_at, id FROM orders WHERE id = $?::uuid)", .text(id))
        }
        let rows = try sql.execute("""
            SELECT json_build_object('id', o.id, 'number', o.number, 'status', o.status, 'payment_status', o.payment_status,
                   'fulfillment_status', o.fulfillment_status, 'total', o.total, 'currency', o.currency, 'placed_at', \(Self.utc("o.placed_at")),
                   'customer_id', o.customer_id, 'customer_email', o.customer_email)::text AS j
            FROM orders o \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY o.placed_at DESC, o.id DESC LIMIT \(limit + 1)
            """, parameters: parameters)
        var orders = try rows.compactMap { JSON.parse(try $0.string("j")) as? [String: Any] }
        let more = orders.count > limit
        if more { orders.removeLast() }
        var page: [String: Any] = ["orders": orders]
        if more, let last = orders.last?["id"] as? String { page["next"] = last }
        return page
    }

    /// `order.customer.orders` `{"customer_id","limit"?}` → `{"orders": [{"id","number","status","placed_at","total","currency",…}]}`.
    func customerOrders(_ input: JSONInput) throws -> [String: Any] {
        let customer = try input.string("customer_id", max: 200)
        let limit = try input.optionalInt("limit", min: 1, max: 200) ?? 50
        return try listOrders([("limit", "\(limit)")], only: .customer(customer))
    }

    /// `order.order.get` owner (`customer_id` or `cart_token`) + `number`, `order_id` or
    /// `payment_id` → the order as its owner sees it (`GET /api/order/my/orders/{id}`).
    /// Someone else's order is "not found", as on that route. Storefront's confirmation page
    /// asks it, by number after checkout and by payment id when Payment sends the shopper back.
    func ownerOrder(_ input: JSONInput) throws -> [String: Any] {
        let owner = try Owner.from(input)
        let id: String?
        if let number = try input.optionalString("number", max: 100) {
            id = try sql.execute("SELECT id::text AS id FROM orders WHERE number = $1", number).first?.string("id")
        } else if let orderID = try input.optionalString("order_id", max: 100) {
            guard let uuid = UUID(uuidString: orderID) else { throw OrderError.invalid("order_id", "\"\(orderID)\" is not an order id") }
            id = uuid.uuidString.lowercased()
        } else if let paymentID = try input.optionalString("payment_id", max: 200) {
            id = try sql.execute("SELECT order_id::text AS id FROM payments WHERE payment_id = $1 LIMIT 1", paymentID).first?.string("id")
        } else {
            throw OrderError.invalid("number", "name the order: number, order_id or payment_id")
        }
        guard let id, let row = try? order(id, lock: false), row.belongs(to: owner) else { throw OrderError.notFound("order") }
        return try orderJSON(id, staff: false)
    }

    /// `order.checkout.quote` owner → the totals the customer would pay now, from Cart's cart.
    func checkoutQuote(_ input: JSONInput) throws -> [String: Any] {
        let cart = try cart(try Owner.from(input))
        let items = cart["items"] as? [[String: Any]] ?? []
        let adjustments = cart["adjustments"] as? [[String: Any]] ?? []
        var quote: [String: Any] = ["currency": cart["currency"] ?? NSNull(), "subtotal": cart["subtotal"] ?? 0, "tax": cart["tax"] ?? 0,
                                    "shipping": cart["shipping"] ?? 0, "total": cart["total"] ?? 0, "adjustments": adjustments,
                                    "discount": adjustments.reduce(Int64(0)) { $0 + (JSON.int($1["amount"]) ?? 0) },
                                    "items_count": items.reduce(Int64(0)) { $0 + (JSON.int($1["quantity"]) ?? 0) },
                                    "price_changes": cart["price_changes"] ?? [Any]()]
        if let id = cart["cart_id"] { quote["cart_id"] = id }
        return quote
    }
}
