@testable import PaymentDrivers
import Testing

/// Minor units to the providers' decimal strings and back, by currency exponent, without floats.
@Suite("MinorUnitDecimalTests")
struct MinorUnitDecimalTests {
    @Test func writesByTheCurrencyExponent() {
        #expect(MinorUnitDecimal.string(1050, currency: "USD") == "10.50")
        #expect(MinorUnitDecimal.string(5, currency: "EUR") == "0.05")
        #expect(MinorUnitDecimal.string(0, currency: "USD") == "0.00")
        #expect(MinorUnitDecimal.string(1050, currency: "JPY") == "1050")
        #expect(MinorUnitDecimal.string(1050, currency: "KWD") == "1.050")
        #expect(MinorUnitDecimal.string(7, currency: "BHD") == "0.007")
        #expect(MinorUnitDecimal.string(Int64.max, currency: "USD") == "92233720368547758.07")
        #expect(MinorUnitDecimal.string(-1, currency: "USD") == nil)
    }

    @Test func writesWithOtherPlacesOnlyWithoutLosingMoney() {
        #expect(MinorUnitDecimal.string(1_234_500, exponent: 2, places: 0) == "12345")
        #expect(MinorUnitDecimal.string(1_234_550, exponent: 2, places: 0) == nil)
        #expect(MinorUnitDecimal.string(1500, exponent: 3, places: 2) == "1.50")
        #expect(MinorUnitDecimal.string(1505, exponent: 3, places: 2) == nil)
        #expect(MinorUnitDecimal.string(15, exponent: 0, places: 2) == "15.00")
        #expect(MinorUnitDecimal.string(Int64.max, exponent: 0, places: 2) == nil)
    }

    @Test func readsDecimalStrings() {
        #expect(MinorUnitDecimal.minorUnits("10.50", currency: "USD") == 1050)
        #expect(MinorUnitDecimal.minorUnits("10.5", currency: "USD") == 1050)
        #expect(MinorUnitDecimal.minorUnits("10", currency: "USD") == 1000)
        #expect(MinorUnitDecimal.minorUnits(".5", currency: "USD") == 50)
        #expect(MinorUnitDecimal.minorUnits("1050", currency: "JPY") == 1050)
        #expect(MinorUnitDecimal.minorUnits("1050.00", currency: "JPY") == 1050)
        #expect(MinorUnitDecimal.minorUnits("1.050", currency: "KWD") == 1050)
        #expect(MinorUnitDecimal.minorUnits("0.007", currency: "BHD") == 7)
        #expect(MinorUnitDecimal.minorUnits("10.505", currency: "USD") == nil)
        #expect(MinorUnitDecimal.minorUnits("10.5", currency: "JPY") == nil)
        #expect(MinorUnitDecimal.minorUnits("-1.00", currency: "USD") == nil)
        #expect(MinorUnitDecimal.minorUnits("1e3", currency: "USD") == nil)
        #expect(MinorUnitDecimal.minorUnits("", currency: "USD") == nil)
        #expect(MinorUnitDecimal.minorUnits("1.", currency: "USD") == nil)
        #expect(MinorUnitDecimal.minorUnits("99999999999999999999", currency: "USD") == nil)
    }

    @Test func jsonKeepsNumberTextAndRoundTrips() throws {
        let text = #"{"a":[1,2.50,-3e2],"b":"x\"y\\z\u00e9\ud83d\ude00","c":true,"d":null}"#
        let tree = try #require(JSONTree.parse(Array(text.utf8)))
        #expect(tree.at("a", 1)?.text == "2.50")
        #expect(tree["b"]?.string == "x\"y\\zé😀")
        #expect(tree["c"] == .bool(true))
        #expect(JSONTree.parse(tree.encoded()) == tree)
        #expect(JSONTree.parse(Array(#"{"a":1,}"#.utf8)) == nil)
        #expect(JSONTree.parse(Array("[1] x".utf8)) == nil)
    }
}
