import EOPSDK

/// The facts Order publishes (schemas in Manifests/events/order.*.json). Each is
/// published inside the transaction that made the change, so it goes out exactly when
/// the change commits and never for a change that rolled back.
extension Order {
    /// `order.order.placed`: the order as copied from the cart, with its lines.
    func publishPlaced(_ order: OrderRow, snapshot: CartSnapshot, lineIDs: [String]) throws {
        var payload: [String: Any] = [
            "order_id": order.id, "number": order.number, "cart_id": snapshot.cartID, "total": order.total, "currency": order.currency,
            "subtotal": snapshot.subtotal, "discount": snapshot.discount, "tax": snapshot.tax, "shipping": snapshot.shipping,
            "payment_method": order.paymentMethod,
            "items": zip(snapshot.items, lineIDs).map { line, id in
                ["line_id": id, "cart_line_id": line.cartLineID, "kind": line.kind, "variant_id": line.variantID, "sku": line.sku,
                 "name": line.name, "quantity": line.quantity, "unit_price": line.unitPrice, "total": line.total] as [String: Any]
            },
        ]
        payload.merge(order.factCustomer) { own, _ in own }
        try host.publish("order.order.placed", json: JSON.text(payload), schemaVersion: 1)
    }

    /// `order.order.confirmed`, `order.order.canceled` or `order.order.completed`.
    func publishStatusFact(_ topic: String, _ order: OrderRow, reason: String) throws {
        var payload: [String: Any] = ["order_id": order.id, "number": order.number, "status": order.status, "payment_status": order.paymentStatus,
                                      "total": order.total, "currency": order.currency, "reason": reason]
        payload.merge(order.factCustomer) { own, _ in own }
        try host.publish(topic, json: JSON.text(payload), schemaVersion: 1)
    }

    /// `order.order.paid`: captured in full.
    func publishPaid(_ order: OrderRow) throws {
        var payload: [String: Any] = ["order_id": order.id, "number": order.number, "total": order.total, "currency": order.currency,
                                      "amount_paid": order.amountPaid, "payment_method": order.paymentMethod]
        payload.merge(order.factCustomer) { own, _ in own }
        try host.publish("order.order.paid", json: JSON.text(payload), schemaVersion: 1)
    }

    /// `order.fulfillment.shipped` or `order.fulfillment.delivered` for one fulfilment.
    func publishFulfillment(_ topic: String, _ order: OrderRow, fulfillmentID: String) throws {
        guard let f = try sql.execute("""
            SELECT carrier, tracking_number, tracking_url, (SELECT coalesce(json_agg(json_build_object('line_id', l.id, 'sku', l.sku, 'name', l.name,
                   'quantity', i.quantity) ORDER BY l.position), '[]')::text FROM fulfillment_items i JOIN order_lines l ON l.id = i.line_id
                   WHERE i.fulfillment_id = f.id) AS items
            FROM fulfillments f WHERE f.id = $1::uuid
            """, fulfillmentID).first else { return }
        var payload: [String: Any] = ["order_id": order.id, "number": order.number, "fulfillment_id": fulfillmentID,
                                      "carrier": try f.requiredString("carrier"), "tracking_number": try f.requiredString("tracking_number"),
                                      "tracking_url": try f.requiredString("tracking_url"), "items": JSON.parse(try f.string("items")) ?? []]
        payload.merge(order.factCustomer) { own, _ in own }
        try host.publish(topic, json: JSON.text(payload), schemaVersion: 1)
    }

    /// `order.return.requested`.
    func publishReturnRequested(_ order: OrderRow, returnID: String, reason: String, items: [[String: Any]]) throws {
        var payload: [String: Any] = ["order_id": order.id, "number": order.number, "return_id": returnID, "reason": reason, "items": items]
        payload.merge(order.factCustomer) { own, _ in own }
        try host.publish("order.return.requested", json: JSON.text(payload), schemaVersion: 1)
    }

    /// `order.invoice.issued`.
    func publishInvoiceIssued(_ order: OrderRow, invoiceID: String, number: String) throws {
        var payload: [String: Any] = ["invoice_id": invoiceID, "invoice_number": number, "order_id": order.id, "number": order.number,
                                      "total": order.total, "currency": order.currency]
        payload.merge(order.factCustomer) { own, _ in own }
        try host.publish("order.invoice.issued", json: JSON.text(payload), schemaVersion: 1)
    }
}
