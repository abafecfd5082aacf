import EOPABI
import EOPSDK
import Foundation

/// Where a payment attempt stands, as checkout and `…/pay` answer it.
struct PaymentOutcome {
    var paymentID: String?
    var status: String
    /// `{"type": "redirect", "url": …}` or nil.
    var nextAction: Any?
    /// Why Payment did not start it (the order is kept either way).
    var problem: OrderError?

    var json: [String: Any]? {
        paymentID.map { ["payment_id": $0, "status": status, "next_action": nextAction ?? NSNull()] }
    }
}

/// Payments: Order starts them through Payment's `payment.payment.start` after the order
/// commits, and moves its payment state from Payment's answers and facts. Each applied
/// answer or fact is recorded in `payment_facts`, so a repeated one changes nothing.
extension Order {
    /// The attempt's row, if Payment was asked.
    func paymentRow(_ orderID: String, attempt: Int64) throws -> (paymentID: String?, status: String, nextAction: Any?)? {
        guard let r = try sql.execute("SELECT payment_id, status, next_action::text AS next_action FROM payments WHERE order_id = $1::uuid AND attempt = $2",
                                      orderID, attempt).first else { return nil }
        return (try r.string("payment_id"), try r.requiredString("status"), JSON.parse(try r.string("next_action")))
    }

    /// The current attempt's payment: the one Payment already made (whatever its status:
    /// asking again with the same key would only return it), else a new start at Payment.
    func ensurePayment(orderID: String, returnURL: String?) throws -> PaymentOutcome {
        let o = try order(orderID, lock: false)
        if let row = try paymentRow(o.id, attempt: o.paymentAttempt), let id = row.paymentID {
            return PaymentOutcome(paymentID: id, status: row.status, nextAction: row.nextAction)
        }
        guard o.status != "canceled", o.paymentStatus == "unpaid" else { return PaymentOutcome(paymentID: nil, status: "none") }
        return try startPayment(o, returnURL: returnURL)
    }

    /// Asks Payment to start attempt `order.paymentAttempt` with the idempotency key
    /// `order:<id>:<attempt>` (a repeat reaches the same payment, never a second one), and
    /// applies its answer: authorized or captured move the payment state and confirm the
    /// order; cash on delivery confirms it while still unpaid.
    func startPayment(_ o: OrderRow, returnURL: String?) throws -> PaymentOutcome {
        let attempt = o.paymentAttempt
        var payload: [String: Any] = ["order_id": o.id, "amount": o.total - o.amountPaid, "currency": o.currency, "method": o.paymentMethod,
                                      "idempotency_key": "order:\(o.id):\(attempt)"]
        if let returnURL { payload["return_url"] = returnURL }
        var customer: [String: Any] = [:]
        if let id = o.customerID { customer["id"] = id }
        for (key, value) in [("email", o.customerEmail), ("name", o.customerName), ("phone", o.customerPhone)] where !value.isEmpty { customer[key] = value }
        if !customer.isEmpty { payload["customer"] = customer }

        let kept = ["order_id": o.id, "number": o.number, "order_status": o.status, "payment_status": o.paymentStatus]
        let later = "order \(o.number) is kept (\(o.status), \(o.paymentStatus)); pay it with POST /api/order/orders/\(o.id)/pay"
        let reply: String
        do {
            reply = try host.request("payment.payment.start", json: JSON.text(payload), timeoutMS: settings.paymentTimeoutMS)
        } catch {
            var extra: [String: Any] = kept
            let problem: OrderError
            switch error.status {
            case EOP_ERR_NOT_FOUND, EOP_ERR_UNAVAILABLE:
                extra["missing"] = "payment"
                problem = .unavailable("Payment is not active (payment.payment.start has no answer): \(later) once it runs", extra: extra)
            case EOP_ERR_TIMEOUT:
                problem = .unavailable("Payment did not answer in time: \(later) (the same attempt is reused)", extra: extra)
            case EOP_ERR_INVALID:
                problem = OrderError(422, field: "payment_method", "Payment refused to start the payment: \(error.message); \(later)", extra: extra)
            default:
                problem = OrderError(502, "Payment failed to start the payment: \(error.message); \(later)", extra: extra)
            }
            try recordStart(o.id, attempt: attempt, method: o.paymentMethod, paymentID: nil, status: "not_started", nextAction: nil, error: problem.reason)
            return PaymentOutcome(paymentID: nil, status: "not_started", problem: problem)
        }
        guard let answer = JSON.parse(reply) as? [String: Any], let paymentID = answer["payment_id"] as? String, !paymentID.isEmpty,
              let status = answer["status"] as? String, ["pending", "authorized", "captured", "failed"].contains(status) else {
            let problem = OrderError(502, "Payment's answer to payment.payment.start lacks payment_id or a known status: \(reply.prefix(300)); \(later)", extra: kept)
            try recordStart(o.id, attempt: attempt, method: o.paymentMethod, paymentID: nil, status: "not_started", nextAction: nil, error: problem.reason)
            return PaymentOutcome(paymentID: nil, status: "not_started", problem: problem)
        }
        let nextAction = answer["next_action"].flatMap { $0 is NSNull ? nil : $0 }
        try sql.transaction {
            var order = try order(o.id)
            try recordStart(o.id, attempt: attempt, method: o.paymentMethod, paymentID: paymentID, status: status,
                            nextAction: nextAction.map { JSON.text($0) }, error: "")
            let remaining = order.total - order.amountPaid
            switch status {
            case "authorized": try applyPaymentFact(&order, kind: "authorized", paymentID: paymentID, ref: "", amount: remaining, actor: "payment:\(paymentID)")
            case "captured": try applyPaymentFact(&order, kind: "captured", paymentID: paymentID, ref: "", amount: remaining, actor: "payment:\(paymentID)")
            case "pending" where order.paymentMethod == "cod": try confirmIfPending(&order, reason: "cash on delivery", actor: "payment:\(paymentID)")
            default: break
            }
        }
        return PaymentOutcome(paymentID: paymentID, status: status, nextAction: nextAction)
    }

