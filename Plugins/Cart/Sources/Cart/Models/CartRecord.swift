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
        /// Unit price × quantity; Int64.max when it overflows (refused by `checkTotals`).
        var total: Int64 { unitPrice.multipliedReportingOverflow(by: quantity).overflow ? Int64.max : unitPrice * quantity }
    }

    /// The most one line may total (minor units), checked when lines are written; with at
    /// most 500 lines every sum of a cart stays far inside 64 bits.
    static let maxLineTotal: Int64 = 10_000_000_000_000

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

    /// Refuses a cart whose lines add up past what totals can hold (a line over
    /// `maxLineTotal`, e.g. after a merge added up quantities), instead of overflowing.
    func checkTotals() throws(CartError) {
        if let big = lines.first(where: { $0.total > Self.maxLineTotal }) {
            throw .unprocessable("items", "\(big.sku): a line may total at most \(Self.maxLineTotal) (minor units); lower its quantity")
        }
    }
    var ships: Bool { lines.contains { $0.kind.ships } }
}
