import Foundation

/// Taka amounts as bKash and Nagad write them ("1250.50") and as EOP keeps them (125050
/// paisa), through the package's integer-only `MinorUnitDecimal`.
enum BDTAmount {
    /// 125050 → "1250.50".
    static func decimalString(paisa: Int64) -> String {
        MinorUnitDecimal.string(paisa, exponent: 2, places: 2) ?? "invalid"
    }

    /// "1250.5", "1250.50" or "1250" → 125050; nil for anything else (signs, exponents, more
    /// than two significant decimals, overflow).
    static func paisa(_ text: String) -> Int64? {
        MinorUnitDecimal.minorUnits(text, exponent: 2)
    }
}

/// Reading and writing the small JSON objects bKash and Nagad exchange. Their values are
/// strings (amounts included); a number is read only when it is an integer.
enum BDGatewayJSON {
    static func object(_ bytes: [UInt8]) -> [String: Any]? {
        guard !bytes.isEmpty, let value = try? JSONSerialization.jsonObject(with: Data(bytes)) else { return nil }
        return value as? [String: Any]
    }

    static func string(_ object: [String: Any], _ key: String) -> String? {
        switch object[key] {
        case let text as String: return text
        case let number as Int: return String(number)
        case let number as Int64: return String(number)
        default: return nil
        }
    }

    /// Compact JSON with sorted keys and unescaped slashes, so what is signed is stable.
    static func bytes(_ object: [String: Any]) -> [UInt8] {
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Array(data ?? Data("{}".utf8))
    }
}

/// A return URL's query, as the core hands it over (decoded name/value pairs).
enum BDQuery {
    static func value(_ query: [(String, String)], _ name: String) -> String? {
        query.first { $0.0 == name }?.1
    }
}
