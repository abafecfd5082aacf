import EOPABI
import EOPSDK

/// Returns: the customer (or staff for them) asks to send shipped items back, staff
/// approve or reject, receive the parcel, and refund through Payment's
/// `payment.refund.create` with one idempotency key per return (`return:<id>`), so a
/// repeated refund request reaches the same refund.
extension Order {
    /// `{"items": [{"line_id","quantity"}], "reason"}` → the return's id; publishes `order.return.requested`.
    /// `owner` is the customer or guest asking (nil: staff).
    func requestReturn(orderID: String, owner: Owner?, _ body: JSONInput, actor: String) throws -> String {
        let reason = try body.string("reason", max: 1000)
        let given = try body.objects("items")
        guard !given.isEmpty else { throw OrderError.invalid("items", "must name at least one line") }
        return try sql.transaction {
            let order = try order(orderID)
            if let owner, !order.belongs(to: owner) { throw OrderError.notFound("order '\(orderID)'") }
            guard order.status != "canceled" else { throw OrderError.conflict("status", "order \(order.number) is canceled") }
            var returnable: [String: (Int64, String)] = [:]
            for r in try sql.execute("""
                SELECT l.id::text AS id, l.sku,
                       coalesce((SELECT sum(i.quantity) FROM fulfillment_items i JOIN fulfillments f ON f.id = i.fulfillment_id
                                 WHERE i.line_id = l.id AND f.status IN ('shipped', 'delivered')), 0)
                     - coalesce((SELECT sum(ri.quantity) FROM return_items ri JOIN returns rt ON rt.id = ri.return_id
                                 WHERE ri.line_id = l.id AND rt.status <> 'rejected'), 0) AS left
                FROM order_lines l WHERE l.order_id = $1::uuid
                """, orderID) {
                returnable[try r.requiredString("id")] = (try r.requiredInt64("left"), try r.requiredString("sku"))
            }
            var items: [(String, Int64, String)] = []
            for item in given {
                let line = try item.id("line_id")
                guard let (left, sku) = returnable[line] else { throw OrderError.invalid(item.field("line_id"), "order \(order.number) has no line '\(line)'") }
                let quantity = try item.int("quantity", min: 1)
                guard quantity <= left else {
                    throw OrderError.conflict(item.field("quantity"), left == 0 ? "nothing of line '\(line)' has shipped or it is already being returned"
                                                                             : "only \(left) of line '\(line)' can be returned (shipped and not yet returned)")
                }
                guard !items.contains(where: { $0.0 == line }) else { throw OrderError.invalid(item.field("line_id"), "line '\(line)' is named twice") }
                items.append((line, quantity, sku))
            }
            let id = Self.newID()
            try sql.execute("INSERT INTO returns (id, order_id, reason, requested_by) VALUES ($1::uuid, $2::uuid, $3, $4)", id, orderID, reason, actor)
            for (line, quantity, _) in items {
                try sql.execute("INSERT INTO return_items (return_id, line_id, quantity) VALUES ($1::uuid, $2::uuid, $3)", id, line, quantity)
            }
            try publishReturnRequested(order, returnID: id, reason: reason, items: items.map { ["line_id": $0.0, "quantity": $0.1, "sku": $0.2] })
            return id
        }
    }

    /// Staff move a return: `approve` (requested → approved), `reject` (requested → rejected,
    /// with a `note`), `receive` (approved → received; the order's fulfilment state may become returned).
    func moveReturn(_ id: String, action: String, _ body: JSONInput, actor: String) throws {
        let moves: [String: (from: String, to: String)] = ["approve": ("requested", "approved"), "reject": ("requested", "rejected"), "receive": ("approved", "received")]
        guard let move = moves[action] else { throw OrderError.notFound("return action '\(action)'") }
        let note = try body.optionalString("note", max: 1000) ?? ""
        try sql.transaction {
            let (orderID, status) = try returnStatus(id)
            var order = try order(orderID)
            guard status == move.from else {
                throw OrderError.conflict("status", "return \(id) is \(status): it cannot go from \(status) to \(move.to) (only \(move.from) → \(move.to))")
            }
            try sql.execute("UPDATE returns SET status = $2, note = CASE WHEN $3 = '' THEN note ELSE $3 END, updated_at = now() WHERE id = $1::uuid", id, move.to, note)
            if move.to == "received" { try settleFulfillmentState(&order, reason: "return \(id) received", actor: actor) }
        }
    }

