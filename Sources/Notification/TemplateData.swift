import EOPManifest
import EOPPlatformKit
import Foundation

/// What a template may name: the event's payload fields, plus `<field>_formatted` for
/// every whole-number field of a payload that has a `currency` (money in minor units,
/// formatted by PlatformKit: `total` 12345 USD → `total_formatted` "$123.45").
enum TemplateData {
    /// The payload schema with the derived variables added.
    static func schema(_ payload: SchemaNode) -> SchemaNode {
        guard case .object(var properties, let required) = payload, case .string = properties["currency"] else { return payload }
        for (name, node) in properties {
            if case .integer = node { properties[name + "_formatted"] = .string(allowed: nil, minLength: nil, maxLength: nil) }
        }
        return .object(properties: properties, required: required)
    }

    /// The payload as Mustache sees it (booleans as Bool, whole numbers as Int), with the
    /// derived variables added.
    static func context(_ payload: [String: Any]) -> [String: Any] {
        var object = (plain(payload) as? [String: Any]) ?? [:]
        if let code = object["currency"] as? String, let currency = Currency.find(code) {
            for (name, value) in object {
                if let minor = value as? Int { object[name + "_formatted"] = MoneyFormatter.format(Money(minorUnits: Int64(minor), currency: currency)) }
            }
        }
        return object
    }

    /// JSONSerialization output with NSNumber split into Bool, Int and Double: Mustache
    /// treats a Bool false as an empty section, and prints whole numbers without ".0".
    static func plain(_ value: Any) -> Any {
        switch value {
        case let object as [String: Any]: return object.mapValues(plain)
        case let array as [Any]: return array.map(plain)
        case let n as NSNumber where !(value is String):
            switch String(cString: n.objCType) {
            case "c", "B": return n.boolValue
            case "f", "d": return n.doubleValue.rounded() == n.doubleValue && abs(n.doubleValue) < 1e15 ? Int(n.doubleValue) : n.doubleValue
            default: return n.intValue
            }
        default: return value
        }
    }
}
