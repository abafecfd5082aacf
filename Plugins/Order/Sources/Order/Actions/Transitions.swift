import EOPSDK

/// Reading orders and moving their state machines. Every change happens on a row
/// locked with `FOR UPDATE` inside the caller's transaction, so a fact handler, a
/// staff action and a payment answer touching one order take turns.
extension Order {
    /// One order, locked for the rest of the transaction when `lock` (the default).
    func order(_ id: String, lock: Bool = true) throws -> OrderRow {
        let rows = try sql.execute("SELECT \(OrderRow.columns) FROM orders WHERE id = $1::uuid\(lock ? " FOR UPDATE" : "")", id)
        guard let row = rows.first else { throw OrderError.notFound("order '\(id)'") }
        return try OrderRow(row)
    }

    /// Moves one machine of a locked order to `to` with a history row; returns false when
    /// it is already there. A transition the machine does not allow is refused naming both states.
    @discardableResult
    func transition(_ order: inout OrderRow, _ machine: Machine, to: String, reason: String, actor: String) throws -> Bool {
        let from = order.state(machine)
        guard from != to else { return false }
        guard machine.allows(from: from, to: to) else {
            throw OrderError.conflict(machine.column, "order \(order.number): the \(machine.rawValue) state cannot go from '\(from)' to '\(to)'",
                                      extra: ["from": from, "to": to, "machine": machine.rawValue])
        }
        try sql.execute("UPDATE orders SET \(machine.column) = $2, updated_at = now() WHERE id = $1::uuid", order.id, to)
        try history(order.id, machine, from: from, to: to, reason: reason, actor: actor)
        order.set(machine, to)
        return true
    }

    /// A history row.
    func history(_ orderID: String, _ machine: Machine, from: String?, to: String, reason: String, actor: String) throws {
        try sql.execute("INSERT INTO order_history (order_id, machine, from_state, to_state, reason, actor) VALUES ($1::uuid, $2, $3, $4, $5, $6)",
                        orderID, machine.rawValue, from, to, reason, actor)
    }

    /// Confirms a pending order (payment authorized or captured, or cash on delivery) and
    /// publishes `order.order.confirmed`. Nothing happens to an order past pending.
    func confirmIfPending(_ order: inout OrderRow, reason: String, actor: String) throws {
        guard order.status == "pending" else { return }
        try transition(&order, .order, to: "confirmed", reason: reason, actor: actor)
        try publishStatusFact("order.order.confirmed", order, reason: reason)
    }
}
