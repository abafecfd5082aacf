import EOPPlatformKit
import Foundation
import Testing

@Suite("MoneyFormatter")
struct MoneyFormatterTests {
    @Test("formats required examples", arguments: [
        (Int64(123_456), "USD", "$1,234.56"),
        (1235, "JPY", "¥1,235"),
        (12_345_600, "BDT", "৳1,23,456.00"),
        (12_345_678_950, "INR", "₹12,34,56,789.50"),
        (1234, "KWD", "KD 1.234"),
        (5, "USD", "$0.05"),
        (0, "EUR", "€0.00"),
        (7, "BHD", "BD 0.007"),
        (100_000_000, "KRW", "₩100,000,000"),
        (99_999, "INR", "₹999.99"),
        (10_000_000, "INR", "₹1,00,000.00"),
        (123_456_789, "CHF", "CHF 1,234,567.89"),
    ])
    func formatsExamples(minorUnits: Int64, code: String, expected: String) throws {
        #expect(MoneyFormatter.format(Money(minorUnits: minorUnits, currency: try Currency(code: code))) == expected)
    }

    @Test("negative amounts lead with a minus before the symbol")
    func negativeLeadsWithMinus() {
        #expect(MoneyFormatter.format(Money(minorUnits: -100, currency: .usd)) == "-$1.00")
        #expect(MoneyFormatter.format(Money(minorUnits: -12_345_600, currency: .bdt)) == "-৳1,23,456.00")
        #expect(MoneyFormatter.format(Money(minorUnits: .min, currency: .usd)) == "-$92,233,720,368,547,758.08")
        #expect(MoneyFormatter.formatAmount(Money(minorUnits: -5, currency: .usd)) == "-0.05")
    }

    @Test("parse converts decimal text to exact minor units", arguments: [
        ("12.34", "USD", Int64(1234)),
        ("0.1", "USD", 10),
        ("-5", "USD", -500),
        ("+7.5", "EUR", 750),
        (" 1.234 ", "KWD", 1234),
        ("1235", "JPY", 1235),
        ("92233720368547758.07", "USD", .max),
        ("0.29", "USD", 29),
    ])
    func parseIsExact(text: String, code: String, expected: Int64) throws {
        let currency = try Currency(code: code)
        #expect(try MoneyFormatter.parse(decimalString: text, currency: currency) == Money(minorUnits: expected, currency: currency))
    }

    @Test("parse refuses more decimals than the currency has, naming the value")
    func parseRefusesTooManyDecimals() {
        #expect(throws: MoneyError.tooManyDecimals(value: "12.345", currency: .usd)) {
            try MoneyFormatter.parse(decimalString: "12.345", currency: .usd)
        }
        #expect(throws: MoneyError.tooManyDecimals(value: "1.5", currency: .jpy)) {
            try MoneyFormatter.parse(decimalString: "1.5", currency: .jpy)
        }
        #expect(MoneyError.tooManyDecimals(value: "12.345", currency: .usd).description
            == "amount '12.345' has more than 2 decimal places allowed for USD")
    }

    @Test("parse refuses malformed text, naming the value", arguments: ["", "abc", "1,000.00", "1.2.3", ".5", "5.", "1e3", "--1", "١٢"])
    func parseRefusesMalformed(text: String) {
        let error = #expect(throws: MoneyError.self) { try MoneyFormatter.parse(decimalString: text, currency: .usd) }
        #expect(error?.description.contains("'\(text)'") == true)
    }

    @Test("parse refuses amounts beyond Int64 minor units")
    func parseRefusesOverflow() {
        #expect(throws: MoneyError.self) { try MoneyFormatter.parse(decimalString: "92233720368547758.08", currency: .usd) }
    }

    @Test("format and parse round trip")
    func formatParseRoundTrip() throws {
        for units: Int64 in [0, 1, -1, 999, 123_456_789] {
            let money = Money(minorUnits: units, currency: .omr)
            let text = MoneyFormatter.formatAmount(money).replacingOccurrences(of: ",", with: "")
            #expect(try MoneyFormatter.parse(decimalString: text, currency: .omr) == money)
        }
    }
}
