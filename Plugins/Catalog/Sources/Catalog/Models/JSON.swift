import Foundation

/// JSON in and out. Input is read through `JSONInput`, which names the field path of
/// every refusal (`variants[1].price: must be a whole number`).
enum JSON {
    /// Serialises dictionaries and arrays with sorted keys (stable output for tests and diffs).
    static func data(_ value: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("null".utf8)
    }

    static func text(_ value: Any) -> String { String(decoding: data(value), as: UTF8.self) }

    /// Parses a request body or a query payload that must be an object.
    static func object(_ bytes: [UInt8]) throws(CatalogError) -> JSONInput {
        guard !bytes.isEmpty else { throw .invalid("(body)", "must be a JSON object") }
        guard let value = try? JSONSerialization.jsonObject(with: Data(bytes)), let object = value as? [String: Any] else {
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

    func optionalString(_ key: String, max: Int = 10_000) throws(CatalogError) -> String? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let s = raw as? String else { throw .invalid(field(key), "must be a string") }
        guard s.count <= max else { throw .invalid(field(key), "is longer than \(max) characters") }
        return s
    }

    func string(_ key: String, max: Int = 10_000) throws(CatalogError) -> String {
        guard let s = try optionalString(key, max: max) else { throw .invalid(field(key), "is required") }
        guard !s.trimmingCharacters(in: .whitespaces).isEmpty else { throw .invalid(field(key), "must not be empty") }
        return s
    }

    func optionalInt(_ key: String, min: Int64 = 0, max: Int64 = Int64.max) throws(CatalogError) -> Int64? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let n = raw as? NSNumber, !String(describing: type(of: n)).contains("Boolean"), let v = Int64(exactly: n.doubleValue), n.doubleValue.rounded() == n.doubleValue else {
            throw .invalid(field(key), "must be a whole number")
        }
        guard v >= min else { throw .invalid(field(key), "must be at least \(min)") }
        guard v <= max else { throw .invalid(field(key), "must be at most \(max)") }
        return v
    }

    func int(_ key: String, min: Int64 = 0, max: Int64 = Int64.max) throws(CatalogError) -> Int64 {
        guard let v = try optionalInt(key, min: min, max: max) else { throw .invalid(field(key), "is required") }
        return v
    }

    func optionalStrings(_ key: String) throws(CatalogError) -> [String]? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let array = raw as? [Any] else { throw .invalid(field(key), "must be an array of strings") }
        var out: [String] = []
        for (i, item) in array.enumerated() {
            guard let s = item as? String, !s.isEmpty else { throw .invalid("\(field(key))[\(i)]", "must be a non-empty string") }
            out.append(s)
        }
        return out
    }

    /// An object of string values (`{"size": "M"}`).
    func optionalStringMap(_ key: String) throws(CatalogError) -> [String: String]? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let map = raw as? [String: Any] else { throw .invalid(field(key), "must be an object of strings") }
        var out: [String: String] = [:]
        for (k, v) in map {
            guard let s = v as? String else { throw .invalid("\(field(key)).\(k)", "must be a string") }
            out[k] = s
        }
        return out
    }

    func optionalObjects(_ key: String) throws(CatalogError) -> [JSONInput]? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let array = raw as? [Any] else { throw .invalid(field(key), "must be an array of objects") }
        var out: [JSONInput] = []
        for (i, item) in array.enumerated() {
            guard let o = item as? [String: Any] else { throw .invalid("\(field(key))[\(i)]", "must be an object") }
            out.append(JSONInput(object: o, path: "\(field(key))[\(i)]"))
        }
        return out
    }

    func objects(_ key: String) throws(CatalogError) -> [JSONInput] {
        guard let v = try optionalObjects(key) else { throw .invalid(field(key), "is required") }
        return v
    }

    /// A UUID (ids of products, variants, categories, brands).
    func optionalID(_ key: String) throws(CatalogError) -> String? {
        guard let s = try optionalString(key, max: 100) else { return nil }
        guard let id = UUID(uuidString: s) else { throw .invalid(field(key), "\"\(s)\" is not an id") }
        return id.uuidString.lowercased()
    }

    func id(_ key: String) throws(CatalogError) -> String {
        guard let v = try optionalID(key) else { throw .invalid(field(key), "is required") }
        return v
    }
}

/// A path parameter or query value that must be an id.
func pathID(_ text: String?, _ what: String) throws(CatalogError) -> String {
    guard let text, let id = UUID(uuidString: text) else { throw .notFound("\(what) '\(text ?? "")'") }
    return id.uuidString.lowercased()
}
