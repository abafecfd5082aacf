import Foundation

/// JSON in and out. Input is read through `JSONInput`, which names the field path of
/// every refusal (`variants[1].price: must be a whole number`).
enum JSON {
    /// Serialises dictionaries and arrays with sorted keys (stable output for tests and diffs).
    ///
    /// Written here rather than with `JSONSerialization`: on Linux its `.sortedKeys` compares
    /// keys through ICU with the system locale and every value is bridged to an NSObject,
    /// which made encoding a 24-product search reply most of the CPU a category page cost
    /// (Benchmarks/README.md, "The shop"). Keys sort by Swift's `<`; objects Foundation made
    /// (numbers parsed from input, `Double`s) still go through `JSONSerialization`.
    static func data(_ value: Any) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(value, to: &out)
        return Data(out)
    }

    static func text(_ value: Any) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func write(_ value: Any, to out: inout [UInt8]) {
        if value is NSNull { return out.append(contentsOf: "null".utf8) }
        // Foundation objects first: an NSNumber would also pass `as? Bool` or `as? Int`.
        guard !(type(of: value) is AnyClass) else { return writeWithFoundation(value, to: &out) }
        switch value {
        case let string as String: writeString(string, to: &out)
        case let bool as Bool: out.append(contentsOf: (bool ? "true" : "false").utf8)
        case let int as Int: out.append(contentsOf: String(int).utf8)
        case let int as Int64: out.append(contentsOf: String(int).utf8)
        case let int as Int32: out.append(contentsOf: String(int).utf8)
        case let object as [String: Any]:
            out.append(UInt8(ascii: "{"))
            for (i, key) in object.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(object[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case let array as [Any]:
            out.append(UInt8(ascii: "["))
            for (i, element) in array.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        default: writeWithFoundation(value, to: &out)
        }
    }

    /// A value this writer does not spell itself (Double, NSNumber, …), as Foundation writes it.
    private static func writeWithFoundation(_ value: Any, to out: inout [UInt8]) {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes])) ?? Data("null".utf8)
        out.append(contentsOf: data)
    }

    /// A JSON string: quote, backslash and control characters escaped; the rest as UTF-8.
    private static func writeString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

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
