import Foundation

/// Reads typed fields out of a decoded JSON object and names the field path in every error.
struct JSONFields {
    let file: String
    let path: String
    let object: [String: Any]

    init(file: String, path: String = "", object: [String: Any]) {
        self.file = file
        self.path = path
        self.object = object
    }

    /// Parses `data` as one JSON object.
    static func parse(_ data: Data, file: String) throws -> JSONFields {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw ManifestError(file: file, field: "", reason: "not valid JSON (\(Self.describe(error)))")
        }
        guard let object = value as? [String: Any] else {
            throw ManifestError(file: file, field: "", reason: "the top level must be a JSON object")
        }
        return JSONFields(file: file, object: object)
    }

    private static func describe(_ error: Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ reason: String) -> ManifestError {
        ManifestError(file: file, field: fieldPath(key), reason: reason)
    }

    func has(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }

    func string(_ key: String) throws -> String {
        guard let raw = object[key], !(raw is NSNull) else { throw error(key, "is required") }
        guard let s = raw as? String else { throw error(key, "must be a string") }
        guard !s.isEmpty else { throw error(key, "must not be empty") }
        return s
    }

    func optionalString(_ key: String) throws -> String? {
        has(key) ? try string(key) : nil
    }

    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard has(key) else { return fallback }
        guard let n = object[key] as? NSNumber, isJSONBoolean(n) else { throw error(key, "must be true or false") }
        return n.boolValue
    }

    func int(_ key: String) throws -> Int? {
        guard has(key) else { return nil }
        guard let n = object[key] as? NSNumber, !isJSONBoolean(n), let i = Int(exactly: n.doubleValue) else {
            throw error(key, "must be a whole number")
        }
        return i
    }

    func stringArray(_ key: String) throws -> [String] {
        guard has(key) else { return [] }
        guard let items = object[key] as? [Any] else { throw error(key, "must be a list of strings") }
        return try items.enumerated().map { index, item in
            guard let s = item as? String, !s.isEmpty else { throw error("\(key)[\(index)]", "must be a non-empty string") }
            return s
        }
    }

    func objectArray(_ key: String) throws -> [JSONFields] {
        guard has(key) else { return [] }
        guard let items = object[key] as? [Any] else { throw error(key, "must be a list of objects") }
        return try items.enumerated().map { index, item in
            guard let o = item as? [String: Any] else { throw error("\(key)[\(index)]", "must be an object") }
            return JSONFields(file: file, path: fieldPath("\(key)[\(index)]"), object: o)
        }
    }

    func nested(_ key: String) throws -> JSONFields? {
        guard has(key) else { return nil }
        guard let o = object[key] as? [String: Any] else { throw error(key, "must be an object") }
        return JSONFields(file: file, path: fieldPath(key), object: o)
    }

    /// Refuses keys the format does not know, so a typo is not silently ignored.
    func rejectUnknownKeys(_ known: Set<String>) throws {
        for key in object.keys.sorted() where !known.contains(key) {
            throw error(key, "is not a known field (known: \(known.sorted().joined(separator: ", ")))")
        }
    }
}

/// JSONSerialization hands JSON booleans over as a Boolean subclass of NSNumber;
/// this tells `true` from `1`.
public func isJSONBoolean(_ value: Any) -> Bool {
    guard let n = value as? NSNumber else { return false }
    return String(describing: type(of: n)).contains("Boolean")
}
