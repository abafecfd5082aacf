import EOPPlatformKit
import Foundation
import Testing

@Suite("Currency")
struct CurrencyTests {
    @Test("table covers the required currencies with ISO numeric codes and minor digits")
    func tableCoversRequiredCurrencies() throws {
        let expected: [(String, Int, Int)] = [
            ("USD", 840, 2), ("EUR", 978, 2), ("GBP", 826, 2), ("JPY", 392, 0), ("KRW", 410, 0),
            ("BDT", 50, 2), ("INR", 356, 2), ("PKR", 586, 2), ("AED", 784, 2), ("SAR", 682, 2),
            ("CNY", 156, 2), ("AUD", 36, 2), ("CAD", 124, 2), ("CHF", 756, 2), ("SGD", 702, 2),
            ("MYR", 458, 2), ("THB", 764, 2), ("KWD", 414, 3), ("BHD", 48, 3), ("OMR", 512, 3),
            ("JOD", 400, 3), ("NPR", 524, 2), ("LKR", 144, 2),
        ]
        for (code, numeric, digits) in expected {
            let currency = try Currency(code: code)
            #expect(currency.code == code)
            #expect(currency.numericCode == numeric, "\(code)")
            #expect(currency.minorUnitDigits == digits, "\(code)")
            #expect(!currency.symbol.isEmpty)
        }
    }

    @Test("codes and numeric codes in the table are unique")
    func tableCodesAreUnique() {
        #expect(Set(Currency.all.map(\.code)).count == Currency.all.count)
        #expect(Set(Currency.all.map(\.numericCode)).count == Currency.all.count)
    }

    @Test("South Asian currencies use lakh grouping and their symbols")
    func southAsianCurrenciesUseLakhGrouping() {
        #expect(Currency.bdt.symbol == "৳")
        #expect(Currency.bdt.grouping == .indian)
        #expect(Currency.inr.symbol == "₹")
        #expect(Currency.inr.grouping == .indian)
        #expect(Currency.usd.grouping == .thousands)
    }

    @Test("lookup is case-insensitive")
    func lookupIsCaseInsensitive() throws {
        #expect(try Currency(code: "usd") == .usd)
        #expect(Currency.find(numericCode: 414) == .kwd)
    }

    @Test("unknown code throws an error naming the code")
    func unknownCodeThrowsNamingCode() {
        #expect(Currency.find("XYZ") == nil)
        #expect(throws: MoneyError.unknownCurrency("XYZ")) { try Currency(code: "XYZ") }
        #expect(MoneyError.unknownCurrency("XYZ").description == "unknown currency code 'XYZ'")
    }

    @Test("currency encodes as its code and rejects unknown codes when decoding")
    func currencyCodableAsCode() throws {
        #expect(String(decoding: try JSONEncoder().encode([Currency.jpy]), as: UTF8.self) == #"["JPY"]"#)
        #expect(try JSONDecoder().decode([Currency].self, from: Data(#"["BDT"]"#.utf8)) == [.bdt])
        let error = #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Currency].self, from: Data(#"["QQQ"]"#.utf8))
        }
        #expect(String(describing: error).contains("'QQQ'"))
    }
}
