import Foundation

/// One way to pay (Stripe, PayPal, cash on delivery, …) behind the interface the Payment
/// plugin's core uses. A driver only talks to its provider and reads its webhooks: the core
/// owns the database, idempotency, the once-only capture and the facts, so a driver never
/// decides on its own that money moved.
///
/// Drivers are plain Swift with no host types: outbound HTTP comes in through
/// `DriverContext.http`, so the plugin hands in the host's client and tests hand in one that
/// reaches a local fake of the provider.
public protocol PaymentDriver: Sendable {
    /// Stable id used in settings, URLs and rows: `stripe`, `paypal`, `bkash`, `nagad`,
    /// `sslcommerz`, `paddle`, `wallet`, `cod`, `bank_transfer`, `gift_card`.
    var id: String { get }
    /// Name shown to customers ("Card (Stripe)").
    var displayName: String { get }

    /// Starts a payment at the provider. Called once per payment: the core keys it on
    /// `request.idempotencyKey` and passes that key on to providers that accept one.
    func start(_ request: StartRequest, context: DriverContext) throws(DriverError) -> StartResult

    /// Captures an authorized payment. The core calls it at most once per payment (a row
    /// lock decides who captures when the redirect and the webhook race) and passes a
    /// stable idempotency key as a second guard at the provider.
    func capture(_ payment: PaymentReference, amount: Int64, idempotencyKey: String, context: DriverContext) throws(DriverError) -> CaptureResult

    /// Refunds part or all of a captured payment.
    func refund(_ payment: PaymentReference, amount: Int64, reason: String, idempotencyKey: String, context: DriverContext) throws(DriverError) -> RefundResult

    /// Checks a webhook exactly as the provider documents (signature, timestamp tolerance or
    /// a validation call) and turns it into events. Throws `.rejected` for a bad signature, an
    /// old timestamp or a body that cannot be read; the core answers 400 and records nothing.
    func verifyWebhook(_ webhook: IncomingWebhook, context: DriverContext) throws(DriverError) -> [WebhookEvent]

    /// The customer came back from the provider's page (`/api/payment/return/{driver}`):
    /// reads the query and asks the provider what happened. The core then captures once.
    func handleReturn(query: [(String, String)], payment: PaymentReference, context: DriverContext) throws(DriverError) -> ReturnOutcome
}

/// What a driver needs from its surroundings.
public struct DriverContext: Sendable {
    /// Settings of this driver: base URL, credentials, webhook secret… (names per driver,
    /// documented on the driver). Never logged.
    public var settings: [String: String]
    /// Outbound HTTP (the host's client in the plugin, a loopback client in tests).
    public var http: @Sendable (OutboundRequest) throws(DriverError) -> OutboundResponse
    /// The clock (tests move it to prove timestamp tolerance).
    public var now: @Sendable () -> Date
    /// Where the provider sends the customer back, with `{payment_id}` filled in.
    public var returnURL: String

    public init(settings: [String: String], http: @escaping @Sendable (OutboundRequest) throws(DriverError) -> OutboundResponse,
                now: @escaping @Sendable () -> Date = { Date() }, returnURL: String = "") {
        self.settings = settings
        self.http = http
        self.now = now
        self.returnURL = returnURL
    }

    /// A required setting, or `.notConfigured` naming it.
    public func setting(_ name: String, driver: String) throws(DriverError) -> String {
        guard let value = settings[name], !value.isEmpty else { throw .notConfigured("\(driver): setting '\(name)' is not set") }
        return value
    }
}

public struct OutboundRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var timeoutMS: UInt32
    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8] = [], timeoutMS: UInt32 = 10_000) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMS = timeoutMS
    }
}

