import EOPSDK
import Foundation
import PaymentDrivers

/// What staff see and do: payments with their attempts, refunds and disputes; confirming
/// a bank transfer by its reference.
extension Payment {
    /// Newest first; filters `order_id`, `status`, `method`; `limit` (default 50, at most 200).
    func listPayments(_ query: [(String, String)]) throws -> [String: Any] {
        func value(_ name: String) -> String? { query.first { $0.0 == name }?.1.nilIfEmpty }
        var limit = 50
        if let text = value("limit") {
            guard let n = Int(text), (1...200).contains(n) else { throw PaymentError.invalid("limit", "must be a whole number from 1 to 200") }
            limit = n
        }
        if let status = value("status"), !Self.statuses.contains(status) {
            throw PaymentError.invalid("status", "must be one of \(Self.statuses.joined(separator: ", "))")
        }
        let rows = try sql.execute("""
            SELECT \(PaymentRow.columns) FROM payments
            WHERE ($1::text IS NULL OR order_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR method = $3)
            ORDER BY created_at DESC, id DESC LIMIT $4
            """, value("order_id"), value("status"), value("method"), limit)
        return ["payments": try rows.map { try PaymentRow($0).detail }]
    }

    static let statuses = ["pending", "authorized", "captured", "failed", "partially_refunded", "refunded", "canceled"]

    /// One payment with its provider calls, refunds, disputes and webhook events.
    func paymentDetail(_ id: String) throws -> [String: Any] {
        guard let payment = try payment(id) else { throw PaymentError.notFound("payment_id", "payment '\(id)'") }
        var out = payment.detail
        out["attempts"] = try sql.execute("""
            SELECT action, idempotency_key, status, tries, provider_ref, message,
                   to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
            FROM attempts WHERE payment_id = $1::uuid ORDER BY created_at
            """, id).map { a -> [String: Any] in
            ["action": try a.requiredString("action"), "idempotency_key": try a.requiredString("idempotency_key"), "status": try a.requiredString("status"),
             "tries": try a.requiredInt64("tries"), "provider_ref": try a.string("provider_ref") ?? NSNull(), "message": try a.string("message") ?? NSNull(),
             "at": try a.requiredString("at")]
        }
        out["refunds"] = try sql.execute("SELECT id::text FROM refunds WHERE payment_id = $1::uuid ORDER BY created_at", id)
            .map { try refundView(try $0.requiredString("id")) }
        out["disputes"] = (try disputes(status: nil, paymentID: id))["disputes"]
        out["webhook_events"] = try sql.execute("""
            SELECT driver, event_id, kind, outcome FROM webhook_events WHERE payment_id = $1::uuid ORDER BY received_at
            """, id).map { e -> [String: Any] in
            ["driver": try e.requiredString("driver"), "event_id": try e.requiredString("event_id"), "kind": try e.requiredString("kind"),
             "outcome": try e.requiredString("outcome")]
        }
        if let transfer = try sql.execute("""
            SELECT reference, received_amount, confirmed_by, to_char(confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS confirmed_at
            FROM bank_transfer_references WHERE payment_id = $1::uuid
            """, id).first {
            let received: Any = try transfer.int64("received_amount") ?? NSNull()
            let by: Any = try transfer.string("confirmed_by") ?? NSNull()
            let at: Any = try transfer.string("confirmed_at") ?? NSNull()
            out["bank_transfer"] = ["reference": try transfer.requiredString("reference"), "received_amount": received, "confirmed_by": by, "confirmed_at": at]
        }
        return out
    }

    /// `payment.payment.get`: `{"payment_id"}` → the payment; `{"order_id"}` → `{"payments": […]}`.
    func getForModules(_ input: JSONInput) throws -> [String: Any] {
        if let text = try input.optionalString("payment_id", max: 100) {
            let id = try uuid(text, field: "payment_id", what: "payment")
            guard let payment = try payment(id) else { throw PaymentError.notFound("payment_id", "payment '\(id)'") }
            return payment.detail
        }
        guard let orderID = try input.optionalString("order_id", max: 200) else { throw PaymentError.invalid("payment_id", "payment_id or order_id is required") }
        let rows = try sql.execute("SELECT \(PaymentRow.columns) FROM payments WHERE order_id = $1 ORDER BY created_at", orderID)
        return ["order_id": orderID, "payments": try rows.map { try PaymentRow($0).detail }]
    }

    /// Staff saw the money on the shop's account: `{"reference", "amount"?}`. Captures the
    /// pending bank transfer with that reference; a second confirmation answers it again.
    /// A different amount is refused (the shop sorts out short or over payments by hand).
    func confirmBankTransfer(_ input: JSONInput, staff: String) throws -> PaymentRow {
        let reference = BankTransferDriver.normalize(try input.string("reference", max: 64))
        let received = try input.optionalInt("amount", min: 1)
        guard let registration = gateways["bank_transfer"],
              let row = try sql.execute("SELECT payment_id::text FROM bank_transfer_references WHERE reference = $1", reference).first else {
            throw PaymentError.notFound("reference", "a bank transfer with reference '\(reference)'")
        }
        let paymentID = try row.requiredString("payment_id")
        return try sql.transaction {
            var payment = try lockedPayment(paymentID)
            if ["captured", "partially_refunded", "refunded"].contains(payment.status) { return payment }
            guard payment.status == "pending" else {
                throw PaymentError.conflict("reference", "the payment is \(payment.status); only a pending transfer can be confirmed")
            }
            if let received, received != payment.amount {
                throw PaymentError.unprocessable("amount", "\(received) was received but the payment is \(payment.amount) \(payment.currency)")
            }
            if let failure = try captureLocked(&payment, registration) { throw PaymentError.unprocessable("reference", failure) }
            try sql.execute("""
                UPDATE bank_transfer_references SET confirmed_at = now(), confirmed_by = $2, received_amount = $3 WHERE reference = $1
                """, reference, staff, payment.amount)
            return payment
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
