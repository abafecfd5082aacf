import Foundation

/// JSON in and out. Input is read through `JSONInput`, which names the field path of every
/// refusal (`customer.email: must be a string`).
enum JSON {
    /// Serialises with sorted keys (stable output for tests and diffs).
    static func data(_ value: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("null".utf8)
    }

    static func text(_ value: Any) -> String { String(decoding: data(value), as: UTF8.self) }

    /// A request body or a command payload that must be an object (empty counts as `{}` when allowed).
    static func object(_ bytes: [UInt8], emptyAllowed: Bool = false) throws(PaymentError) -> JSONInput {
        if bytes.isEmpty, emptyAllowed { return JSONInput(object: [:], path: "") }
        guard let value = try? JSONSerialization.jsonObject(with: Data(bytes)), let object = value as? [String: Any] else {
            throw .invalid("(body)", "must be a JSON object")
        }
        return JSONInput(object: object, path: "")
    }

    /// Parses JSON text stored in a column (jsonb as text).
    static func parse(_ text: String?) -> Any? {
        guard let text, let data = text.data(using: .utf8) else { return nil }
        return try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }
}

/// One JSON object of the input, at a field path.
struct JSONInput {
    let object: [String: Any]
    let path: String

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func optionalString(_ key: String, max: Int = 1_000) throws(PaymentError) -> String? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let s = raw as? String else { throw .invalid(field(key), "must be a string") }
        guard s.count <= max else { throw .invalid(field(key), "is longer than \(max) characters") }
        return s
    }

    func string(_ key: String, max: Int = 1_000) throws(PaymentError) -> String {
        guard let s = try optionalString(key, max: max) else { throw .invalid(field(key), "is required") }
        guard !s.trimmingCharacters(in: .whitespaces).isEmpty else { throw .invalid(field(key), "must not be empty") }
        return s
    }

    func optionalInt(_ key: String, min: Int64 = 0, max: Int64 = Int64.max) throws(PaymentError) -> Int64? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let n = raw as? NSNumber, !String(describing: type(of: n)).contains("Boolean"), n.doubleValue.rounded() == n.doubleValue,
              let v = Int64(exactly: n.doubleValue) else {
            throw .invalid(field(key), "must be a whole number of minor units")
        }
        guard v >= min else { throw .invalid(field(key), "must be at least \(min)") }
        guard v <= max else { throw .invalid(field(key), "must be at most \(max)") }
        return v
    }

    func int(_ key: String, min: Int64 = 0, max: Int64 = Int64.max) throws(PaymentError) -> Int64 {
        guard let v = try optionalInt(key, min: min, max: max) else { throw .invalid(field(key), "is required") }
        return v
    }

    func optionalObject(_ key: String) throws(PaymentError) -> JSONInput? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let o = raw as? [String: Any] else { throw .invalid(field(key), "must be an object") }
        return JSONInput(object: o, path: field(key))
    }

    func optionalStrings(_ key: String) throws(PaymentError) -> [String]? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let array = raw as? [Any] else { throw .invalid(field(key), "must be an array of strings") }
        var out: [String] = []
        for (i, item) in array.enumerated() {
            guard let s = item as? String else { throw .invalid("\(field(key))[\(i)]", "must be a string") }
            out.append(s)
        }
        return out
    }

    /// An ISO 4217 code: three upper-case letters (lower case accepted and raised).
    func currency(_ key: String) throws(PaymentError) -> String {
        let code = try string(key, max: 3).uppercased()
        guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isLetter }) else { throw .invalid(field(key), "must be an ISO 4217 code such as USD") }
        return code
    }

    /// An idempotency key: 1 to 200 visible ASCII characters.
    func idempotencyKey(_ key: String) throws(PaymentError) -> String {
        let value = try string(key, max: 200)
        guard value.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else {
            throw .invalid(field(key), "must be visible ASCII characters without spaces")
        }
        return value
    }
}

/// A path or body value that must be a payment id (a UUID).
func uuid(_ text: String?, field: String, what: String) throws(PaymentError) -> String {
    guard let text, let id = UUID(uuidString: text) else { throw .notFound(field, "\(what) '\(text ?? "")'") }
    return id.uuidString.lowercased()
}