public struct OutboundResponse: Sendable {
    public var status: Int
    /// Lower-case names.
    public var headers: [(String, String)]
    public var body: [UInt8]
    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A payment to start.
public struct StartRequest: Sendable {
    public var paymentID: String
    public var orderID: String
    /// Minor units.
    public var amount: Int64
    public var currency: String
    public var idempotencyKey: String
    public var customer: Customer?
    public var returnURL: String
    public init(paymentID: String, orderID: String, amount: Int64, currency: String, idempotencyKey: String, customer: Customer? = nil, returnURL: String = "") {
        self.paymentID = paymentID
        self.orderID = orderID
        self.amount = amount
        self.currency = currency
        self.idempotencyKey = idempotencyKey
        self.customer = customer
        self.returnURL = returnURL
    }
}

public struct Customer: Sendable, Codable {
    public var id: String?
    public var email: String?
    public var name: String?
    public var phone: String?
    public init(id: String? = nil, email: String? = nil, name: String? = nil, phone: String? = nil) {
        self.id = id
        self.email = email
        self.name = name
        self.phone = phone
    }
}

/// What the provider answered to start.
public struct StartResult: Sendable {
    public enum Status: String, Sendable { case pending, authorized, captured, failed }
    public var status: Status
    /// The provider's id for this payment (PaymentIntent id, PayPal order id, bKash paymentID…).
    public var providerReference: String
    /// Where to send the customer, if anywhere.
    public var redirectURL: String?
    /// Extra data for the shop page (e.g. Stripe's client_secret).
    public var clientData: [String: String]
    public var failureReason: String?
    public init(status: Status, providerReference: String, redirectURL: String? = nil, clientData: [String: String] = [:], failureReason: String? = nil) {
        self.status = status
        self.providerReference = providerReference
        self.redirectURL = redirectURL
        self.clientData = clientData
        self.failureReason = failureReason
    }
}

/// A payment the core already knows.
public struct PaymentReference: Sendable {
    public var paymentID: String
    public var orderID: String
    public var providerReference: String
    /// The provider's id of the capture, when it differs (PayPal capture id, Stripe charge).
    public var captureReference: String?
    public var amount: Int64
    public var currency: String
    public init(paymentID: String, orderID: String, providerReference: String, captureReference: String? = nil, amount: Int64, currency: String) {
        self.paymentID = paymentID
        self.orderID = orderID
        self.providerReference = providerReference
        self.captureReference = captureReference
        self.amount = amount
        self.currency = currency
    }
}

public struct CaptureResult: Sendable {
    public var captured: Bool
    public var captureReference: String?
    public var failureReason: String?
    public init(captured: Bool, captureReference: String? = nil, failureReason: String? = nil) {
        self.captured = captured
        self.captureReference = captureReference
        self.failureReason = failureReason
    }
}

public struct RefundResult: Sendable {
    public enum Status: String, Sendable { case pending, succeeded, failed }
    public var status: Status
    public var providerReference: String
    public var failureReason: String?
    public init(status: Status, providerReference: String, failureReason: String? = nil) {
        self.status = status
        self.providerReference = providerReference
        self.failureReason = failureReason
    }
}

public struct IncomingWebhook: Sendable {
    /// Lower-case names.
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var query: [(String, String)]
    public init(headers: [(String, String)], body: [UInt8], query: [(String, String)] = []) {
        self.headers = headers
        self.body = body
        self.query = query
    }
    public func header(_ name: String) -> String? { headers.first { $0.0 == name.lowercased() }?.1 }
}

/// A webhook turned into what the core understands. `eventID` is the provider's event id:
/// the core records it and ignores a second delivery of the same id.
public struct WebhookEvent: Sendable {
    public enum Kind: String, Sendable { case authorized, captured, failed, refunded, disputeOpened = "dispute_opened", disputeUpdated = "dispute_updated" }
    public var eventID: String
    public var kind: Kind
    /// The provider's payment id, as `StartResult.providerReference` gave it. When the
    /// provider names only the capture (a charge id), leave it empty and set
    /// `captureReference`: the core matches either.
    public var providerReference: String
    public var amount: Int64?
    public var captureReference: String?
    public var dispute: Dispute?
    public var failureReason: String?
    /// `.refunded` only: the provider's id of this refund (the same id `RefundResult`
    /// gave), when it names one. The core matches it against the refunds it asked for; an
    /// unknown one is a refund made elsewhere (the provider's dashboard), recorded with
    /// `amount`. Give this or `refundedTotal`: with `amount` alone the core can only take a
    /// pending refund of that amount as done, and records nothing else (it cannot tell a
    /// refund it asked for from another one).
    public var refundReference: String?
    /// `.refunded` only: everything refunded on this payment so far at the provider, when the
    /// provider says so (Stripe's `charge.amount_refunded`). The core records the difference
    /// to what it knows as one refund made elsewhere.
    public var refundedTotal: Int64?
    public init(eventID: String, kind: Kind, providerReference: String, amount: Int64? = nil, captureReference: String? = nil, dispute: Dispute? = nil, failureReason: String? = nil,
                refundReference: String? = nil, refundedTotal: Int64? = nil) {
        self.eventID = eventID
        self.kind = kind
        self.providerReference = providerReference
        self.amount = amount
        self.captureReference = captureReference
        self.dispute = dispute
        self.failureReason = failureReason
        self.refundReference = refundReference
        self.refundedTotal = refundedTotal
    }
}

public struct Dispute: Sendable {
    public var providerDisputeID: String
    public var status: String
    public var reason: String
    public var amount: Int64
    /// When evidence is due, if the provider says.
    public var evidenceDueBy: Date?
    public init(providerDisputeID: String, status: String, reason: String, amount: Int64, evidenceDueBy: Date? = nil) {
        self.providerDisputeID = providerDisputeID
        self.status = status
        self.reason = reason
        self.amount = amount
        self.evidenceDueBy = evidenceDueBy
    }
}

/// After the customer returns from the provider.
public struct ReturnOutcome: Sendable {
    public enum Status: String, Sendable { case authorized, captured, failed, canceled, pending }
    public var status: Status
    public var captureReference: String?
    public var failureReason: String?
    public init(status: Status, captureReference: String? = nil, failureReason: String? = nil) {
        self.status = status
        self.captureReference = captureReference
        self.failureReason = failureReason
    }
}

/// Why a driver call did not succeed. Messages name the driver and the field, never a secret.
public enum DriverError: Error, Sendable, Equatable {
    /// A setting (credential, base URL) is missing.
    case notConfigured(String)
    /// The provider refused (card declined, invalid request): the message is the provider's.
    case declined(String)
    /// The provider could not be reached or answered 5xx / garbage; safe to retry.
    case unavailable(String)
    /// A webhook or return that does not verify (bad signature, old timestamp, unknown body).
    case rejected(String)
    /// This driver cannot do that (e.g. refund cash on delivery through a provider).
    case unsupported(String)

    public var message: String {
        switch self {
        case .notConfigured(let m), .declined(let m), .unavailable(let m), .rejected(let m), .unsupported(let m): return m
        }
    }
}
