import EOPSDK
import Foundation
import PaymentDrivers

/// Refunds, partial or full, never beyond what was captured.
///
/// A refund is decided under the payment's row lock: the refundable amount is the captured
/// amount less every refund pending or done, and the new refund is reserved against it in
/// the same transaction before the provider is asked (with `Idempotency-Key:
/// refund:<refund id>`). Two refunds racing on one payment therefore queue, and the second
/// sees the first's reservation; the table's CHECK (refunded ≤ captured) is the last guard.
/// The caller's idempotency key makes a retry answer the same refund.
extension Payment {
    func createRefund(_ input: JSONInput, staff: String = "") throws -> [String: Any] {
        let amount = try input.int("amount", min: 1, max: 999_999_999_999)
        let reason = try input.optionalString("reason", max: 500) ?? ""
        let key = try input.idempotencyKey("idempotency_key")
        let paymentID = try refundTarget(input)

        let (refund, unreachable): ([String: Any], String?) = try sql.transaction {
            var payment = try lockedPayment(paymentID)
            if let existing = try sql.execute("SELECT id::text, payment_id::text, amount, status FROM refunds WHERE idempotency_key = $1", key).first {
                guard try existing.requiredString("payment_id") == payment.id, try existing.requiredInt64("amount") == amount else {
                    throw PaymentError.conflict("idempotency_key", "was already used for another refund")
                }
                let refundID = try existing.requiredString("id")
                // A refund whose provider call never got through is retried with the same provider key.
                let stalled = try sql.execute("SELECT 1 FROM attempts WHERE idempotency_key = $1 AND status = 'error'", "refund:\(refundID)").count > 0
                if try existing.requiredString("status") == "pending", stalled {
                    let failure = try executeRefund(&payment, refundID: refundID, amount: amount, reason: reason)
                    return (try refundView(refundID), failure)
                }
                return (try refundView(refundID), nil)
            }
            guard ["captured", "partially_refunded"].contains(payment.status) else {
                throw PaymentError.conflict("payment_id", "the payment is \(payment.status); only a captured payment can be refunded")
            }
            let refundable = payment.capturedAmount - payment.refundedAmount
            guard amount <= refundable else {
                throw PaymentError.unprocessable("amount", "\(amount) is more than the \(refundable) \(payment.currency) left to refund on this payment")
            }
            let refundID = Payment.newID()
            try sql.execute("""
                INSERT INTO refunds (id, payment_id, amount, currency, status, reason, idempotency_key, created_by)
                VALUES ($1::uuid, $2::uuid, $3, $4, 'pending', $5, $6, $7)
                """, refundID, payment.id, amount, payment.currency, reason, key, staff)
            try updateRefundTotals(&payment)
            let failure = try executeRefund(&payment, refundID: refundID, amount: amount, reason: reason)
            return (try refundView(refundID), failure)
        }
        if let unreachable { throw PaymentError.unavailable("\(unreachable); the refund is pending: call again with the same idempotency_key") }
        return refund
    }

    /// The payment a refund names: `payment_id`, or the one captured payment of `order_id`.
    private func refundTarget(_ input: JSONInput) throws -> String {
        if let text = try input.optionalString("payment_id", max: 100) { return try uuid(text, field: "payment_id", what: "payment") }
        guard let orderID = try input.optionalString("order_id", max: 200) else { throw PaymentError.invalid("payment_id", "payment_id or order_id is required") }
        let rows = try sql.execute("""
            SELECT id::text FROM payments WHERE order_id = $1 AND status IN ('captured', 'partially_refunded') ORDER BY created_at
            """, orderID)
        guard let first = rows.first else { throw PaymentError.notFound("order_id", "a captured payment of order '\(orderID)'") }
        guard rows.count == 1 else {
            let ids = try rows.map { try $0.requiredString("id") }.joined(separator: ", ")
            throw PaymentError.conflict("order_id", "the order has several captured payments (\(ids)); name one as payment_id")
        }
        return try first.requiredString("id")
    }

