import Foundation

/// A cart as read in one statement (one snapshot): the row, its lines and the price
/// changes the customer has not yet confirmed.
struct CartRecord {
    struct Line {
        var id: String
        var kind: LineKind
        var variantID: String?
        var productID: String?
        var sku: String
        var name: String
        var quantity: Int64
        var unitPrice: Int64
        var currency: String
        var details: [String: Any]
        var total: Int64 { unitPrice.multipliedReportingOverflow(by: quantity).overflow ? Int64.max : unitPrice * quantity }
    }

    var id: String
    var status: String
    var purpose: String
    var currency: String
    var version: Int64
    var customerID: String?
    var email: String?
    var shippingAddress: [String: Any]?
    var billingAddress: [String: Any]?
    var codes: [String]
    var orderID: String?
    var lines: [Line]
    var priceChanges: [[String: Any]]

    var isOpen: Bool { status == "open" }
    var ships: Bool { lines.contains { $0.kind.ships } }
}
