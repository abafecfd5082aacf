import EOPSDK
import Foundation
import PaymentDrivers

/// One row of `payments`, as the actions read it.
struct PaymentRow {
    var id: String
    var orderID: String
    var method: String
    var status: String
    var amount: Int64
    var currency: String
    var capturedAmount: Int64
    var refundedAmount: Int64
    var idempotencyKey: String
    var providerRef: String?
    var captureRef: String?
    var returnURL: String?
    var nextAction: Any?
    var failureReason: String?
    var createdAt: String
    var customer: Any?

    /// Columns every read selects (timestamps as ISO 8601 text in UTC).
    static let columns = """
        id::text, order_id, method, status, amount, currency, captured_amount, refunded_amount, idempotency_key, provider_ref, capture_ref,
        return_url, next_action::text AS next_action, failure_reason, customer::text AS customer,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
        """

    init(_ r: SQLRow) throws {
        id = try r.requiredString("id")
        orderID = try r.requiredString("order_id")
        method = try r.requiredString("method")
        status = try r.requiredString("status")
        amount = try r.requiredInt64("amount")
        currency = try r.requiredString("currency")
        capturedAmount = try r.requiredInt64("captured_amount")
        refundedAmount = try r.requiredInt64("refunded_amount")
        idempotencyKey = try r.requiredString("idempotency_key")
        providerRef = try r.string("provider_ref")
        captureRef = try r.string("capture_ref")
        returnURL = try r.string("return_url")
        nextAction = JSON.parse(try r.string("next_action"))
        failureReason = try r.string("failure_reason")
        customer = JSON.parse(try r.string("customer"))
        createdAt = try r.requiredString("created_at")
    }

    /// A payment's provider call has been made (or it needed none and is past pending).
    var started: Bool { providerRef != nil || status != "pending" }

    /// What a driver needs to know about it.
    var reference: PaymentReference {
        PaymentReference(paymentID: id, orderID: orderID, providerReference: providerRef ?? "", captureReference: captureRef, amount: amount, currency: currency)
    }

    /// The answer of `payment.payment.start` and the shop's view.
    var summary: [String: Any] {
        var out: [String: Any] = ["payment_id": id, "order_id": orderID, "status": status, "method": method, "amount": amount, "currency": currency,
                                  "next_action": status == "pending" ? (nextAction ?? NSNull()) : NSNull()]
        if let failureReason { out["failure_reason"] = failureReason }
        return out
    }

    /// Staff's view: everything but the customer's secrets (there are none stored).
    var detail: [String: Any] {
        var out = summary
        out["next_action"] = nextAction ?? NSNull()
        out["captured_amount"] = capturedAmount
        out["refunded_amount"] = refundedAmount
        out["refundable_amount"] = capturedAmount - refundedAmount
        out["idempotency_key"] = idempotencyKey
        out["provider_ref"] = providerRef ?? NSNull()
        out["capture_ref"] = captureRef ?? NSNull()
        out["customer"] = customer ?? NSNull()
        out["created_at"] = createdAt
        return out
    }
}

extension Payment {
    /// A payment by id, or nil.
    func payment(_ id: String) throws -> PaymentRow? {
        try sql.execute("SELECT \(PaymentRow.columns) FROM payments WHERE id = $1::uuid", id).first.map(PaymentRow.init)
    }

    /// A payment by id, locked until the transaction ends: whoever holds it is the only one
    /// changing its status (capture once, refunds within what was captured).
    func lockedPayment(_ id: String) throws -> PaymentRow {
        guard let row = try sql.execute("SELECT \(PaymentRow.columns) FROM payments WHERE id = $1::uuid FOR UPDATE", id).first else {
            throw PaymentError.notFound("payment_id", "payment '\(id)'")
        }
        return try PaymentRow(row)
    }

    /// Records a provider call under its idempotency key; a retry of the same key adds a try.
    func recordAttempt(paymentID: String, action: String, key: String, status: String, providerRef: String? = nil, message: String? = nil) throws {
        try sql.execute("""
            INSERT INTO attempts (id, payment_id, action, idempotency_key, status, provider_ref, message)
            VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7)
            ON CONFLICT (idempotency_key) DO UPDATE SET status = EXCLUDED.status, provider_ref = COALESCE(EXCLUDED.provider_ref, attempts.provider_ref),
                message = EXCLUDED.message, tries = attempts.tries + 1, updated_at = now()
            """, Payment.newID(), paymentID, action, key, status, providerRef, message)
    }
}
