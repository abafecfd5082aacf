import EOPPlatformKit
import Foundation
import Testing

@Suite("Money")
struct MoneyTests {
    @Test("adding same-currency amounts sums minor units")
    func addingSameCurrencySums() throws {
        let sum = try Money(minorUnits: 150, currency: .usd) + Money(minorUnits: 275, currency: .usd)
        #expect(sum == Money(minorUnits: 425, currency: .usd))
        #expect(try Money(minorUnits: 100, currency: .eur).subtracting(Money(minorUnits: 250, currency: .eur)).minorUnits == -150)
    }

    @Test("adding different currencies throws currencyMismatch")
    func addingDifferentCurrenciesThrows() {
        #expect(throws: MoneyError.currencyMismatch(.usd, .eur)) {
            try Money(minorUnits: 1, currency: .usd).adding(Money(minorUnits: 1, currency: .eur))
        }
        #expect(MoneyError.currencyMismatch(.usd, .eur).description == "cannot combine amounts in USD and EUR")
        #expect(throws: MoneyError.self) {
            try Money(minorUnits: 1, currency: .usd).isLess(than: Money(minorUnits: 1, currency: .gbp))
        }
    }

    @Test("overflow throws instead of wrapping")
    func overflowThrows() {
        #expect(throws: MoneyError.overflow("addition")) {
            try Money(minorUnits: .max, currency: .usd).adding(Money(minorUnits: 1, currency: .usd))
        }
        #expect(throws: MoneyError.overflow("multiplication")) {
            try Money(minorUnits: .max / 2 + 1, currency: .usd).multiplied(by: 2)
        }
        #expect(throws: MoneyError.overflow("negation")) { try Money(minorUnits: .min, currency: .usd).negated() }
    }

    @Test("multiplying and summing are exact")
    func multiplyAndSum() throws {
        #expect(try Money(minorUnits: 199, currency: .usd).multiplied(by: 3).minorUnits == 597)
        let total = try Money.sum([Money(minorUnits: 1, currency: .jpy), Money(minorUnits: 2, currency: .jpy)], currency: .jpy)
        #expect(total == Money(minorUnits: 3, currency: .jpy))
        #expect(try Money(minorUnits: 1, currency: .usd).isLess(than: Money(minorUnits: 2, currency: .usd)))
    }

    @Test("money encodes as amount in minor units and currency code")
    func moneyCodableShape() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(Money(minorUnits: 500, currency: .usd)), as: UTF8.self)
        #expect(text == #"{"amount":500,"currency":"USD"}"#)
        let decoded = try JSONDecoder().decode(Money.self, from: Data(#"{"amount":1234,"currency":"KWD"}"#.utf8))
        #expect(decoded == Money(minorUnits: 1234, currency: .kwd))
    }
}
