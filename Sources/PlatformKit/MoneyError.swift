/// Why a money operation, currency lookup or amount parse failed.
public enum MoneyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No currency in the table has this code.
    case unknownCurrency(String)
    /// An operation combined amounts in two different currencies.
    case currencyMismatch(Currency, Currency)
    /// The result does not fit in `Int64` minor units; the payload names the operation.
    case overflow(String)
    /// A decimal string is not a plain number (`value`, `reason`).
    case invalidAmount(value: String, reason: String)
    /// A decimal string has more fraction digits than the currency allows.
    case tooManyDecimals(value: String, currency: Currency)

    /// A sentence for operators, naming the offending value.
    public var description: String {
        switch self {
        case .unknownCurrency(let code):
            return "unknown currency code '\(code)'"
        case .currencyMismatch(let a, let b):
            return "cannot combine amounts in \(a.code) and \(b.code)"
        case .overflow(let operation):
            return "amount overflow in \(operation)"
        case .invalidAmount(let value, let reason):
            return "invalid amount '\(value)': \(reason)"
        case .tooManyDecimals(let value, let currency):
            return "amount '\(value)' has more than \(currency.minorUnitDigits) decimal places allowed for \(currency.code)"
        }
    }
}