    /// Records Payment's answer for an attempt. A fact may have moved the row on already
    /// (captured before the start's answer is written): an answer never moves it back.
    private func recordStart(_ orderID: String, attempt: Int64, method: String, paymentID: String?, status: String, nextAction: String?, error: String) throws {
        try sql.execute("""
            INSERT INTO payments (order_id, attempt, method, payment_id, status, next_action, error) VALUES ($1::uuid, $2, $3, $4, $5, $6::jsonb, $7)
            ON CONFLICT (order_id, attempt) DO UPDATE SET
                payment_id = coalesce(payments.payment_id, EXCLUDED.payment_id),
                status = CASE WHEN payments.status IN ('not_started', 'pending') THEN EXCLUDED.status ELSE payments.status END,
                next_action = coalesce(EXCLUDED.next_action, payments.next_action), error = EXCLUDED.error, updated_at = now()
            """, parameters: [.text(orderID), .int(attempt), .text(method), paymentID.sqlValue, .text(status), nextAction.sqlValue, .text(error)])
    }

    /// Applies one payment event (a fact, or the start's answer) to a locked order, once:
    /// a second event with the same payment id, kind and reference changes nothing.
    /// Returns whether it was applied.
    @discardableResult
    func applyPaymentFact(_ order: inout OrderRow, kind: String, paymentID: String, ref: String, amount: Int64, actor: String) throws -> Bool {
        let fresh = try sql.execute("INSERT INTO payment_facts (payment_id, kind, ref, order_id, amount) VALUES ($1, $2, $3, $4::uuid, $5) ON CONFLICT DO NOTHING",
                                    paymentID, kind, ref, order.id, amount).affected == 1
        guard fresh else { return false }
        switch kind {
        case "authorized":
            if order.paymentStatus == "unpaid" { try transition(&order, .payment, to: "authorized", reason: "payment \(paymentID) authorized", actor: actor) }
            try confirmIfPending(&order, reason: "payment authorized", actor: actor)
        case "captured":
            order.amountPaid += amount
            try sql.execute("UPDATE orders SET amount_paid = $2 WHERE id = $1::uuid", order.id, order.amountPaid)
            if order.amountPaid >= order.total {
                if try transition(&order, .payment, to: "paid", reason: "payment \(paymentID) captured \(amount)", actor: actor) {
                    try publishPaid(order)
                    if settings.invoiceOnPaid { _ = try issueInvoice(&order, actor: actor) }
                }
            } else if order.paymentStatus == "unpaid" {
                try transition(&order, .payment, to: "authorized", reason: "payment \(paymentID) captured \(amount) of \(order.total)", actor: actor)
            }
            try confirmIfPending(&order, reason: "payment captured", actor: actor)
        case "failed":
            // Only the attempt in use can undo an authorization; an old attempt failing changes nothing.
            let current = try paymentRow(order.id, attempt: order.paymentAttempt)?.paymentID
            if order.paymentStatus == "authorized", current == paymentID {
                try transition(&order, .payment, to: "unpaid", reason: "payment \(paymentID) failed", actor: actor)
            }
        case "refunded":
            order.amountRefunded += amount
            try sql.execute("UPDATE orders SET amount_refunded = $2 WHERE id = $1::uuid", order.id, order.amountRefunded)
            try transition(&order, .payment, to: order.amountRefunded >= order.amountPaid ? "refunded" : "partially_refunded",
                           reason: "refund of \(amount) on payment \(paymentID)", actor: actor)
        default:
            break
        }
        return true
    }

