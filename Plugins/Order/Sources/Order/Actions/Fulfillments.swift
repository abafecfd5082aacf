import EOPSDK

/// Fulfilments: staff pack lines (items and quantities) into fulfilments, ship them with
/// a carrier and tracking number, and mark them delivered. The order's fulfilment state
/// follows from its fulfilments and is moved through its machine with a history row.
extension Order {
    /// Lines that are shipped: not digital downloads, fees or gift cards.
    static let unshippedKinds: Set<String> = ["digital", "fee", "gift_card"]

    /// `POST /api/order/orders/{id}/fulfillments` `{"items"?: [{"line_id","quantity"}], "carrier"?, "tracking_number"?, "tracking_url"?}`:
    /// without items, everything not yet in a fulfilment. Only a confirmed order is fulfilled.
    func createFulfillment(orderID: String, _ body: JSONInput, actor: String) throws -> String {
        try sql.transaction {
            var order = try order(orderID)
            guard order.status == "confirmed" else {
                throw OrderError.conflict("status", "order \(order.number) is \(order.status): only a confirmed order is fulfilled")
            }
            let open = try openQuantities(orderID)
            var items: [(String, Int64)] = []
            if let given = try body.optionalObjects("items") {
                guard !given.isEmpty else { throw OrderError.invalid("items", "must name at least one line") }
                for item in given {
                    let line = try item.id("line_id")
                    guard let left = open[line] else { throw OrderError.invalid(item.field("line_id"), "order \(order.number) has no shippable line '\(line)'") }
                    let quantity = try item.int("quantity", min: 1)
                    guard quantity <= left else { throw OrderError.conflict(item.field("quantity"), "only \(left) of line '\(line)' are not yet in a fulfilment") }
                    guard !items.contains(where: { $0.0 == line }) else { throw OrderError.invalid(item.field("line_id"), "line '\(line)' is named twice") }
                    items.append((line, quantity))
                }
            } else {
                items = open.filter { $0.value > 0 }.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 }
                guard !items.isEmpty else { throw OrderError.conflict("items", "every shippable line of order \(order.number) is already in a fulfilment") }
            }
            let id = Self.newID()
            try sql.execute("INSERT INTO fulfillments (id, order_id, carrier, tracking_number, tracking_url, created_by) VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6)",
                            id, orderID, try body.optionalString("carrier", max: 100) ?? "", try body.optionalString("tracking_number", max: 100) ?? "",
                            try trackingURL(body), actor)
            for (line, quantity) in items {
                try sql.execute("INSERT INTO fulfillment_items (fulfillment_id, line_id, quantity) VALUES ($1::uuid, $2::uuid, $3)", id, line, quantity)
            }
            try settleFulfillmentState(&order, reason: "fulfilment \(id) created", actor: actor)
            return id
        }
    }

    /// `POST /api/order/fulfillments/{id}/ship` `{"carrier","tracking_number","tracking_url"?}`:
    /// publishes `order.fulfillment.shipped` with the tracking details.
    func shipFulfillment(_ id: String, _ body: JSONInput, actor: String) throws -> String {
        try sql.transaction {
            let (orderID, status) = try fulfillment(id)
            var order = try order(orderID)
            guard status == "pending" else { throw OrderError.conflict("status", "fulfilment \(id) is already \(status)") }
            guard order.status == "confirmed" else { throw OrderError.conflict("status", "order \(order.number) is \(order.status): it is not shipped") }
            let carrier = try body.string("carrier", max: 100)
            let tracking = try body.string("tracking_number", max: 100)
            try sql.execute("""
                UPDATE fulfillments SET status = 'shipped', carrier = $2, tracking_number = $3,
                       tracking_url = CASE WHEN $4 = '' THEN tracking_url ELSE $4 END, shipped_at = now() WHERE id = $1::uuid
                """, id, carrier, tracking, try trackingURL(body))
            try settleFulfillmentState(&order, reason: "fulfilment \(id) shipped with \(carrier) (\(tracking))", actor: actor)
            try publishFulfillment("order.fulfillment.shipped", order, fulfillmentID: id)
            return orderID
        }
    }

    /// `POST /api/order/fulfillments/{id}/deliver`: publishes `order.fulfillment.delivered`.
    func deliverFulfillment(_ id: String, actor: String) throws -> String {
        try sql.transaction {
            let (orderID, status) = try fulfillment(id)
            var order = try order(orderID)
            guard status == "shipped" else { throw OrderError.conflict("status", "fulfilment \(id) is \(status): only a shipped fulfilment is delivered") }
            try sql.execute("UPDATE fulfillments SET status = 'delivered', delivered_at = now() WHERE id = $1::uuid", id)
            try settleFulfillmentState(&order, reason: "fulfilment \(id) delivered", actor: actor)
            try publishFulfillment("order.fulfillment.delivered", order, fulfillmentID: id)
            return orderID
        }
    }

    private func trackingURL(_ body: JSONInput) throws -> String {
        guard let url = try body.optionalString("tracking_url", max: 2000), !url.isEmpty else { return "" }
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else { throw OrderError.invalid("tracking_url", "must be an http(s) URL") }
        return url
    }

    private func fulfillment(_ id: String) throws -> (String, String) {
        guard let r = try sql.execute("SELECT order_id::text AS order_id, status FROM fulfillments WHERE id = $1::uuid", id).first else {
            throw OrderError.notFound("fulfilment '\(id)'")
        }
        return (try r.requiredString("order_id"), try r.requiredString("status"))
    }

    /// Shippable lines with the quantity not yet in a fulfilment.
    private func openQuantities(_ orderID: String) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for r in try sql.execute("""
            SELECT l.id::text AS id, l.quantity - coalesce((SELECT sum(i.quantity) FROM fulfillment_items i WHERE i.line_id = l.id), 0) AS open
            FROM order_lines l WHERE l.order_id = $1::uuid AND NOT (l.kind = ANY(string_to_array($2, ',')))
            """, orderID, Self.unshippedKinds.sorted().joined(separator: ",")) {
            out[try r.requiredString("id")] = try r.requiredInt64("open")
        }
        return out
    }

    /// Moves the order's fulfilment state to what its fulfilments and returns say:
    /// nothing packed → unfulfilled; some → partially_fulfilled; all → fulfilled, then
    /// shipped when every fulfilment left, delivered when every one arrived; returned when
    /// every shipped item came back.
    func settleFulfillmentState(_ order: inout OrderRow, reason: String, actor: String) throws {
        guard let r = try sql.execute("""
            SELECT coalesce((SELECT sum(quantity) FROM order_lines WHERE order_id = $1::uuid AND NOT (kind = ANY(string_to_array($2, ',')))), 0) AS shippable,
                   coalesce((SELECT sum(i.quantity) FROM fulfillment_items i JOIN fulfillments f ON f.id = i.fulfillment_id WHERE f.order_id = $1::uuid), 0) AS packed,
                   (SELECT count(*) FROM fulfillments WHERE order_id = $1::uuid AND status = 'pending') AS pending,
                   (SELECT count(*) FROM fulfillments WHERE order_id = $1::uuid AND status = 'shipped') AS in_transit,
                   coalesce((SELECT sum(i.quantity) FROM return_items i JOIN returns r ON r.id = i.return_id
                             WHERE r.order_id = $1::uuid AND r.status IN ('received', 'refunded')), 0) AS returned
            """, order.id, Self.unshippedKinds.sorted().joined(separator: ",")).first else { return }
        let shippable = try r.requiredInt64("shippable"), packed = try r.requiredInt64("packed")
        let pending = try r.requiredInt64("pending"), inTransit = try r.requiredInt64("in_transit"), returned = try r.requiredInt64("returned")
        let target: String
        if packed == 0 { target = "unfulfilled" }
        else if packed < shippable { target = "partially_fulfilled" }
        else if pending > 0 { target = "fulfilled" }
        else if returned >= shippable { target = "returned" }
        else if inTransit > 0 { target = "shipped" }
        else { target = "delivered" }
        try transition(&order, .fulfillment, to: target, reason: reason, actor: actor)
    }
}
