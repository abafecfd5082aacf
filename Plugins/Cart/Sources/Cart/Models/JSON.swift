import Foundation

/// JSON in and out. Input is read through `JSONInput`, which names the field path of
/// every refusal (`shipping_address.country: "XX" is not an ISO 3166-1 country code`).
enum JSON {
    /// Serialises dictionaries and arrays with sorted keys (stable output for tests and diffs).
    static func data(_ value: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("null".utf8)
    }

    static func text(_ value: Any) -> String { String(decoding: data(value), as: UTF8.self) }

    /// Any JSON text as Foundation values (nil when it does not parse).
    static func decode(_ text: String) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    /// A request body or a command payload that must be an object; an empty body is `{}`.
    static func object(_ bytes: [UInt8], emptyIsObject: Bool = false) throws(CartError) -> JSONInput {
        if bytes.isEmpty, emptyIsObject { return JSONInput(object: [:], path: "") }
        guard !bytes.isEmpty, let value = try? JSONSerialization.jsonObject(with: Data(bytes)), let object = value as? [String: Any] else {
            throw .invalid("(body)", "must be a JSON object")
        }
        return JSONInput(object: object, path: "")
    }
}

/// One JSON object of the input, at a field path.
struct JSONInput {
    let object: [String: Any]
    let path: String

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Whether the key is present (null counts as present: it clears a value).
    func has(_ key: String) -> Bool { object[key] != nil }
    func isNull(_ key: String) -> Bool { object[key] is NSNull }

    func optionalString(_ key: String, max: Int = 10_000) throws(CartError) -> String? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let s = raw as? String else { throw .invalid(field(key), "must be a string") }
        guard s.count <= max else { throw .invalid(field(key), "is longer than \(max) characters") }
        return s
    }

    /// A string that is present and not blank, trimmed.
    func string(_ key: String, max: Int = 10_000) throws(CartError) -> String {
        guard let s = try optionalString(key, max: max) else { throw .invalid(field(key), "is required") }
        let trimmed = s.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .invalid(field(key), "must not be empty") }
        return trimmed
    }

    /// An optional string, trimmed; blank counts as absent.
    func optionalText(_ key: String, max: Int) throws(CartError) -> String? {
        let s = try optionalString(key, max: max)?.trimmingCharacters(in: .whitespacesAndNewlines)
        return s?.isEmpty == false ? s : nil
    }

    func optionalInt(_ key: String, min: Int64 = 0, max: Int64 = Int64.max) throws(CartError) -> Int64? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let n = raw as? NSNumber, !Self.isBoolean(n) else { throw .invalid(field(key), "must be a whole number") }
        guard let v = Int64(exactly: n), v >= min else {
            if let d = Double(exactly: n), d.rounded() != d { throw .invalid(field(key), "must be a whole number") }
            throw .invalid(field(key), n.doubleValue < Double(min) ? "must be at least \(min)" : "must be a whole number")
        }
        guard v <= max else { throw .invalid(field(key), "must be at most \(max)") }
        return v
    }

    func int(_ key: String, min: Int64 = 0, max: Int64 = Int64.max) throws(CartError) -> Int64 {
        guard let v = try optionalInt(key, min: min, max: max) else { throw .invalid(field(key), "is required") }
        return v
    }

    func optionalBool(_ key: String) throws(CartError) -> Bool? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let n = raw as? NSNumber, Self.isBoolean(n) else { throw .invalid(field(key), "must be true or false") }
        return n.boolValue
    }

    func optionalObject(_ key: String) throws(CartError) -> JSONInput? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let o = raw as? [String: Any] else { throw .invalid(field(key), "must be an object") }
        return JSONInput(object: o, path: field(key))
    }

    func objects(_ key: String) throws(CartError) -> [JSONInput] {
        guard let raw = object[key], !(raw is NSNull) else { throw .invalid(field(key), "is required") }
        guard let array = raw as? [Any] else { throw .invalid(field(key), "must be an array of objects") }
        var out: [JSONInput] = []
        for (i, item) in array.enumerated() {
            guard let o = item as? [String: Any] else { throw .invalid("\(field(key))[\(i)]", "must be an object") }
            out.append(JSONInput(object: o, path: "\(field(key))[\(i)]"))
        }
        return out
    }

    /// A UUID (variant and cart ids), lower-case.
    func optionalID(_ key: String) throws(CartError) -> String? {
        guard let s = try optionalString(key, max: 100) else { return nil }
        guard let id = UUID(uuidString: s) else { throw .invalid(field(key), "\"\(s)\" is not an id") }
        return id.uuidString.lowercased()
    }

    func id(_ key: String) throws(CartError) -> String {
        guard let v = try optionalID(key) else { throw .invalid(field(key), "is required") }
        return v
    }

    /// Refuses keys the caller did not mean (a typo must not pass silently).
    func only(_ keys: Set<String>) throws(CartError) {
        if let unknown = object.keys.sorted().first(where: { !keys.contains($0) }) {
            throw .invalid(field(unknown), "is not a known field (known: \(keys.sorted().joined(separator: ", ")))")
        }
    }

    /// JSON true/false arrive as NSNumber too; their class says which they are (as Catalog reads them).
    private static func isBoolean(_ n: NSNumber) -> Bool { String(describing: type(of: n)).contains("Boolean") }
}

/// A path parameter that must be an id; anything else names nothing (404).
func pathID(_ text: String?, _ what: String) throws(CartError) -> String {
    guard let text, let id = UUID(uuidString: text) else { throw .notFound("\(what) '\(text ?? "")'") }
    return id.uuidString.lowercased()
}

/// Numbers read back from JSON text PostgreSQL built (bigint values) as Int64.
func int64(_ value: Any?) -> Int64 { (value as? NSNumber)?.int64Value ?? 0 }
