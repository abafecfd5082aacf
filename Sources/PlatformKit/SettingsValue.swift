import Foundation

/// A resolved, type-checked setting value.
///
/// `description` renders JSON-like text (`"Hello"`, `3`, `$5.00`); it is not redacted, so
/// print a `ModuleSettings` rather than a secret's value. Encodes as plain JSON
/// (money as `{"amount":500,"currency":"USD"}`, currency as `"USD"`).
public enum SettingsValue: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// A `string` setting.
    case string(String)
    /// An `integer` setting.
    case integer(Int64)
    /// A `number` setting.
    case number(Double)
    /// A `boolean` setting.
    case boolean(Bool)
    /// A `money` setting.
    case money(Money)
    /// A `currency` setting.
    case currency(Currency)

    /// The type this value belongs to.
    public var type: SettingType {
        switch self {
        case .string: return .string
        case .integer: return .integer
        case .number: return .number
        case .boolean: return .boolean
        case .money: return .money
        case .currency: return .currency
        }
    }

    /// The text, if this is a string.
    public var stringValue: String? { if case .string(let v) = self { v } else { nil } }
    /// The integer, if this is an integer.
    public var integerValue: Int64? { if case .integer(let v) = self { v } else { nil } }
    /// The number, if this is a number (integers are not widened).
    public var numberValue: Double? { if case .number(let v) = self { v } else { nil } }
    /// The flag, if this is a boolean.
    public var booleanValue: Bool? { if case .boolean(let v) = self { v } else { nil } }
    /// The amount, if this is money.
    public var moneyValue: Money? { if case .money(let v) = self { v } else { nil } }
    /// The currency, if this is a currency.
    public var currencyValue: Currency? { if case .currency(let v) = self { v } else { nil } }

    /// The value as compact JSON text (`"Hello"`, `3`, `{"amount":500,"currency":"USD"}`).
    public var jsonText: String { json.rendered }

    /// JSON-like text: strings quoted, money formatted (`$5.00`), currency as its code.
    public var description: String {
        switch self {
        case .money(let money): return MoneyFormatter.format(money)
        case .currency(let currency): return currency.code
        default: return json.rendered
        }
    }

    /// Encodes as plain JSON.
    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }

    var json: JSONValue {
        switch self {
        case .string(let v): return .string(v)
        case .integer(let v): return .integer(v)
        case .number(let v): return .number(v)
        case .boolean(let v): return .bool(v)
        case .money(let v): return .object(["amount": .integer(v.minorUnits), "currency": .string(v.currency.code)])
        case .currency(let v): return .string(v.code)
        }
    }

    /// JSON string literal for `text`.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Shortest text for a double, without a trailing `.0` for integral values.
    static func render(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
