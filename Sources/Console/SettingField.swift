/// One setting of a module, as its manifest's schema declares it, with its current value.
public struct SettingField: Sendable, Equatable {
    /// The setting's key; also the form field's `name`.
    public var key: String
    /// One of: string, integer, number, boolean, money, currency. Any other value gets a text input.
    public var type: String
    /// The current value as text ("true"/"false" for booleans). Never rendered when `secret`.
    public var value: String
    /// Help text shown under the input.
    public var description: String?
    /// A secret renders as an empty password input: its value never reaches the page.
    public var secret: Bool
    /// When set, the value is chosen from these (a select).
    public var allowed: [String]?

    /// Creates a settings field.
    public init(key: String, type: String, value: String, description: String? = nil, secret: Bool = false, allowed: [String]? = nil) {
        self.key = key
        self.type = type
        self.value = value
        self.description = description
        self.secret = secret
        self.allowed = allowed
    }
}