    /// Asks the provider (or credits the gift card / wallet) for a reserved refund of a
    /// locked payment. Answers a message when the provider could not be reached (the refund
    /// stays pending and reserved for a retry), nil otherwise.
    private func executeRefund(_ payment: inout PaymentRow, refundID: String, amount: Int64, reason: String) throws -> String? {
        let key = "refund:\(refundID)"
        let result: RefundResult
        if let registration = gateways[payment.method] {
            do {
                result = try registration.driver.refund(payment.reference, amount: amount, reason: reason, idempotencyKey: key,
                                                        context: context(registration, paymentID: payment.id))
            } catch .declined(let message) {
                result = RefundResult(status: .failed, providerReference: "", failureReason: message)
            } catch .unavailable(let message) {
                try recordAttempt(paymentID: payment.id, action: "refund", key: key, status: "error", message: message)
                host.log(.warning, "refund \(refundID): \(payment.method) did not reach the provider: \(message)")
                return message
            } catch {
                throw PaymentError.unprocessable("payment_id", error.message)
            }
        } else if payment.method == "gift_card" {
            result = RefundResult(status: .succeeded, providerReference: try creditGiftCard(paymentID: payment.id, refundID: refundID, amount: amount))
        } else {
            result = RefundResult(status: .succeeded, providerReference: try creditWallet(payment, refundID: refundID, amount: amount))
        }
        try recordAttempt(paymentID: payment.id, action: "refund", key: key, status: result.status == .failed ? "failed" : "succeeded",
                          providerRef: result.providerReference.isEmpty ? nil : result.providerReference, message: result.failureReason)
        switch result.status {
        case .succeeded:
            try sql.execute("UPDATE refunds SET status = 'succeeded', provider_ref = $2, updated_at = now() WHERE id = $1::uuid", refundID, result.providerReference)
            try publishRefundSucceeded(&payment, refundID: refundID, amount: amount)
        case .pending:
            try sql.execute("UPDATE refunds SET provider_ref = NULLIF($2, ''), updated_at = now() WHERE id = $1::uuid", refundID, result.providerReference)
        case .failed:
            try sql.execute("""
                UPDATE refunds SET status = 'failed', provider_ref = NULLIF($2, ''), failure_reason = $3, updated_at = now() WHERE id = $1::uuid
                """, refundID, result.providerReference, result.failureReason ?? "refused by \(payment.method)")
            try updateRefundTotals(&payment)
        }
        return nil
    }

    /// Recomputes what is refunded (pending and done) and the status from it.
    func updateRefundTotals(_ payment: inout PaymentRow) throws {
        guard let row = try sql.execute("""
            UPDATE payments p SET refunded_amount = t.total,
                status = CASE WHEN t.total = 0 THEN 'captured' WHEN t.total >= p.captured_amount THEN 'refunded' ELSE 'partially_refunded' END,
                updated_at = now()
            FROM (SELECT COALESCE(sum(amount), 0)::bigint AS total FROM refunds WHERE payment_id = $1::uuid AND status IN ('pending', 'succeeded')) t
            WHERE p.id = $1::uuid RETURNING p.refunded_amount, p.status
            """, payment.id).first else { return }
        payment.refundedAmount = try row.requiredInt64("refunded_amount")
        payment.status = try row.requiredString("status")
    }

    /// `payment.payment.refunded` for a refund that went through.
    private func publishRefundSucceeded(_ payment: inout PaymentRow, refundID: String, amount: Int64) throws {
        try updateRefundTotals(&payment)
        let done = try sql.execute("SELECT COALESCE(sum(amount), 0)::bigint AS total FROM refunds WHERE payment_id = $1::uuid AND status = 'succeeded'", payment.id)
        try publishRefunded(payment, refundID: refundID, amount: amount, refundedTotal: try done.first?.requiredInt64("total") ?? amount)
    }

