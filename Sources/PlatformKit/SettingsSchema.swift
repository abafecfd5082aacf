import Foundation

/// The settings a module declares in its manifest's `"settings"` object, checked for coherence.
///
/// Build it from JSON (`init(json:)`), a `[String: Any]` (`init(jsonObject:)`), or decode it
/// as part of a manifest (`Decodable`). A malformed declaration — unknown type or property,
/// default of the wrong type or out of range, `minimum` above `maximum`, enum values of the
/// wrong type — throws `SettingsError` (kind `.invalidSchema`) naming the key. When several
/// keys are malformed, the first in sorted order is reported.
public struct SettingsSchema: Sendable, Hashable, Codable {
    /// Declarations by key.
    public let definitions: [String: SettingDefinition]

    /// The declared keys, sorted.
    public var keys: [String] { definitions.keys.sorted() }

    /// The declaration for `key`, if any.
    public func definition(for key: String) -> SettingDefinition? { definitions[key] }

    /// A schema with no settings.
    public static let empty = SettingsSchema(checked: [:])

    /// Parses the `"settings"` object from JSON text.
    public init(json: Data) throws(SettingsError) {
        guard let parsed = JSONValue.parse(json) else {
            throw SettingsError(key: "", reason: "the settings schema is not valid JSON", kind: .invalidSchema)
        }
        try self.init(parsed)
    }

    /// Parses the `"settings"` object from a dictionary (e.g. `JSONSerialization` output).
    public init(jsonObject: [String: Any]) throws(SettingsError) {
        guard let parsed = JSONValue(any: jsonObject) else {
            throw SettingsError(key: "", reason: "the settings schema contains a value that is not JSON", kind: .invalidSchema)
        }
        try self.init(parsed)
    }

    /// Decodes the `"settings"` object; a malformed declaration throws `SettingsError`.
    public init(from decoder: any Decoder) throws {
        try self.init(JSONValue(from: decoder))
    }

    /// Encodes back to the manifest form.
    public func encode(to encoder: any Encoder) throws {
        try JSONValue.object(definitions.mapValues(\.json)).encode(to: encoder)
    }

    init(_ json: JSONValue) throws(SettingsError) {
        guard case .object(let fields) = json else {
            throw SettingsError(key: "", reason: "the settings schema must be a JSON object, got \(json.kindName)", kind: .invalidSchema)
        }
        var definitions: [String: SettingDefinition] = [:]
        for key in fields.keys.sorted() {
            definitions[key] = try SettingDefinition(key: key, json: fields[key]!)
        }
        self.init(checked: definitions)
    }

    private init(checked definitions: [String: SettingDefinition]) {
        self.definitions = definitions
    }
}
