import EOPSDK

/// Staff moving an order as a whole: cancel and complete.
extension Order {
    /// `POST /api/order/orders/{id}/cancel` `{"reason"}`: a pending or confirmed order with
    /// nothing shipped. What was captured is refunded through Payment first (key
    /// `order:<id>:cancel`); if that fails, the order stays as it was.
    func cancel(orderID: String, _ body: JSONInput, actor: String) throws {
        let reason = try body.optionalString("reason", max: 1000) ?? "canceled by staff"
        let o = try order(orderID, lock: false)
        guard Machine.order.allows(from: o.status, to: "canceled") else {
            throw OrderError.conflict("status", "order \(o.number): the order state cannot go from '\(o.status)' to 'canceled'",
                                      extra: ["from": o.status, "to": "canceled", "machine": "order"])
        }
        guard try shippedCount(orderID) == 0 else {
            throw OrderError.conflict("fulfillment_status", "order \(o.number) has shipped items: take them back with a return instead")
        }
        let refundable = o.amountPaid - o.amountRefunded
        if refundable > 0 {
            guard let paymentID = try sql.execute("""
                SELECT payment_id FROM payments WHERE order_id = $1::uuid AND payment_id IS NOT NULL AND status IN ('captured', 'refunded') ORDER BY attempt DESC LIMIT 1
                """, orderID).first?.string("payment_id") else {
                throw OrderError.conflict("payment_status", "order \(o.number) has \(refundable) paid but no captured payment to refund")
            }
            _ = try requestRefund(o, paymentID: paymentID, amount: refundable, reason: "order \(o.number) canceled: \(reason)", key: "order:\(o.id):cancel")
        }
        try sql.transaction {
            var order = try order(orderID)
            guard try shippedCount(orderID) == 0 else {
                throw OrderError.conflict("fulfillment_status", "order \(order.number) has shipped items: take them back with a return instead")
            }
            try transition(&order, .order, to: "canceled", reason: reason, actor: actor)
            try publishStatusFact("order.order.canceled", order, reason: reason)
        }
    }

    /// `POST /api/order/orders/{id}/complete`: a confirmed order that is paid and, when it has
    /// anything to ship, delivered.
    func complete(orderID: String, actor: String) throws {
        try sql.transaction {
            var order = try order(orderID)
            guard order.paymentStatus == "paid" || order.paymentStatus == "partially_refunded" else {
                throw OrderError.conflict("payment_status", "order \(order.number) is \(order.paymentStatus): only a paid order is completed")
            }
            let shippable = try sql.execute("""
                SELECT count(*) AS n FROM order_lines WHERE order_id = $1::uuid AND NOT (kind = ANY(string_to_array($2, ',')))
                """, orderID, Self.unshippedKinds.sorted().joined(separator: ",")).first?.requiredInt64("n") ?? 0
            if shippable > 0, order.fulfillmentStatus != "delivered" {
                throw OrderError.conflict("fulfillment_status", "order \(order.number) is \(order.fulfillmentStatus): it is completed once delivered")
            }
            try transition(&order, .order, to: "completed", reason: "completed", actor: actor)
            try publishStatusFact("order.order.completed", order, reason: "completed")
        }
    }

    private func shippedCount(_ orderID: String) throws -> Int64 {
        try sql.execute("SELECT count(*) AS n FROM fulfillments WHERE order_id = $1::uuid AND status IN ('shipped', 'delivered')", orderID)
            .first?.requiredInt64("n") ?? 0
    }
}
