import EOPSDK
import Foundation
import PaymentDrivers

/// Disputes (chargebacks) as providers report them by webhook: recorded with their status,
/// reason, amount and evidence deadline; the first report publishes `payment.dispute.opened`,
/// later ones update the row.
extension Payment {
    func recordDispute(_ payment: inout PaymentRow, _ event: WebhookEvent, driver: String) throws {
        guard let dispute = event.dispute else { return }
        let dueBy = dispute.evidenceDueBy.map { ISO8601DateFormatter().string(from: $0) }
        let row = try sql.execute("""
            INSERT INTO disputes (id, payment_id, driver, provider_dispute_id, status, reason, amount, currency, evidence_due_by)
            VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8, $9::timestamptz)
            ON CONFLICT (driver, provider_dispute_id) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason, amount = EXCLUDED.amount,
                evidence_due_by = COALESCE(EXCLUDED.evidence_due_by, disputes.evidence_due_by), updated_at = now()
            RETURNING id::text, (xmax = 0) AS inserted
            """, Payment.newID(), payment.id, driver, dispute.providerDisputeID, dispute.status, dispute.reason, dispute.amount, payment.currency, dueBy)
        guard let r = row.first, try r.bool("inserted") == true else { return }
        try publishDisputeOpened(payment, disputeID: try r.requiredString("id"), amount: dispute.amount, reason: dispute.reason,
                                 status: dispute.status, evidenceDueBy: dueBy)
    }

    /// Staff list: newest first, optionally one status or one payment.
    func disputes(status: String?, paymentID: String?) throws -> [String: Any] {
        let rows = try sql.execute("""
            SELECT d.id::text, d.payment_id::text, p.order_id, d.driver, d.provider_dispute_id, d.status, d.reason, d.amount, d.currency,
                   to_char(d.evidence_due_by AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS evidence_due_by,
                   to_char(d.opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS opened_at
            FROM disputes d JOIN payments p ON p.id = d.payment_id
            WHERE ($1::text IS NULL OR d.status = $1) AND ($2::uuid IS NULL OR d.payment_id = $2::uuid)
            ORDER BY d.opened_at DESC LIMIT 500
            """, status, paymentID)
        return ["disputes": try rows.map(Self.disputeJSON)]
    }

    static func disputeJSON(_ r: SQLRow) throws -> [String: Any] {
        ["dispute_id": try r.requiredString("id"), "payment_id": try r.requiredString("payment_id"), "order_id": try r.requiredString("order_id"),
         "driver": try r.requiredString("driver"), "provider_dispute_id": try r.requiredString("provider_dispute_id"), "status": try r.requiredString("status"),
         "reason": try r.requiredString("reason"), "amount": try r.requiredInt64("amount"), "currency": try r.requiredString("currency"),
         "evidence_due_by": try r.string("evidence_due_by") ?? NSNull(), "opened_at": try r.requiredString("opened_at")]
    }
}
