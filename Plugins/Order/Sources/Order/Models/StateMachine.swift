/// The three separate state machines of an order. Each change is checked against its
/// machine's allowed transitions (the same table as the database's
/// `transition_allowed`, which guards the columns as well) and written with a history row.
enum Machine: String, CaseIterable, Sendable {
    /// pending → confirmed → completed; pending or confirmed → canceled.
    case order
    /// unpaid → authorized → paid → partially_refunded → refunded (unpaid → paid directly;
    /// authorized → unpaid when an authorization fails or lapses).
    case payment
    /// unfulfilled → partially_fulfilled → fulfilled → shipped → delivered, and back as returned.
    case fulfillment

    /// The orders column holding this machine's state.
    var column: String {
        switch self {
        case .order: return "status"
        case .payment: return "payment_status"
        case .fulfillment: return "fulfillment_status"
        }
    }

    /// The state of a new order.
    var initial: String {
        switch self {
        case .order: return "pending"
        case .payment: return "unpaid"
        case .fulfillment: return "unfulfilled"
        }
    }

    /// Every state, for input checks.
    var states: [String] {
        switch self {
        case .order: return ["pending", "confirmed", "completed", "canceled"]
        case .payment: return ["unpaid", "authorized", "paid", "partially_refunded", "refunded"]
        case .fulfillment: return ["unfulfilled", "partially_fulfilled", "fulfilled", "shipped", "delivered", "returned"]
        }
    }

    /// Allowed transitions, from → to.
    var allowed: [String: Set<String>] {
        switch self {
        case .order:
            return ["pending": ["confirmed", "canceled"], "confirmed": ["completed", "canceled"]]
        case .payment:
            return ["unpaid": ["authorized", "paid"], "authorized": ["paid", "unpaid"],
                    "paid": ["partially_refunded", "refunded"], "partially_refunded": ["refunded"]]
        case .fulfillment:
            return ["unfulfilled": ["partially_fulfilled", "fulfilled"], "partially_fulfilled": ["fulfilled"],
                    "fulfilled": ["shipped"], "shipped": ["delivered", "returned"], "delivered": ["returned"]]
        }
    }

    func allows(from: String, to: String) -> Bool { allowed[from]?.contains(to) == true }
}
