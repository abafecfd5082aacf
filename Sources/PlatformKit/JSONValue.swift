import Foundation

/// A parsed JSON value that keeps integers, numbers and booleans apart.
///
/// Internal: the common form that settings schemas and values are checked in, whether
/// they arrive as `Data` or as a `[String: Any]` built in code.
enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Parses JSON text; `nil` if it is not valid JSON.
    static func parse(_ data: Data) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Converts a value built in code (or by `JSONSerialization`); `nil` for unsupported types.
    init?(any value: Any) {
        switch value {
        case let v as JSONValue: self = v
        case let v as SettingsValue: self = v.json
        case let v as Money: self = .object(["amount": .integer(v.minorUnits), "currency": .string(v.currency.code)])
        case let v as Currency: self = .string(v.code)
        case is NSNull: self = .null
        case let v as Bool where type(of: value) == Bool.self: self = .bool(v)
        case let v as String: self = .string(v)
        case let v as Substring: self = .string(String(v))
        case let v as Int where type(of: value) == Int.self: self = .integer(Int64(v))
        case let v as Int64 where type(of: value) == Int64.self: self = .integer(v)
        case let v as Int32 where type(of: value) == Int32.self: self = .integer(Int64(v))
        case let v as Int16 where type(of: value) == Int16.self: self = .integer(Int64(v))
        case let v as Int8 where type(of: value) == Int8.self: self = .integer(Int64(v))
        case let v as UInt where type(of: value) == UInt.self:
            guard let exact = Int64(exactly: v) else { self = .number(Double(v)); return }
            self = .integer(exact)
        case let v as UInt64 where type(of: value) == UInt64.self:
            guard let exact = Int64(exactly: v) else { self = .number(Double(v)); return }
            self = .integer(exact)
        case let v as UInt32 where type(of: value) == UInt32.self: self = .integer(Int64(v))
        case let v as UInt16 where type(of: value) == UInt16.self: self = .integer(Int64(v))
        case let v as UInt8 where type(of: value) == UInt8.self: self = .integer(Int64(v))
        case let v as Double where type(of: value) == Double.self: self = .number(v)
        case let v as Float where type(of: value) == Float.self: self = .number(Double(v))
        case let v as NSNumber:
            // JSONSerialization output: booleans report objCType "c".
            switch String(cString: v.objCType) {
            case "c", "B": self = .bool(v.boolValue)
            case "f", "d": self = .number(v.doubleValue)
            default: self = .integer(v.int64Value)
            }
        case let v as [Any]:
            var items: [JSONValue] = []
            for item in v {
                guard let converted = JSONValue(any: item) else { return nil }
                items.append(converted)
            }
            self = .array(items)
        case let v as [String: Any]:
            var fields: [String: JSONValue] = [:]
            for (key, item) in v {
                guard let converted = JSONValue(any: item) else { return nil }
                fields[key] = converted
            }
            self = .object(fields)
        default:
            return nil
        }
    }

    /// Compact JSON text with sorted keys, for error messages.
    var rendered: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .integer(let value): return String(value)
        case .number(let value): return SettingsValue.render(value)
        case .string(let value): return SettingsValue.quote(value)
        case .array(let values): return "[" + values.map(\.rendered).joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.sorted { $0.key < $1.key }
                .map { SettingsValue.quote($0.key) + ":" + $0.value.rendered }
                .joined(separator: ",") + "}"
        }
    }

    /// A short name of the JSON kind, for error messages.
    var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer: return "an integer"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
