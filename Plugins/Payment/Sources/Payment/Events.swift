import EOPSDK
import Foundation

/// The facts Payment publishes (schemas in Manifests/events/payment.*.json). Each is
/// published inside the transaction that changed the payment, so it is sent exactly when
/// (and only if) that change commits: one status change, one fact.
extension Payment {
    private func base(_ p: PaymentRow, amount: Int64) -> [String: Any] {
        ["payment_id": p.id, "order_id": p.orderID, "amount": amount, "currency": p.currency, "method": p.method]
    }

    /// `payment.payment.authorized`: the amount is held (card) or promised (cash on delivery).
    func publishAuthorized(_ p: PaymentRow) throws {
        try host.publish("payment.payment.authorized", json: JSON.text(base(p, amount: p.amount)), schemaVersion: 1)
    }

    /// `payment.payment.captured`: the money is the shop's.
    func publishCaptured(_ p: PaymentRow, amount: Int64, captureRef: String?) throws {
        var payload = base(p, amount: amount)
        if let captureRef { payload["capture_ref"] = captureRef }
        try host.publish("payment.payment.captured", json: JSON.text(payload), schemaVersion: 1)
    }

    /// `payment.payment.failed`, with the provider's reason.
    func publishFailed(_ p: PaymentRow, reason: String) throws {
        var payload = base(p, amount: p.amount)
        payload["reason"] = reason
        try host.publish("payment.payment.failed", json: JSON.text(payload), schemaVersion: 1)
    }

    /// `payment.payment.refunded`: one refund went through; `refunded_total` and
    /// `fully_refunded` say where the payment stands.
    func publishRefunded(_ p: PaymentRow, refundID: String, amount: Int64, refundedTotal: Int64) throws {
        var payload = base(p, amount: amount)
        payload["refund_id"] = refundID
        payload["refunded_total"] = refundedTotal
        payload["fully_refunded"] = refundedTotal >= p.capturedAmount
        try host.publish("payment.payment.refunded", json: JSON.text(payload), schemaVersion: 1)
    }

    /// `payment.dispute.opened`: the customer's bank disputes the payment.
    func publishDisputeOpened(_ p: PaymentRow, disputeID: String, amount: Int64, reason: String, status: String, evidenceDueBy: String?) throws {
        var payload = base(p, amount: amount)
        payload["dispute_id"] = disputeID
        payload["reason"] = reason
        payload["status"] = status
        if let evidenceDueBy { payload["evidence_due_by"] = evidenceDueBy }
        try host.publish("payment.dispute.opened", json: JSON.text(payload), schemaVersion: 1)
    }
}
