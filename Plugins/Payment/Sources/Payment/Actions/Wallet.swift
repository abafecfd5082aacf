import EOPABI
import EOPSDK
import Foundation

/// Paying from the customer's wallet, which the Wallet module keeps: Payment asks it with
/// the command `wallet.balance.debit` and refunds with `wallet.balance.credit` (both carry
/// an idempotency key, so a retry never moves money twice). While no active module answers
/// those topics the method is refused with "Wallet module is not active".
extension Payment {
    static let walletInactive = "Wallet module is not active"

    /// Debits the wallet for a locked, new payment and marks it captured. A refusal (no
    /// Wallet, not enough balance) rolls the payment back; a Wallet that does not answer in
    /// time leaves it pending for a retry with the same key.
    func debitWallet(_ payment: inout PaymentRow, customer: [String: Any]?) throws -> StartOutcome {
        guard let customerID = customer?["id"] as? String, !customerID.isEmpty else {
            throw PaymentError.invalid("customer.id", "is required to pay from a wallet")
        }
        let key = "wallet-debit:\(payment.id)"
        let request: [String: Any] = ["customer_id": customerID, "amount": payment.amount, "currency": payment.currency,
                                      "reference": "payment:\(payment.id)", "order_id": payment.orderID, "idempotency_key": key]
        let reply: String
        do {
            reply = try host.request("wallet.balance.debit", json: JSON.text(request), timeoutMS: 5_000)
        } catch {
            switch error.status {
            case EOP_ERR_NOT_FOUND, EOP_ERR_UNAVAILABLE:
                throw PaymentError.unprocessable("method", "wallet is not available: \(Self.walletInactive)")
            case EOP_ERR_TIMEOUT:
                try recordAttempt(paymentID: payment.id, action: "start", key: key, status: "error", message: error.message)
                return .unavailable("the Wallet module did not answer in time")
            default:
                throw PaymentError.unprocessable("method", "the wallet refused: \(error.message)")
            }
        }
        let transaction = ((JSON.parse(reply) as? [String: Any])?["transaction_id"] as? String) ?? key
        try recordAttempt(paymentID: payment.id, action: "start", key: key, status: "succeeded", providerRef: transaction)
        try sql.execute("UPDATE payments SET provider_ref = $2, updated_at = now() WHERE id = $1::uuid", payment.id, transaction)
        payment.providerRef = transaction
        try markCaptured(&payment, captureRef: transaction)
        return .done(payment)
    }

    /// Credits a wallet refund back; answers the Wallet's transaction id.
    func creditWallet(_ payment: PaymentRow, refundID: String, amount: Int64) throws -> String {
        guard let customerID = (payment.customer as? [String: Any])?["id"] as? String else {
            throw PaymentError.conflict("payment_id", "the wallet payment has no customer id to refund to")
        }
        let request: [String: Any] = ["customer_id": customerID, "amount": amount, "currency": payment.currency,
                                      "reference": "refund:\(refundID)", "order_id": payment.orderID, "idempotency_key": "wallet-credit:\(refundID)"]
        do {
            let reply = try host.request("wallet.balance.credit", json: JSON.text(request), timeoutMS: 5_000)
            return ((JSON.parse(reply) as? [String: Any])?["transaction_id"] as? String) ?? "wallet-credit:\(refundID)"
        } catch {
            switch error.status {
            case EOP_ERR_NOT_FOUND, EOP_ERR_UNAVAILABLE: throw PaymentError.unprocessable("payment_id", "cannot refund to the wallet: \(Self.walletInactive)")
            case EOP_ERR_TIMEOUT: throw PaymentError.unavailable("the Wallet module did not answer in time; retry with the same idempotency_key")
            default: throw PaymentError.unprocessable("payment_id", "the wallet refused the refund: \(error.message)")
            }
        }
    }
}
