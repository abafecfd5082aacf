import Foundation

/// JSON in and out. Input is read through `JSONInput`, which names the field path of
/// every refusal (`items[1].quantity: must be a whole number`).
enum JSON {
    /// Serialises dictionaries and arrays with sorted keys (stable output for tests and diffs).
    static func data(_ value: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("null".utf8)
    }

    static func text(_ value: Any) -> String { String(decoding: data(value), as: UTF8.self) }

    /// Parses a request body or a payload that must be an object; an empty body is `{}`.
    static func object(_ bytes: [UInt8], emptyIsObject: Bool = true) throws(OrderError) -> JSONInput {
        if bytes.isEmpty, emptyIsObject { return JSONInput(object: [:], path: "") }
        guard let value = try? JSONSerialization.jsonObject(with: Data(bytes)), let object = value as? [String: Any] else {
            throw .invalid("(body)", "must be a JSON object")
        }
        return JSONInput(object: object, path: "")
    }

    /// Parses JSON text (a stored jsonb column, another module's reply).
    static func parse(_ text: String?) -> Any? {
        guard let text, let data = text.data(using: .utf8) else { return nil }
        return try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    /// Whether a parsed JSON number is `true`/`false` (Foundation boxes both as NSNumber).
    static func isBoolean(_ n: NSNumber) -> Bool { String(describing: type(of: n)).contains("Boolean") }

    /// An integer from a JSON number (not a boolean, not a fraction).
    static func int(_ value: Any?) -> Int64? {
        guard let n = value as? NSNumber, !isBoolean(n) else { return nil }
        let d = n.doubleValue
        guard d.rounded() == d, let v = Int64(exactly: d) else { return nil }
        return v
    }
}

/// One JSON object of the input, at a field path.
struct JSONInput {
    let object: [String: Any]
    let path: String

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func has(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }

    func optionalString(_ key: String, max: Int = 10_000) throws(OrderError) -> String? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let s = raw as? String else { throw .invalid(field(key), "must be a string") }
        guard s.count <= max else { throw .invalid(field(key), "is longer than \(max) characters") }
        return s
    }

    func string(_ key: String, max: Int = 10_000) throws(OrderError) -> String {
        guard let s = try optionalString(key, max: max) else { throw .invalid(field(key), "is required") }
        guard !s.trimmingCharacters(in: .whitespaces).isEmpty else { throw .invalid(field(key), "must not be empty") }
        return s
    }

    func optionalInt(_ key: String, min: Int64 = 0, max: Int64 = Int64.max) throws(OrderError) -> Int64? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let v = JSON.int(raw) else { throw .invalid(field(key), "must be a whole number") }
        guard v >= min else { throw .invalid(field(key), "must be at least \(min)") }
        guard v <= max else { throw .invalid(field(key), "must be at most \(max)") }
        return v
    }

    func int(_ key: String, min: Int64 = 0, max: Int64 = Int64.max) throws(OrderError) -> Int64 {
        guard let v = try optionalInt(key, min: min, max: max) else { throw .invalid(field(key), "is required") }
        return v
    }

    func optionalBool(_ key: String) throws(OrderError) -> Bool? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let n = raw as? NSNumber, JSON.isBoolean(n) else { throw .invalid(field(key), "must be true or false") }
        return n.boolValue
    }

    func optionalObject(_ key: String) throws(OrderError) -> JSONInput? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let o = raw as? [String: Any] else { throw .invalid(field(key), "must be an object") }
        return JSONInput(object: o, path: field(key))
    }

    func optionalObjects(_ key: String) throws(OrderError) -> [JSONInput]? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let array = raw as? [Any] else { throw .invalid(field(key), "must be an array of objects") }
        var out: [JSONInput] = []
        for (i, item) in array.enumerated() {
            guard let o = item as? [String: Any] else { throw .invalid("\(field(key))[\(i)]", "must be an object") }
            out.append(JSONInput(object: o, path: "\(field(key))[\(i)]"))
        }
        return out
    }

    func objects(_ key: String) throws(OrderError) -> [JSONInput] {
        guard let v = try optionalObjects(key) else { throw .invalid(field(key), "is required") }
        return v
    }

    /// A UUID in the input.
    func id(_ key: String) throws(OrderError) -> String {
        let s = try string(key, max: 100)
        guard let id = UUID(uuidString: s) else { throw .invalid(field(key), "\"\(s)\" is not an id") }
        return id.uuidString.lowercased()
    }
}

/// A path parameter that must be an id; anything else is an unknown one (404).
func pathID(_ text: String?, _ what: String) throws(OrderError) -> String {
    guard let text, let id = UUID(uuidString: text) else { throw .notFound("\(what) '\(text ?? "")'") }
    return id.uuidString.lowercased()
}
