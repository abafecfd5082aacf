import EOPSDK
import Foundation
import PaymentDrivers

/// Status changes of a payment, each made while its row is locked (`lockedPayment`) and
/// each with its fact in the same transaction.
///
/// CAPTURE ONCE. The customer's return and the provider's webhook often arrive together,
/// and both may learn that the payment is authorized. Both lock the row; the first captures
/// (calling the provider with `Idempotency-Key: capture:<payment id>`) and moves the status
/// to `captured` before it commits; the second then reads `captured` and does nothing. So
/// exactly one provider capture call and one `payment.payment.captured` fact per payment;
/// the stable key is a second guard should a crash fall between the call and the commit.
extension Payment {
    /// What a provider says about a payment (from a webhook or the customer's return).
    enum Observed {
        case authorized
        case captured(captureRef: String?)
        case failed(String)
        case canceled(String)
        case pending
    }

    /// Applies what the provider said, in its own transaction; answers the payment after.
    @discardableResult
    func settle(_ paymentID: String, _ observed: Observed) throws -> PaymentRow {
        try sql.transaction {
            var payment = try lockedPayment(paymentID)
            try settleLocked(&payment, observed)
            return payment
        }
    }

    /// The same, inside a transaction that holds the row.
    func settleLocked(_ payment: inout PaymentRow, _ observed: Observed) throws {
        switch observed {
        case .pending:
            break
        case .authorized:
            guard let registration = gateways[payment.method] else { return }
            if payment.status == "pending" || payment.status == "authorized" { try applyAuthorized(&payment, registration) }
        case .captured(let captureRef):
            if payment.status == "pending" || payment.status == "authorized" { try markCaptured(&payment, captureRef: captureRef) }
        case .failed(let reason):
            if payment.status == "pending" { try markFailed(&payment, reason: reason) }
        case .canceled(let reason):
            if payment.status == "pending" || payment.status == "authorized" { try markFailed(&payment, reason: reason, status: "canceled") }
        }
    }

    /// Authorized: recorded (with its fact) once; then, for gateways whose customer already
    /// paid, captured at once.
    func applyAuthorized(_ payment: inout PaymentRow, _ registration: DriverRegistration) throws {
        if payment.status == "pending" {
            try sql.execute("UPDATE payments SET status = 'authorized', authorized_at = now(), updated_at = now() WHERE id = $1::uuid", payment.id)
            payment.status = "authorized"
            try publishAuthorized(payment)
        }
        if payment.status == "authorized", registration.captureOnAuthorization {
            _ = try captureLocked(&payment, registration)
        }
    }

    /// Calls the provider's capture for a locked, authorized (or, for a bank transfer,
    /// pending) payment. Answers nil when captured, else why not; the payment keeps its
    /// status when the provider refuses or cannot be reached.
    func captureLocked(_ payment: inout PaymentRow, _ registration: DriverRegistration) throws -> String? {
        let key = "capture:\(payment.id)"
        let result: CaptureResult
        do {
            result = try registration.driver.capture(payment.reference, amount: payment.amount, idempotencyKey: key, context: context(registration, paymentID: payment.id))
        } catch {
            try recordAttempt(paymentID: payment.id, action: "capture", key: key, status: error.isRetryable ? "error" : "failed", message: error.message)
            host.log(.warning, "payment \(payment.id): \(registration.driver.id) capture failed: \(error.message)")
            return error.message
        }
        guard result.captured else {
            let reason = result.failureReason ?? "\(registration.driver.id): the provider did not capture"
            try recordAttempt(paymentID: payment.id, action: "capture", key: key, status: "failed", message: reason)
            return reason
        }
        try recordAttempt(paymentID: payment.id, action: "capture", key: key, status: "succeeded", providerRef: result.captureReference)
        try markCaptured(&payment, captureRef: result.captureReference)
        return nil
    }

    /// Captured in full, with its fact. Only called on a locked payment that is not captured yet.
    func markCaptured(_ payment: inout PaymentRow, captureRef: String?) throws {
        try sql.execute("""
            UPDATE payments SET status = 'captured', captured_amount = amount, capture_ref = COALESCE($2, capture_ref),
                authorized_at = COALESCE(authorized_at, now()), captured_at = now(), updated_at = now()
            WHERE id = $1::uuid
            """, payment.id, captureRef)
        payment.status = "captured"
        payment.capturedAmount = payment.amount
        if let captureRef { payment.captureRef = captureRef }
        try publishCaptured(payment, amount: payment.amount, captureRef: payment.captureRef)
    }

    /// Failed (or canceled), with `payment.payment.failed` naming the reason.
    func markFailed(_ payment: inout PaymentRow, reason: String, status: String = "failed") throws {
        try sql.execute("UPDATE payments SET status = $2, failure_reason = $3, updated_at = now() WHERE id = $1::uuid", payment.id, status, reason)
        payment.status = status
        payment.failureReason = reason
        try publishFailed(payment, reason: reason)
    }

    /// Staff capture: cash on delivery collected, or an authorized card payment whose
    /// automatic capture did not go through. Capturing a captured payment answers it again.
    func staffCapture(_ paymentID: String) throws -> PaymentRow {
        // The failed attempt is recorded (committed) before the refusal is answered.
        let (payment, failure): (PaymentRow, String?) = try sql.transaction {
            var payment = try lockedPayment(paymentID)
            if ["captured", "partially_refunded", "refunded"].contains(payment.status) { return (payment, nil) }
            guard let registration = gateways[payment.method] else {
                throw PaymentError.conflict("payment_id", "a \(payment.method) payment is captured when it is made; there is nothing to capture")
            }
            guard payment.status == "authorized" else {
                throw PaymentError.conflict("payment_id", "the payment is \(payment.status); only an authorized payment can be captured")
            }
            let failure = try captureLocked(&payment, registration)
            return (payment, failure)
        }
        if let failure { throw PaymentError.unprocessable("payment_id", "capture failed: \(failure)") }
        return payment
    }
}

extension DriverError {
    /// Worth trying again later (the provider was not reached).
    var isRetryable: Bool {
        if case .unavailable = self { return true }
        return false
    }
}
