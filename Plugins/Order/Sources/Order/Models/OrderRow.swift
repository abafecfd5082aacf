import EOPSDK

/// The columns of one order that actions decide on (not its lines or copies).
struct OrderRow: Sendable {
    var id: String
    var number: String
    var status: String
    var paymentStatus: String
    var fulfillmentStatus: String
    var currency: String
    var total: Int64
    var amountPaid: Int64
    var amountRefunded: Int64
    var paymentMethod: String
    var paymentAttempt: Int64
    var customerID: String?
    var guestTokenHash: String?
    var customerEmail: String
    var customerName: String
    var customerPhone: String
    var cartID: String

    static let columns = """
        id::text AS id, number, status, payment_status, fulfillment_status, currency, total, amount_paid, amount_refunded,
        payment_method, payment_attempt, customer_id, guest_token_hash, customer_email, customer_name, customer_phone, cart_id
        """

    init(_ r: SQLRow) throws {
        id = try r.requiredString("id")
        number = try r.requiredString("number")
        status = try r.requiredString("status")
        paymentStatus = try r.requiredString("payment_status")
        fulfillmentStatus = try r.requiredString("fulfillment_status")
        currency = try r.requiredString("currency")
        total = try r.requiredInt64("total")
        amountPaid = try r.requiredInt64("amount_paid")
        amountRefunded = try r.requiredInt64("amount_refunded")
        paymentMethod = try r.requiredString("payment_method")
        paymentAttempt = try r.requiredInt64("payment_attempt")
        customerID = try r.string("customer_id")
        guestTokenHash = try r.string("guest_token_hash")
        customerEmail = try r.requiredString("customer_email")
        customerName = try r.requiredString("customer_name")
        customerPhone = try r.requiredString("customer_phone")
        cartID = try r.requiredString("cart_id")
    }

    func state(_ machine: Machine) -> String {
        switch machine {
        case .order: return status
        case .payment: return paymentStatus
        case .fulfillment: return fulfillmentStatus
        }
    }

    mutating func set(_ machine: Machine, _ state: String) {
        switch machine {
        case .order: status = state
        case .payment: paymentStatus = state
        case .fulfillment: fulfillmentStatus = state
        }
    }

    /// Whether `owner` placed this order.
    func belongs(to owner: Owner) -> Bool {
        switch owner {
        case .customer(let id): return customerID == id
        case .guest: return guestTokenHash != nil && guestTokenHash == owner.guestTokenHash
        }
    }

    /// Who the order's facts name as the customer (absent for guests).
    var factCustomer: [String: Any] {
        var out: [String: Any] = ["customer_email": customerEmail]
        if let customerID { out["customer"] = customerID }
        if !customerPhone.isEmpty { out["customer_phone"] = customerPhone }
        return out
    }
}
