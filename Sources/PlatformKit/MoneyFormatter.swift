/// Formats money for display and parses exact decimal strings into minor units.
///
/// Formatting is locale-independent: symbol, then the amount grouped per the currency
/// (`,` between groups, `.` before the minor digits). Alphabetic symbols get a space
/// (`KD 1.234`, `CHF 5.00`). Negative amounts lead with `-` (`-$1.00`). Thread-safe: stateless.
public enum MoneyFormatter {
    /// Formats with symbol: `$1,234.56`, `¥1,235`, `৳1,23,456.00`, `KD 1.234`, `-$1.00`.
    public static func format(_ money: Money) -> String {
        let sign = money.minorUnits < 0 ? "-" : ""
        let symbol = money.currency.symbol
        let spacer = symbol.last.map { $0.isLetter } == true ? " " : ""
        return sign + symbol + spacer + groupedMagnitude(money)
    }

    /// Formats without symbol: `1,234.56`, `-1.00`.
    public static func formatAmount(_ money: Money) -> String {
        (money.minorUnits < 0 ? "-" : "") + groupedMagnitude(money)
    }

    /// Parses a plain decimal string (`"12.34"`, `"-5"`, `"0.5"`) into exact minor units.
    ///
    /// Accepts an optional sign, digits, and optionally `.` followed by at most
    /// `currency.minorUnitDigits` digits; surrounding whitespace is ignored. No grouping
    /// separators, exponents or symbols. Never uses floating point.
    /// - Throws: `MoneyError.tooManyDecimals` or `MoneyError.invalidAmount`, naming the value;
    ///   `MoneyError.overflow` if the amount exceeds `Int64` minor units.
    public static func parse(decimalString: String, currency: Currency) throws(MoneyError) -> Money {
        let text = decimalString.trimmingSpaces()
        var scalars = Substring(text)
        var negative = false
        if let first = scalars.first, first == "-" || first == "+" {
            negative = first == "-"
            scalars = scalars.dropFirst()
        }
        let parts = scalars.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
            throw MoneyError.invalidAmount(value: decimalString, reason: "more than one decimal point")
        }
        let integerPart = parts[0]
        let fractionPart = parts.count == 2 ? parts[1] : ""
        guard !integerPart.isEmpty else {
            throw MoneyError.invalidAmount(value: decimalString, reason: "expected digits before the decimal point")
        }
        guard parts.count == 1 || !fractionPart.isEmpty else {
            throw MoneyError.invalidAmount(value: decimalString, reason: "expected digits after the decimal point")
        }
        guard (integerPart + fractionPart).allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw MoneyError.invalidAmount(value: decimalString, reason: "only digits, one '.' and a leading sign are allowed")
        }
        guard fractionPart.count <= currency.minorUnitDigits else {
            throw MoneyError.tooManyDecimals(value: decimalString, currency: currency)
        }
        let padded = fractionPart + String(repeating: "0", count: currency.minorUnitDigits - fractionPart.count)
        var magnitude: Int64 = 0
        for character in integerPart + padded {
            let digit = Int64(character.asciiValue! - 48)
            let (shifted, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (next, o2) = shifted.addingReportingOverflow(digit)
            if o1 || o2 { throw MoneyError.overflow("parsing '\(decimalString)'") }
            magnitude = next
        }
        return Money(minorUnits: negative ? -magnitude : magnitude, currency: currency)
    }

    private static func groupedMagnitude(_ money: Money) -> String {
        let digits = money.currency.minorUnitDigits
        var text = String(money.minorUnits.magnitude)
        if text.count <= digits {
            text = String(repeating: "0", count: digits - text.count + 1) + text
        }
        let integerDigits = String(text.dropLast(digits))
        let grouped = money.currency.grouping.group(integerDigits)
        return digits == 0 ? grouped : grouped + "." + text.suffix(digits)
    }
}

extension String {
    /// The string without leading and trailing whitespace (Foundation-free).
    func trimmingSpaces() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
