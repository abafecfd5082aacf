/// An exact amount of money: an integer count of minor units (cents, fils, yen) in one currency.
///
/// Arithmetic is checked: mixing currencies throws `MoneyError.currencyMismatch`, overflow
/// throws `MoneyError.overflow`. Codable as `{"amount": <minor units>, "currency": "USD"}`.
/// Rationale: no floating point anywhere, so totals never drift.
public struct Money: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The amount in minor units (`123456` USD is $1,234.56).
    public var minorUnits: Int64
    /// The currency of the amount.
    public var currency: Currency

    /// Creates an amount from minor units.
    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// Zero in `currency`.
    public static func zero(_ currency: Currency) -> Money {
        Money(minorUnits: 0, currency: currency)
    }

    /// True when the amount is zero.
    public var isZero: Bool { minorUnits == 0 }
    /// True when the amount is below zero.
    public var isNegative: Bool { minorUnits < 0 }

    /// `self + other`; throws on currency mismatch or overflow.
    public func adding(_ other: Money) throws(MoneyError) -> Money {
        try requireSameCurrency(other)
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        if overflow { throw MoneyError.overflow("addition") }
        return Money(minorUnits: sum, currency: currency)
    }

    /// `self - other`; throws on currency mismatch or overflow.
    public func subtracting(_ other: Money) throws(MoneyError) -> Money {
        try requireSameCurrency(other)
        let (difference, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        if overflow { throw MoneyError.overflow("subtraction") }
        return Money(minorUnits: difference, currency: currency)
    }

    /// `self * factor` (e.g. unit price times quantity); throws on overflow.
    public func multiplied(by factor: Int64) throws(MoneyError) -> Money {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: factor)
        if overflow { throw MoneyError.overflow("multiplication") }
        return Money(minorUnits: product, currency: currency)
    }

    /// `-self`; throws on overflow (only for `Int64.min`).
    public func negated() throws(MoneyError) -> Money {
        let (result, overflow) = Int64(0).subtractingReportingOverflow(minorUnits)
        if overflow { throw MoneyError.overflow("negation") }
        return Money(minorUnits: result, currency: currency)
    }

    /// `self < other`; throws on currency mismatch.
    public func isLess(than other: Money) throws(MoneyError) -> Bool {
        try requireSameCurrency(other)
        return minorUnits < other.minorUnits
    }

    /// Sums `amounts`, all of which must be in `currency`.
    public static func sum(_ amounts: some Sequence<Money>, currency: Currency) throws(MoneyError) -> Money {
        var total = Money.zero(currency)
        for amount in amounts { total = try total.adding(amount) }
        return total
    }

    /// Checked addition; see `adding(_:)`.
    public static func + (lhs: Money, rhs: Money) throws(MoneyError) -> Money {
        try lhs.adding(rhs)
    }

    /// Checked subtraction; see `subtracting(_:)`.
    public static func - (lhs: Money, rhs: Money) throws(MoneyError) -> Money {
        try lhs.subtracting(rhs)
    }

    /// The formatted amount, e.g. `$1,234.56`.
    public var description: String { MoneyFormatter.format(self) }

    private func requireSameCurrency(_ other: Money) throws(MoneyError) {
        guard currency.code == other.currency.code else {
            throw MoneyError.currencyMismatch(currency, other.currency)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case amount
        case currency
    }

    /// Decodes `{"amount": <minor units>, "currency": "<ISO code>"}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        minorUnits = try container.decode(Int64.self, forKey: .amount)
        currency = try container.decode(Currency.self, forKey: .currency)
    }

    /// Encodes `{"amount": <minor units>, "currency": "<ISO code>"}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(minorUnits, forKey: .amount)
        try container.encode(currency, forKey: .currency)
    }
}
