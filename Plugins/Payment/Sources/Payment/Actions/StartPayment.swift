import EOPABI
import EOPSDK
import Foundation
import PaymentDrivers

/// `payment.payment.start`: one payment per idempotency key.
///
/// The payment row is inserted and the provider called in one transaction that holds the
/// row: a second call with the same key waits on the unique key, then finds the started
/// payment and answers it without calling the provider again. A refusal (method not
/// available, gift card balance too small, Wallet refusing) rolls everything back: no
/// payment. A provider that cannot be reached leaves the payment pending and answers an
/// error; calling again with the same key retries the provider with the same provider
/// idempotency key (`start:<payment id>`), so at most one provider payment ever exists.
extension Payment {
    /// What a start came to, after its transaction.
    enum StartOutcome {
        case done(PaymentRow)
        case unavailable(String)
    }

    func start(_ input: JSONInput) throws -> [String: Any] {
        let orderID = try input.string("order_id", max: 200)
        let amount = try input.int("amount", min: 1, max: 999_999_999_999)
        let currency = try input.currency("currency")
        let methodID = try input.string("method", max: 50)
        let key = try input.idempotencyKey("idempotency_key")
        let returnURL = try input.optionalString("return_url", max: 2_000)
        let customer = try readCustomer(input)
        let giftCardCode = try input.optionalString("gift_card_code", max: 64)
        guard let method = method(methodID) else {
            throw PaymentError.invalid("method", "unknown payment method '\(methodID)' (known: \(methodIDs.joined(separator: ", ")))")
        }
        if case .giftCard = method, giftCardCode == nil { throw PaymentError.invalid("gift_card_code", "is required to pay with a gift card") }
        if let reason = configurationGap(methodID) { throw PaymentError.unprocessable("method", "\(methodID) is not available: \(reason)") }

        let outcome: StartOutcome = try sql.transaction {
            let inserted = try sql.execute("""
                INSERT INTO payments (id, order_id, method, amount, currency, idempotency_key, customer, return_url)
                VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::jsonb, $8)
                ON CONFLICT (idempotency_key) DO NOTHING RETURNING \(PaymentRow.columns)
                """, Payment.newID(), orderID, methodID, amount, currency, key, customer.map { JSON.text($0) }, returnURL)
            var payment: PaymentRow
            if let row = inserted.first {
                payment = try PaymentRow(row)  // a row this transaction inserted is already locked by it
            } else {
                guard let row = try sql.execute("SELECT id::text FROM payments WHERE idempotency_key = $1", key).first else {
                    throw PaymentError.conflict("idempotency_key", "is being used by a payment that was just rolled back; try again")
                }
                payment = try lockedPayment(try row.requiredString("id"))
            }
            guard payment.orderID == orderID, payment.amount == amount, payment.currency == currency, payment.method == methodID else {
                throw PaymentError.conflict("idempotency_key", "was already used for another payment (order \(payment.orderID), \(payment.amount) \(payment.currency) by \(payment.method))")
            }
            if payment.started { return .done(payment) }
            switch method {
            case .gateway(let registration): return try startAtProvider(&payment, registration, customer: customer)
            case .giftCard: try redeemGiftCard(&payment, code: giftCardCode ?? "")
            case .wallet: return try debitWallet(&payment, customer: customer)
            }
            return .done(payment)
        }
        switch outcome {
        case .done(let payment): return payment.summary
        case .unavailable(let message): throw PaymentError.unavailable("\(message); the payment is pending: call again with the same idempotency_key")
        }
    }

    /// The provider's start, inside the payment's transaction.
    private func startAtProvider(_ payment: inout PaymentRow, _ registration: DriverRegistration, customer: [String: Any]?) throws -> StartOutcome {
        let driver = registration.driver
        let attemptKey = "start:\(payment.id)"
        let request = StartRequest(paymentID: payment.id, orderID: payment.orderID, amount: payment.amount, currency: payment.currency,
                                   idempotencyKey: attemptKey, customer: customer.map(Self.customer), returnURL: returnURL(driver: driver.id, paymentID: payment.id))
        let result: StartResult
        do {
            result = try driver.start(request, context: context(registration, paymentID: payment.id))
        } catch .declined(let message) {
            try recordAttempt(paymentID: payment.id, action: "start", key: attemptKey, status: "failed", message: message)
            try markFailed(&payment, reason: message)
            return .done(payment)
        } catch .unavailable(let message) {
            try recordAttempt(paymentID: payment.id, action: "start", key: attemptKey, status: "error", message: message)
            host.log(.warning, "payment \(payment.id): \(driver.id) start did not reach the provider: \(message)")
            return .unavailable(message)
        } catch {
            throw PaymentError.unprocessable("method", error.message)
        }
        try recordAttempt(paymentID: payment.id, action: "start", key: attemptKey, status: result.status == .failed ? "failed" : "succeeded",
                          providerRef: result.providerReference, message: result.failureReason)
        let nextAction = Self.nextAction(result, payment: payment)
        // An authorization is recorded in the same statement (one round trip less on every
        // cash-on-delivery checkout); its fact follows below.
        let authorized = result.status == .authorized
        try sql.execute("""
            UPDATE payments SET provider_ref = $2, next_action = $3::jsonb, updated_at = now(),
                status = CASE WHEN $4 THEN 'authorized' ELSE status END, authorized_at = CASE WHEN $4 THEN now() ELSE authorized_at END
            WHERE id = $1::uuid
            """, payment.id, result.providerReference, nextAction.map { JSON.text($0) }, authorized)
        payment.providerRef = result.providerReference
        payment.nextAction = nextAction
        if driver.id == "bank_transfer" {
            try sql.execute("INSERT INTO bank_transfer_references (reference, payment_id, amount, currency) VALUES ($1, $2::uuid, $3, $4)",
                            result.providerReference, payment.id, payment.amount, payment.currency)
        }
        switch result.status {
        case .pending: break
        case .authorized:
            payment.status = "authorized"
            try publishAuthorized(payment)
            if registration.captureOnAuthorization { _ = try captureLocked(&payment, registration) }
        case .captured: try markCaptured(&payment, captureRef: nil)
        case .failed: try markFailed(&payment, reason: result.failureReason ?? "\(driver.id): the provider refused the payment")
        }
        return .done(payment)
    }

    /// What the shop does next: follow a redirect, or confirm on the page with the driver's
    /// data (Stripe's client secret, a bank transfer's reference and instructions).
    static func nextAction(_ result: StartResult, payment: PaymentRow) -> [String: Any]? {
        if let url = result.redirectURL { return ["type": "redirect", "url": url] }
        guard !result.clientData.isEmpty else { return nil }
        var action: [String: Any] = ["type": "client_confirm", "driver": payment.method, "amount": payment.amount, "currency": payment.currency]
        for (k, v) in result.clientData { action[k] = v }
        return action
    }

    /// The optional `customer` object: id, email, name, phone (strings).
    private func readCustomer(_ input: JSONInput) throws(PaymentError) -> [String: Any]? {
        guard let c = try input.optionalObject("customer") else { return nil }
        var out: [String: Any] = [:]
        for key in ["id", "email", "name", "phone"] {
            if let v = try c.optionalString(key, max: 300) { out[key] = v }
        }
        return out
    }

    static func customer(_ json: [String: Any]) -> Customer {
        Customer(id: json["id"] as? String, email: json["email"] as? String, name: json["name"] as? String, phone: json["phone"] as? String)
    }
}
