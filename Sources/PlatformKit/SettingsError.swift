/// A rejected settings schema or settings value, naming the setting and the reason.
///
/// `description` reads `setting 'retries': 12 is above the maximum 10`. Secret values
/// never appear in `reason`. Errors about the whole document have an empty `key` and
/// read `settings: <reason>`.
public struct SettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What class of rule was broken, for callers that branch on it.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The schema itself is malformed (unknown type, bad default, min > max, …).
        case invalidSchema
        /// The values document is not a JSON object.
        case invalidDocument
        /// A value was given for a key the schema does not declare.
        case unknownKey
        /// A value has the wrong JSON type for its setting.
        case wrongType
        /// A value breaks a declared constraint (range, length, enum, currency code).
        case constraintViolated
        /// A required setting has neither a value nor a default.
        case missingRequired
    }

    /// The setting key, or `""` for whole-document errors.
    public let key: String
    /// Why it was rejected, e.g. `12 is above the maximum 10`.
    public let reason: String
    /// The class of rule that was broken.
    public let kind: Kind

    /// Creates an error.
    public init(key: String, reason: String, kind: Kind) {
        self.key = key
        self.reason = reason
        self.kind = kind
    }

    /// `setting '<key>': <reason>`.
    public var description: String {
        key.isEmpty ? "settings: \(reason)" : "setting '\(key)': \(reason)"
    }
}
