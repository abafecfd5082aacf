import Foundation

/// The declared shape of one topic (`Manifests/events/<topic>.json`): its kind, owner,
/// schema version and a JSON Schema subset for the payload (type, properties,
/// required, items, enum, minimum, maximum, minLength, maxLength).
public struct EventSchema: Sendable {
    /// The three kinds of topic.
    public enum Kind: String, Sendable {
        /// Published after commit, delivered at least once, handled idempotently.
        case fact
        /// Request/reply to exactly one owner, changing state.
        case command
        /// Request/reply to exactly one owner, reading state.
        case query
        /// Synchronous, may veto.
        case hook
    }

    /// The topic.
    public var topic: String
    /// Its kind.
    public var kind: Kind
    /// The module that owns it.
    public var owner: String
    /// The payload schema version.
    public var version: Int
    /// The payload schema (a JSON Schema subset).
    public var payload: SchemaNode
    /// The file it was read from.
    public var file: String

    /// Reads one schema file.
    public static func load(from url: URL) throws -> EventSchema {
        let file = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ManifestError(file: file, field: "", reason: "cannot be read (\(error.localizedDescription))")
        }
        let json = try JSONFields.parse(data, file: file)
        try json.rejectUnknownKeys(["topic", "kind", "owner", "version", "payload", "reply", "description"])
        let topic = try json.string("topic")
        guard Topic.isValid(topic) else { throw json.error("topic", "\"\(topic)\" is not a topic: \(Topic.rule)") }
        let kindText = try json.string("kind")
        guard let kind = Kind(rawValue: kindText) else { throw json.error("kind", "\"\(kindText)\" is not one of fact, command, query, hook") }
        guard let version = try json.int("version"), version >= 1 else { throw json.error("version", "is required and must be >= 1") }
        guard let payload = try json.nested("payload") else { throw json.error("payload", "is required") }
        return EventSchema(
            topic: topic, kind: kind, owner: try json.string("owner"), version: version,
            payload: try SchemaNode.parse(payload), file: file
        )
    }
}

/// One node of the JSON Schema subset the host understands.
public indirect enum SchemaNode: Sendable {
    /// An object with typed properties.
    case object(properties: [String: SchemaNode], required: Set<String>)
    /// An array of items.
    case array(items: SchemaNode?)
    /// A string, optionally from a fixed set and within lengths.
    case string(allowed: [String]?, minLength: Int?, maxLength: Int?)
    /// A whole number within bounds.
    case integer(minimum: Double?, maximum: Double?)
    /// Any number within bounds.
    case number(minimum: Double?, maximum: Double?)
    /// true or false.
    case boolean
    /// Anything.
    case any

    /// The JSON type name, for signature checks.
    public var typeName: String {
        switch self {
        case .object: return "object"
        case .array: return "array"
        case .string: return "string"
        case .integer: return "integer"
        case .number: return "number"
        case .boolean: return "boolean"
        case .any: return "any"
        }
    }

    static func parse(_ json: JSONFields) throws -> SchemaNode {
        let type = try json.optionalString("type") ?? "any"
        switch type {
        case "object":
            var properties: [String: SchemaNode] = [:]
            if let props = try json.nested("properties") {
                for key in props.object.keys.sorted() {
                    guard let child = try props.nested(key) else { continue }
                    properties[key] = try parse(child)
                }
            }
            let required = Set(try json.stringArray("required"))
            for name in required.sorted() where properties[name] == nil && !properties.isEmpty {
                throw json.error("required", "names '\(name)', which is not among the properties")
            }
            return .object(properties: properties, required: required)
        case "array":
            return .array(items: try json.nested("items").map(parse))
        case "string":
            return .string(allowed: json.has("enum") ? try json.stringArray("enum") : nil,
                           minLength: try json.int("minLength"), maxLength: try json.int("maxLength"))
        case "integer":
            return .integer(minimum: (json.object["minimum"] as? NSNumber)?.doubleValue, maximum: (json.object["maximum"] as? NSNumber)?.doubleValue)
        case "number":
            return .number(minimum: (json.object["minimum"] as? NSNumber)?.doubleValue, maximum: (json.object["maximum"] as? NSNumber)?.doubleValue)
        case "boolean":
            return .boolean
        case "any":
            return .any
        default:
            throw json.error("type", "\"\(type)\" is not one of object, array, string, integer, number, boolean")
        }
    }

    /// Checks a decoded JSON value; the error names the failing field path (e.g. `lines[2].qty`).
    public func validate(_ value: Any, path: String = "") throws(PayloadError) {
        func fail(_ reason: String) -> PayloadError { PayloadError(field: path.isEmpty ? "(payload)" : path, reason: reason) }
        func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
        switch self {
        case .any:
            return
        case .object(let properties, let required):
            guard let object = value as? [String: Any] else { throw fail("must be an object") }
            for name in required.sorted() where object[name] == nil || object[name] is NSNull {
                throw PayloadError(field: child(name), reason: "is required")
            }
            for (key, node) in properties {
                guard let v = object[key], !(v is NSNull) else { continue }
                try node.validate(v, path: child(key))
            }
        case .array(let items):
            guard let array = value as? [Any] else { throw fail("must be an array") }
            if let items {
                for (i, element) in array.enumerated() { try items.validate(element, path: "\(path)[\(i)]") }
            }
        case .string(let allowed, let minLength, let maxLength):
            guard let s = value as? String else { throw fail("must be a string") }
            if let allowed, !allowed.contains(s) { throw fail("\"\(s)\" is not one of \(allowed.joined(separator: ", "))") }
            if let minLength, s.count < minLength { throw fail("is shorter than \(minLength) characters") }
            if let maxLength, s.count > maxLength { throw fail("is longer than \(maxLength) characters") }
        case .integer(let minimum, let maximum):
            guard let n = value as? NSNumber, !isJSONBoolean(n), n.doubleValue.rounded() == n.doubleValue else { throw fail("must be a whole number") }
            try Self.checkBounds(n.doubleValue, minimum, maximum, fail)
        case .number(let minimum, let maximum):
            guard let n = value as? NSNumber, !isJSONBoolean(n) else { throw fail("must be a number") }
            try Self.checkBounds(n.doubleValue, minimum, maximum, fail)
        case .boolean:
            guard isJSONBoolean(value) else { throw fail("must be true or false") }
        }
    }

    private static func checkBounds(_ v: Double, _ minimum: Double?, _ maximum: Double?, _ fail: (String) -> PayloadError) throws(PayloadError) {
        if let minimum, v < minimum { throw fail("\(v) is below the minimum \(minimum)") }
        if let maximum, v > maximum { throw fail("\(v) is above the maximum \(maximum)") }
    }
}

/// A payload that does not match its topic's schema.
public struct PayloadError: Error, Sendable, CustomStringConvertible {
    /// The failing field path.
    public var field: String
    /// Why.
    public var reason: String
    /// `field 'total': must be a whole number`.
    public var description: String { "field '\(field)': \(reason)" }
}
