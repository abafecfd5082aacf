import Foundation

/// Cash on delivery: nothing to ask a provider. The payment is authorized when the order is
/// placed (the shop accepts the promise to pay) and captured when staff mark the cash
/// collected (`POST /api/payment/payments/{id}/capture`). A refund is money staff hand
/// back, recorded as done.
public struct CashOnDeliveryDriver: PaymentDriver {
    public let id = "cod"
    public let displayName = "Cash on delivery"

    public init() {}

    public func start(_ request: StartRequest, context: DriverContext) throws(DriverError) -> StartResult {
        StartResult(status: .authorized, providerReference: "cod-\(request.paymentID)")
    }

    /// Called when staff confirm the courier brought the cash.
    public func capture(_ payment: PaymentReference, amount: Int64, idempotencyKey: String, context: DriverContext) throws(DriverError) -> CaptureResult {
        CaptureResult(captured: true, captureReference: "cash-\(payment.paymentID)")
    }

    public func refund(_ payment: PaymentReference, amount: Int64, reason: String, idempotencyKey: String, context: DriverContext) throws(DriverError) -> RefundResult {
        RefundResult(status: .succeeded, providerReference: "cash-refund-\(idempotencyKey)")
    }

    public func verifyWebhook(_ webhook: IncomingWebhook, context: DriverContext) throws(DriverError) -> [WebhookEvent] {
        throw .unsupported("cod: cash on delivery has no webhooks")
    }

    public func handleReturn(query: [(String, String)], payment: PaymentReference, context: DriverContext) throws(DriverError) -> ReturnOutcome {
        throw .unsupported("cod: cash on delivery sends nobody to a provider's page")
    }
}
