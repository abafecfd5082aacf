/// Integer minor units to and from the decimal strings providers speak ("10.50", "1000",
/// "1.234"), by the currency's ISO 4217 exponent, with integer arithmetic only: money never
/// passes through a floating-point number.
enum MinorUnitDecimal {
    /// ISO 4217 minor-unit digits. Most currencies have 2; these are the exceptions.
    static func exponent(of currency: String) -> Int {
        switch currency.uppercased() {
        case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
            return 0
        case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
            return 3
        case "CLF", "UYW":
            return 4
        default:
            return 2
        }
    }

    /// `minor` (in units of 10^-exponent) written with `places` decimals. Nil when that loses
    /// money: fewer places than the exponent only works for amounts that are whole in them
    /// (PayPal takes HUF without decimals, so 1234500 minor units is "12345" but 1234550 is nil).
    static func string(_ minor: Int64, exponent: Int, places: Int) -> String? {
        guard minor >= 0, exponent >= 0, places >= 0, exponent <= 6, places <= 6 else { return nil }
        var value = minor
        if places < exponent {
            let divisor = power(exponent - places)
            guard value % divisor == 0 else { return nil }
            value /= divisor
        } else if places > exponent {
            let (product, overflow) = value.multipliedReportingOverflow(by: power(places - exponent))
            guard !overflow else { return nil }
            value = product
        }
        guard places > 0 else { return String(value) }
        let scale = power(places)
        let fraction = String(value % scale)
        return "\(value / scale)." + String(repeating: "0", count: places - fraction.count) + fraction
    }

    /// `minor` written with the currency's own exponent ("10.50" USD, "1050" JPY, "1.050" KWD).
    static func string(_ minor: Int64, currency: String) -> String? {
        let exponent = exponent(of: currency)
        return string(minor, exponent: exponent, places: exponent)
    }

    /// A decimal string ("10", "10.5", "10.50") as minor units of `exponent`. Nil for anything
    /// else: a sign, an exponent, more decimals than the currency has (unless they are zeros),
    /// or an amount that does not fit.
    static func minorUnits(_ text: String, exponent: Int) -> Int64? {
        guard exponent >= 0, exponent <= 6 else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        var fraction = parts.count == 2 ? Substring(parts[1]) : ""
        guard !whole.isEmpty || !fraction.isEmpty, whole.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit),
              parts.count == 1 || !fraction.isEmpty else { return nil }
        while fraction.count > exponent, fraction.last == "0" { fraction = fraction.dropLast() }
        guard fraction.count <= exponent else { return nil }
        let digits = (whole.isEmpty ? "0" : String(whole)) + fraction + String(repeating: "0", count: exponent - fraction.count)
        return Int64(digits)
    }

    /// A decimal string in the currency's own exponent as minor units.
    static func minorUnits(_ text: String, currency: String) -> Int64? {
        minorUnits(text, exponent: exponent(of: currency))
    }

    private static func power(_ n: Int) -> Int64 {
        var result: Int64 = 1
        for _ in 0..<n { result *= 10 }
        return result
    }
}

private extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