    /// A `payment.payment.*` fact: `{"payment_id","order_id","amount","currency","method","refund_id"?}`.
    /// Unknown orders are not this shop's (ignored); a wrong currency or a forbidden
    /// transition is dead-lettered with the reason.
    func onPaymentFact(_ event: IncomingEvent, kind: String) throws -> HandlerResult {
        let input: JSONInput
        let paymentID: String, orderID: String, amount: Int64, currency: String
        do {
            input = try JSON.object(event.payload, emptyIsObject: false)
            paymentID = try input.string("payment_id", max: 200)
            orderID = try input.id("order_id")
            amount = try input.int("amount")
            currency = try input.string("currency", max: 3).uppercased()
        } catch {
            return .fail("\(event.topic): \(error.description)")
        }
        let ref = kind == "refunded" ? (try? input.optionalString("refund_id", max: 200)).flatMap { $0 } ?? event.id?.uuidString.lowercased() ?? "" : ""
        do {
            return try sql.transaction { () throws -> HandlerResult in
                guard try sql.execute("SELECT 1 FROM orders WHERE id = $1::uuid", orderID).count == 1 else {
                    host.log(.warning, "\(event.topic) for order \(orderID), which this shop does not have: ignored")
                    return .ok
                }
                var order = try order(orderID)
                guard currency == order.currency else {
                    return .fail("\(event.topic): payment \(paymentID) is in \(currency), order \(order.number) in \(order.currency)")
                }
                let status = ["authorized": "authorized", "captured": "captured", "failed": "failed", "refunded": "refunded"][kind] ?? kind
                let updated = try sql.execute("UPDATE payments SET status = $2, updated_at = now() WHERE payment_id = $1", paymentID, status).affected
                if updated == 0 {
                    try sql.execute("""
                        INSERT INTO payments (order_id, attempt, method, payment_id, status) VALUES ($1::uuid, $2, $3, $4, $5)
                        ON CONFLICT (order_id, attempt) DO UPDATE SET payment_id = EXCLUDED.payment_id, status = EXCLUDED.status, updated_at = now()
                        WHERE payments.payment_id IS NULL
                        """, order.id, order.paymentAttempt, (try? input.optionalString("method", max: 40)).flatMap { $0 } ?? order.paymentMethod, paymentID, status)
                }
                try applyPaymentFact(&order, kind: kind, paymentID: paymentID, ref: ref, amount: amount, actor: "payment:\(paymentID)")
                return .ok
            }
        } catch let refusal as OrderError {
            return .fail("\(event.topic): \(refusal.description)")
        }
    }

    /// `POST /api/order/orders/{id}/pay`: starts the payment again. A new attempt (and key)
    /// when the method changes or the last attempt failed; otherwise the same attempt, so a
    /// retry after a lost answer reaches the same payment.
    func pay(orderID: String, owner: Owner?, body: JSONInput) throws -> CheckoutAnswer {
        let method = try body.optionalString("payment_method", max: 40)
        if let method, !method.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) || method.isEmpty {
            throw OrderError.invalid("payment_method", "\"\(method)\" is not a method id (lower-case letters, digits, _)")
        }
        let returnURL = try body.optionalString("return_url", max: 2000)
        if let url = returnURL, !(url.hasPrefix("https://") || url.hasPrefix("http://") || url.hasPrefix("/")) {
            throw OrderError.invalid("return_url", "must be an http(s) URL or a path starting with /")
        }
        try sql.transaction {
            var o = try order(orderID)
            guard let owner, o.belongs(to: owner) else { throw OrderError.notFound("order '\(orderID)'") }
            guard o.status == "pending" || o.status == "confirmed" else {
                throw OrderError.conflict("status", "order \(o.number) is \(o.status): it cannot be paid")
            }
            guard o.paymentStatus == "unpaid" else {
                throw OrderError.conflict("payment_status", "order \(o.number) is already \(o.paymentStatus)")
            }
            let last = try paymentRow(o.id, attempt: o.paymentAttempt)
            let newMethod = method ?? o.paymentMethod
            if newMethod != o.paymentMethod || last?.status == "failed" {
                o.paymentAttempt += 1
                try sql.execute("UPDATE orders SET payment_attempt = $2, payment_method = $3, updated_at = now() WHERE id = $1::uuid", o.id, o.paymentAttempt, newMethod)
            }
        }
        let outcome = try ensurePayment(orderID: orderID, returnURL: returnURL)
        return CheckoutAnswer(body: try checkoutBody(orderID, payment: outcome), status: outcome.problem?.status ?? 200, replayed: false, paymentProblem: outcome.problem)
    }
}
