/// The declared type of a module setting (`"type"` in the manifest's `settings` object).
public enum SettingType: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// UTF-8 text; may declare `minLength`, `maxLength`, `enum`.
    case string
    /// A 64-bit signed integer; may declare `minimum`, `maximum`, `enum`.
    case integer
    /// A finite double; may declare `minimum`, `maximum`, `enum`. Integers are accepted.
    case number
    /// `true` or `false`.
    case boolean
    /// `{"amount": <minor units>, "currency": "<ISO code>"}`.
    case money
    /// An ISO 4217 code from the built-in table; may declare `enum`.
    case currency

    /// The type name as written in manifests.
    public var description: String { rawValue }

    /// Whether `minLength`/`maxLength` apply.
    var allowsLength: Bool { self == .string }
    /// Whether `minimum`/`maximum` apply.
    var allowsRange: Bool { self == .integer || self == .number }
    /// Whether `enum` applies.
    var allowsEnum: Bool { self != .boolean && self != .money }
}