    /// `POST /api/order/returns/{id}/refund` `{"amount"?}`: refunds a received return through
    /// Payment. Default amount: the returned items at the prices paid, at most what is still
    /// refundable. The payment state moves when Payment's `payment.payment.refunded` arrives.
    func refundReturn(_ id: String, _ body: JSONInput, actor: String) throws {
        let asked = try body.optionalInt("amount", min: 1)
        let (orderID, status) = try returnStatus(id)
        guard status == "received" else { throw OrderError.conflict("status", "return \(id) is \(status): only a received return is refunded") }
        let o = try order(orderID, lock: false)
        let refundable = o.amountPaid - o.amountRefunded
        guard refundable > 0 else { throw OrderError.conflict("amount", "order \(o.number) has nothing left to refund (paid \(o.amountPaid), refunded \(o.amountRefunded))") }
        let worth = try sql.execute("""
            SELECT coalesce(sum(ri.quantity * l.unit_price), 0) AS worth FROM return_items ri JOIN order_lines l ON l.id = ri.line_id WHERE ri.return_id = $1::uuid
            """, id).first?.requiredInt64("worth") ?? 0
        let amount = asked ?? min(worth, refundable)
        guard amount <= refundable else { throw OrderError.conflict("amount", "at most \(refundable) can still be refunded on order \(o.number)") }
        guard let paymentID = try sql.execute("""
            SELECT payment_id FROM payments WHERE order_id = $1::uuid AND payment_id IS NOT NULL AND status IN ('captured', 'refunded') ORDER BY attempt DESC LIMIT 1
            """, orderID).first?.string("payment_id") else {
            throw OrderError.conflict("amount", "order \(o.number) has no captured payment to refund")
        }
        let refund = try requestRefund(o, paymentID: paymentID, amount: amount, reason: "return \(id)", key: "return:\(id)")
        try sql.execute("""
            UPDATE returns SET status = 'refunded', refund_amount = $2, refund_id = $3, refund_status = $4, updated_at = now() WHERE id = $1::uuid AND status = 'received'
            """, id, amount, refund.id, refund.status)
    }

    /// `payment.refund.create`; Payment missing is a 503 naming it, a refusal a 422.
    func requestRefund(_ o: OrderRow, paymentID: String, amount: Int64, reason: String, key: String) throws -> (id: String, status: String) {
        let payload: [String: Any] = ["payment_id": paymentID, "order_id": o.id, "amount": amount, "reason": reason, "idempotency_key": key]
        let reply: String
        do {
            reply = try host.request("payment.refund.create", json: JSON.text(payload), timeoutMS: settings.paymentTimeoutMS)
        } catch {
            switch error.status {
            case EOP_ERR_NOT_FOUND, EOP_ERR_UNAVAILABLE:
                throw OrderError.unavailable("Payment is not active (payment.refund.create has no answer): nothing was refunded on order \(o.number)", extra: ["missing": "payment"])
            case EOP_ERR_TIMEOUT:
                throw OrderError.unavailable("Payment did not answer payment.refund.create in time; ask again (the same refund is reused)")
            default:
                throw OrderError.unprocessable("amount", "Payment refused the refund: \(error.message)")
            }
        }
        guard let answer = JSON.parse(reply) as? [String: Any], let refundID = answer["refund_id"] as? String else {
            throw OrderError(502, "Payment's answer to payment.refund.create lacks refund_id: \(reply.prefix(300))")
        }
        return (refundID, answer["status"] as? String ?? "pending")
    }

    private func returnStatus(_ id: String) throws -> (String, String) {
        guard let r = try sql.execute("SELECT order_id::text AS order_id, status FROM returns WHERE id = $1::uuid", id).first else {
            throw OrderError.notFound("return '\(id)'")
        }
        return (try r.requiredString("order_id"), try r.requiredString("status"))
    }
}