    /// A provider's refund webhook, on a locked payment: a refund the shop asked for is now
    /// done, or one made elsewhere (the provider's dashboard) is recorded.
    func syncRefund(_ payment: inout PaymentRow, _ event: WebhookEvent) throws {
        guard ["captured", "partially_refunded", "refunded"].contains(payment.status) else { return }
        if let reference = event.refundReference,
           let known = try sql.execute("SELECT id::text, amount, status FROM refunds WHERE payment_id = $1::uuid AND provider_ref = $2", payment.id, reference).first {
            if try known.requiredString("status") == "pending" {
                let id = try known.requiredString("id")
                try sql.execute("UPDATE refunds SET status = 'succeeded', updated_at = now() WHERE id = $1::uuid", id)
                try publishRefundSucceeded(&payment, refundID: id, amount: try known.requiredInt64("amount"))
            }
            return
        }
        var gap: Int64
        if let total = event.refundedTotal {
            let done = try sql.execute("SELECT COALESCE(sum(amount), 0)::bigint AS total FROM refunds WHERE payment_id = $1::uuid AND status = 'succeeded'", payment.id)
            gap = total - (try done.first?.requiredInt64("total") ?? 0)
            // Pending refunds of the shop that the provider's total now covers, oldest first.
            for pending in try sql.execute("SELECT id::text, amount FROM refunds WHERE payment_id = $1::uuid AND status = 'pending' ORDER BY created_at", payment.id) {
                let amount = try pending.requiredInt64("amount")
                guard amount <= gap else { break }
                let id = try pending.requiredString("id")
                try sql.execute("UPDATE refunds SET status = 'succeeded', updated_at = now() WHERE id = $1::uuid", id)
                try publishRefundSucceeded(&payment, refundID: id, amount: amount)
                gap -= amount
            }
        } else if event.refundReference != nil {
            // A refund id the shop never asked for: made elsewhere.
            gap = event.amount ?? 0
        } else {
            // Neither the refund's id nor the running total: a pending refund of that amount
            // is taken as done; anything else cannot be told from a refund the shop made, so
            // it is logged rather than counted twice.
            let amount = event.amount ?? 0
            if let pending = try sql.execute("""
                SELECT id::text FROM refunds WHERE payment_id = $1::uuid AND status = 'pending' AND amount = $2 ORDER BY created_at LIMIT 1
                """, payment.id, amount).first {
                let id = try pending.requiredString("id")
                try sql.execute("UPDATE refunds SET status = 'succeeded', updated_at = now() WHERE id = $1::uuid", id)
                try publishRefundSucceeded(&payment, refundID: id, amount: amount)
            } else {
                host.log(.warning, "payment \(payment.id): \(payment.method) reported a refund of \(amount) without its id or a running total; not recorded")
            }
            return
        }
        guard gap > 0 else { return }
        let refundable = payment.capturedAmount - payment.refundedAmount
        if gap > refundable {
            host.log(.warning, "payment \(payment.id): \(payment.method) reports \(gap) more refunded than the \(refundable) left; recording \(refundable)")
            gap = refundable
        }
        guard gap > 0 else { return }
        let id = Payment.newID()
        try sql.execute("""
            INSERT INTO refunds (id, payment_id, amount, currency, status, reason, provider_ref, origin)
            VALUES ($1::uuid, $2::uuid, $3, $4, 'succeeded', 'refunded at the provider', $5, 'provider')
            """, id, payment.id, gap, payment.currency, event.refundReference ?? "event:\(event.eventID)")
        try publishRefundSucceeded(&payment, refundID: id, amount: gap)
    }

    /// A refund as answered to callers.
    func refundView(_ id: String) throws -> [String: Any] {
        guard let r = try sql.execute("""
            SELECT id::text, payment_id::text, amount, currency, status, reason, provider_ref, origin, failure_reason,
                   to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
            FROM refunds WHERE id = $1::uuid
            """, id).first else { throw PaymentError.notFound("refund_id", "refund '\(id)'") }
        var out: [String: Any] = ["refund_id": try r.requiredString("id"), "payment_id": try r.requiredString("payment_id"), "amount": try r.requiredInt64("amount"),
                                  "currency": try r.requiredString("currency"), "status": try r.requiredString("status"), "reason": try r.requiredString("reason"),
                                  "origin": try r.requiredString("origin"), "created_at": try r.requiredString("created_at")]
        if let ref = try r.string("provider_ref") { out["provider_ref"] = ref }
        if let failure = try r.string("failure_reason") { out["failure_reason"] = failure }
        return out
    }
}
