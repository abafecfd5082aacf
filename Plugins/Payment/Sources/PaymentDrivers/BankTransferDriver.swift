import Crypto
import Foundation

/// Bank transfer with manual confirmation. `start` gives the payment a short reference the
/// customer writes on the transfer, with the shop's account details (setting `instructions`,
/// the plugin's `bank_transfer_instructions`); the payment stays pending until staff see the money and
/// confirm with that reference (`POST /api/payment/bank-transfers/confirm`), which captures.
public struct BankTransferDriver: PaymentDriver {
    public let id = "bank_transfer"
    public let displayName = "Bank transfer"

    public init() {}

    public func start(_ request: StartRequest, context: DriverContext) throws(DriverError) -> StartResult {
        let instructions = try context.setting("instructions", driver: id)
        let reference = Self.reference(for: request.paymentID)
        return StartResult(status: .pending, providerReference: reference,
                           clientData: ["type": "bank_transfer", "reference": reference, "instructions": instructions])
    }

    /// Staff confirmed the transfer arrived.
    public func capture(_ payment: PaymentReference, amount: Int64, idempotencyKey: String, context: DriverContext) throws(DriverError) -> CaptureResult {
        CaptureResult(captured: true, captureReference: payment.providerReference)
    }

    /// Staff send the money back by their bank; recorded as done.
    public func refund(_ payment: PaymentReference, amount: Int64, reason: String, idempotencyKey: String, context: DriverContext) throws(DriverError) -> RefundResult {
        RefundResult(status: .succeeded, providerReference: "transfer-refund-\(idempotencyKey)")
    }

    public func verifyWebhook(_ webhook: IncomingWebhook, context: DriverContext) throws(DriverError) -> [WebhookEvent] {
        throw .unsupported("bank_transfer: bank transfers are confirmed by staff, not by webhooks")
    }

    public func handleReturn(query: [(String, String)], payment: PaymentReference, context: DriverContext) throws(DriverError) -> ReturnOutcome {
        throw .unsupported("bank_transfer: bank transfers send nobody to a provider's page")
    }

    /// `PAY-` and ten characters a person reads and types without mistakes (no 0/O, 1/I/L),
    /// derived from the payment id: the same payment always gets the same reference.
    public static func reference(for paymentID: String) -> String {
        let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
        let digest = Array(SHA256.hash(data: Array(paymentID.utf8)))
        let characters = digest.prefix(10).map { alphabet[Int($0) % alphabet.count] }
        return "PAY-" + String(characters)
    }

    /// A reference as a customer or clerk typed it, in the stored form (upper case, no spaces).
    public static func normalize(_ reference: String) -> String {
        reference.uppercased().filter { !$0.isWhitespace }
    }
}
