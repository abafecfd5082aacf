import Foundation

/// A module's settings: its schema plus values that have been type-checked, range-checked
/// and completed with defaults.
///
/// Create with `resolve(schema:values:)` or `resolve(schema:json:)`. Immutable and `Sendable`.
/// `description`, `debugDescription` and the reflection mirror print `<redacted>` for secrets;
/// only `value(for:)` and `jsonValue(for:)` hand a secret out.
public struct ModuleSettings: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The placeholder printed instead of a secret value.
    public static let redacted = "<redacted>"

    /// The schema the values were checked against.
    public let schema: SettingsSchema
    /// Resolved values by key; optional settings without value or default are absent.
    public let values: [String: SettingsValue]

    /// Checks `values` against `schema` and applies defaults.
    ///
    /// Rules, checked in this order: every given key must be declared (unknown keys
    /// first, sorted); then, per declared key in sorted order, a given value must have the
    /// declared type and meet its constraints; an absent or `null` value takes the default;
    /// a required setting without either fails.
    /// - Parameter values: `[String: Any]` with Swift scalars, `Money`, `Currency`,
    ///   `SettingsValue`, `NSNumber`/`NSNull`, or nested arrays/dictionaries.
    /// - Throws: the first `SettingsError`, e.g. `setting 'retries': 12 is above the maximum 10`.
    public static func resolve(schema: SettingsSchema, values: [String: Any]) throws(SettingsError) -> ModuleSettings {
        var converted: [String: JSONValue] = [:]
        for key in values.keys.sorted() {
            guard let json = JSONValue(any: values[key]!) else {
                if schema.definitions[key] == nil {
                    throw SettingsError(key: key, reason: "is not declared in the schema", kind: .unknownKey)
                }
                throw SettingsError(key: key, reason: "a value of Swift type \(type(of: values[key]!)) is not a JSON value", kind: .wrongType)
            }
            converted[key] = json
        }
        return try resolve(schema: schema, converted: converted)
    }

    /// Checks a JSON object of values against `schema` and applies defaults; see `resolve(schema:values:)`.
    public static func resolve(schema: SettingsSchema, json: Data) throws(SettingsError) -> ModuleSettings {
        guard let parsed = JSONValue.parse(json) else {
            throw SettingsError(key: "", reason: "the settings values are not valid JSON", kind: .invalidDocument)
        }
        guard case .object(let fields) = parsed else {
            throw SettingsError(key: "", reason: "the settings values must be a JSON object, got \(parsed.kindName)", kind: .invalidDocument)
        }
        return try resolve(schema: schema, converted: fields)
    }

    /// The resolved value for `key`, or `nil` if undeclared or unset.
    public func value(for key: String) -> SettingsValue? { values[key] }

    /// The resolved value as JSON text (`"Hello"`, `3`, `{"amount":500,"currency":"USD"}`), or `nil`.
    public func jsonValue(for key: String) -> Data? {
        values[key].map { Data($0.jsonText.utf8) }
    }

    /// Whether `key` is declared secret.
    public func isSecret(_ key: String) -> Bool { schema.definitions[key]?.isSecret ?? false }

    /// `key=value` pairs in key order, secrets shown as `<redacted>`.
    public var redactedDescription: String {
        values.keys.sorted().map { "\($0)=\(display($0))" }.joined(separator: ", ")
    }

    /// `ModuleSettings(api_key=<redacted>, retries=3)`.
    public var description: String { "ModuleSettings(\(redactedDescription))" }

    /// Same as `description`; secrets are redacted.
    public var debugDescription: String { description }

    /// A mirror whose children are the redacted display strings, so `dump` cannot leak secrets.
    public var customMirror: Mirror {
        Mirror(self, children: values.keys.sorted().map { (label: Optional($0), value: display($0) as Any) },
               displayStyle: .struct)
    }

    private func display(_ key: String) -> String {
        guard let value = values[key] else { return "nil" }
        return isSecret(key) ? Self.redacted : value.description
    }

    private static func resolve(schema: SettingsSchema, converted: [String: JSONValue]) throws(SettingsError) -> ModuleSettings {
        if let unknown = converted.keys.sorted().first(where: { schema.definitions[$0] == nil }) {
            throw SettingsError(key: unknown, reason: "is not declared in the schema", kind: .unknownKey)
        }
        var resolved: [String: SettingsValue] = [:]
        for key in schema.keys {
            let definition = schema.definitions[key]!
            if let given = converted[key], given != .null {
                switch definition.check(given) {
                case .success(let value): resolved[key] = value
                case .failure(let error): throw error
                }
            } else if let fallback = definition.defaultValue {
                resolved[key] = fallback
            } else if definition.isRequired {
                throw SettingsError(key: key, reason: "is required but has no value", kind: .missingRequired)
            }
        }
        return ModuleSettings(schema: schema, values: resolved)
    }

    private init(schema: SettingsSchema, values: [String: SettingsValue]) {
        self.schema = schema
        self.values = values
    }
}
