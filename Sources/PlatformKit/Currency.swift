/// An ISO 4217 currency as known to EOP: its code, numeric code, minor-unit digits,
/// display symbol and digit grouping.
///
/// Values come only from the built-in table (`Currency.all`); look one up with
/// `Currency(code:)`, which throws `MoneyError.unknownCurrency` naming the code.
/// Codable as its three-letter code, e.g. `"USD"`.
public struct Currency: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The ISO 4217 alphabetic code, upper case (`"USD"`).
    public let code: String
    /// The ISO 4217 numeric code (`840` for USD).
    public let numericCode: Int
    /// Digits after the decimal point in the minor unit (2 for USD, 0 for JPY, 3 for KWD).
    public let minorUnitDigits: Int
    /// The symbol printed before an amount (`"$"`, `"৳"`, `"KD"`).
    public let symbol: String
    /// How the integer part of an amount is grouped.
    public let grouping: DigitGrouping
    /// The English name (`"US Dollar"`).
    public let name: String

    init(_ code: String, _ numericCode: Int, _ minorUnitDigits: Int, _ symbol: String,
         _ grouping: DigitGrouping = .thousands, _ name: String) {
        self.code = code
        self.numericCode = numericCode
        self.minorUnitDigits = minorUnitDigits
        self.symbol = symbol
        self.grouping = grouping
        self.name = name
    }

    /// Looks up a currency by ISO 4217 code (case-insensitive).
    /// - Throws: `MoneyError.unknownCurrency(code)` if the code is not in the table.
    public init(code: String) throws(MoneyError) {
        guard let found = Currency.find(code) else { throw MoneyError.unknownCurrency(code) }
        self = found
    }

    /// Looks up a currency by ISO 4217 code (case-insensitive); `nil` when unknown.
    public static func find(_ code: String) -> Currency? {
        byCode[code.uppercased()]
    }

    /// Looks up a currency by ISO 4217 numeric code; `nil` when unknown.
    public static func find(numericCode: Int) -> Currency? {
        all.first { $0.numericCode == numericCode }
    }

    /// `10^minorUnitDigits`: minor units per major unit (100 for USD, 1 for JPY).
    public var minorUnitsPerMajor: Int64 {
        var result: Int64 = 1
        for _ in 0..<minorUnitDigits { result *= 10 }
        return result
    }

    /// The ISO code.
    public var description: String { code }

    /// Decodes from a three-letter code; an unknown code is a `DecodingError.dataCorrupted` naming it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let code = try container.decode(String.self)
        guard let found = Currency.find(code) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: MoneyError.unknownCurrency(code).description)
        }
        self = found
    }

    /// Encodes as the three-letter code.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}
