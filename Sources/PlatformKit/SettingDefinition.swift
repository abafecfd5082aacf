/// One declared setting: its type, default, constraints and flags, as read from a manifest.
///
/// Built only by `SettingsSchema`, which checks the declaration is coherent.
public struct SettingDefinition: Sendable, Hashable {
    /// The setting key (`"retries"`).
    public let key: String
    /// The declared type.
    public let type: SettingType
    /// The value used when none is given; already checked against the constraints.
    public private(set) var defaultValue: SettingsValue?
    /// The manifest's `"description"` text, for operators.
    public let summary: String?
    /// `"required": true` — resolution fails if there is neither a value nor a default.
    public let isRequired: Bool
    /// `"secret": true` — the value is never printed or put in error messages.
    public let isSecret: Bool
    /// Inclusive lower bound (`.integer` for integer settings, `.number` for number settings).
    public let minimum: SettingsValue?
    /// Inclusive upper bound (`.integer` for integer settings, `.number` for number settings).
    public let maximum: SettingsValue?
    /// Minimum string length in characters.
    public let minLength: Int?
    /// Maximum string length in characters.
    public let maxLength: Int?
    /// The allowed values (`"enum"`), if restricted.
    public let allowedValues: [SettingsValue]?

    static let knownProperties: Set<String> = [
        "type", "default", "description", "required", "secret",
        "minimum", "maximum", "minLength", "maxLength", "enum",
    ]

    /// Parses one entry of the manifest's `settings` object.
    init(key: String, json: JSONValue) throws(SettingsError) {
        func fail(_ reason: String) -> SettingsError {
            SettingsError(key: key, reason: reason, kind: .invalidSchema)
        }
        guard Self.isValidKey(key) else {
            throw fail("a setting key must start with a letter or '_' and contain only letters, digits, '_', '-', '.'")
        }
        guard case .object(let fields) = json else {
            throw fail("the declaration must be an object, got \(json.kindName)")
        }
        if let unknown = fields.keys.sorted().first(where: { !Self.knownProperties.contains($0) }) {
            throw fail("unknown property '\(unknown)'")
        }
        guard let typeJSON = fields["type"] else { throw fail("missing 'type'") }
        guard case .string(let typeName) = typeJSON, let type = SettingType(rawValue: typeName) else {
            let names = SettingType.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail("unknown type \(typeJSON.rendered) (expected one of \(names))")
        }
        self.key = key
        self.type = type

        func flag(_ name: String) throws(SettingsError) -> Bool {
            switch fields[name] {
            case nil: return false
            case .bool(let value): return value
            case let other?: throw fail("'\(name)' must be a boolean, got \(other.rendered)")
            }
        }
        isRequired = try flag("required")
        isSecret = try flag("secret")
        switch fields["description"] {
        case nil: summary = nil
        case .string(let text): summary = text
        case let other?: throw fail("'description' must be a string, got \(other.rendered)")
        }

        func length(_ name: String) throws(SettingsError) -> Int? {
            guard let value = fields[name] else { return nil }
            guard type.allowsLength else { throw fail("'\(name)' does not apply to type \(type)") }
            guard case .integer(let count) = value, count >= 0, let result = Int(exactly: count) else {
                throw fail("'\(name)' must be a non-negative integer, got \(value.rendered)")
            }
            return result
        }
        minLength = try length("minLength")
        maxLength = try length("maxLength")
        if let low = minLength, let high = maxLength, low > high {
            throw fail("minLength \(low) is above maxLength \(high)")
        }

        func bound(_ name: String) throws(SettingsError) -> SettingsValue? {
            guard let value = fields[name] else { return nil }
            guard type.allowsRange else { throw fail("'\(name)' does not apply to type \(type)") }
            switch (type, value) {
            case (.integer, .integer(let v)): return .integer(v)
            case (.number, .integer(let v)): return .number(Double(v))
            case (.number, .number(let v)) where v.isFinite: return .number(v)
            default: throw fail("'\(name)' must be \(type == .integer ? "an integer" : "a number"), got \(value.rendered)")
            }
        }
        minimum = try bound("minimum")
        maximum = try bound("maximum")
        if let low = minimum, let high = maximum, Self.compare(low, high) == .some(true) {
            throw fail("minimum \(low) is above maximum \(high)")
        }

        if let enumJSON = fields["enum"] {
            guard type.allowsEnum else { throw fail("'enum' does not apply to type \(type)") }
            guard case .array(let items) = enumJSON, !items.isEmpty else {
                throw fail("'enum' must be a non-empty array, got \(enumJSON.rendered)")
            }
            var values: [SettingsValue] = []
            for item in items {
                switch Self.convert(item, to: type) {
                case .success(let value):
                    guard !values.contains(value) else { throw fail("enum value \(item.rendered) is repeated") }
                    values.append(value)
                case .failure(let problem):
                    throw fail("enum value \(problem.reason(rendering: item.rendered))")
                }
            }
            allowedValues = values
        } else {
            allowedValues = nil
        }

        defaultValue = nil
        if let defaultJSON = fields["default"] {
            guard !isSecret else { throw fail("a secret setting cannot declare a default") }
            switch check(defaultJSON) {
            case .success(let value): defaultValue = value
            case .failure(let error): throw fail("default " + error.reason)
            }
        }
    }

    /// Converts and constraint-checks a candidate value; errors never contain a secret.
    func check(_ json: JSONValue) -> Result<SettingsValue, SettingsError> {
        let shown = isSecret ? "the secret value" : json.rendered
        switch Self.convert(json, to: type) {
        case .failure(let problem):
            return .failure(SettingsError(key: key, reason: problem.reason(rendering: shown), kind: problem.kind))
        case .success(let value):
            if let reason = violation(of: value, shown: shown) {
                return .failure(SettingsError(key: key, reason: reason, kind: .constraintViolated))
            }
            return .success(value)
        }
    }

    private func violation(of value: SettingsValue, shown: String) -> String? {
        if case .string(let text) = value {
            if let low = minLength, text.count < low { return "\(shown) is shorter than the minimum length \(low)" }
            if let high = maxLength, text.count > high { return "\(shown) is longer than the maximum length \(high)" }
        }
        if let low = minimum, Self.compare(low, value) == .some(true) { return "\(shown) is below the minimum \(low)" }
        if let high = maximum, Self.compare(value, high) == .some(true) { return "\(shown) is above the maximum \(high)" }
        if let allowed = allowedValues, !allowed.contains(value) {
            let list = isSecret ? "the allowed values" : allowed.map(\.description).joined(separator: ", ")
            return "\(shown) is not one of \(list)"
        }
        return nil
    }

    /// `a > b` for two integers or two numbers; `nil` if not comparable.
    private static func compare(_ a: SettingsValue, _ b: SettingsValue) -> Bool? {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x > y
        case (.number(let x), .number(let y)): return x > y
        default: return nil
        }
    }

    private static func isValidKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else {
            return false
        }
        return key.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0))
        }
    }

    /// Why a JSON value could not become a `SettingsValue` of some type.
    struct ConversionProblem: Error {
        /// Text after the rendered value, e.g. `is not an integer`.
        let predicate: String
        /// `wrongType` or `constraintViolated` (unknown currency code).
        let kind: SettingsError.Kind
        func reason(rendering shown: String) -> String { "\(shown) \(predicate)" }
    }

    static func convert(_ json: JSONValue, to type: SettingType) -> Result<SettingsValue, ConversionProblem> {
        func wrong(_ expected: String) -> Result<SettingsValue, ConversionProblem> {
            .failure(ConversionProblem(predicate: "is not \(expected)", kind: .wrongType))
        }
        switch (type, json) {
        case (.string, .string(let v)): return .success(.string(v))
        case (.string, _): return wrong("a string")
        case (.integer, .integer(let v)): return .success(.integer(v))
        case (.integer, .number(let v)):
            guard let exact = Int64(exactly: v) else { return wrong("an integer") }
            return .success(.integer(exact))
        case (.integer, _): return wrong("an integer")
        case (.number, .integer(let v)): return .success(.number(Double(v)))
        case (.number, .number(let v)) where v.isFinite: return .success(.number(v))
        case (.number, _): return wrong("a finite number")
        case (.boolean, .bool(let v)): return .success(.boolean(v))
        case (.boolean, _): return wrong("a boolean")
        case (.currency, .string(let code)):
            guard let currency = Currency.find(code) else {
                return .failure(ConversionProblem(predicate: "is not a known ISO 4217 currency code", kind: .constraintViolated))
            }
            return .success(.currency(currency))
        case (.currency, _): return wrong("a currency code")
        case (.money, .object(let fields)):
            let shape = "a money object {\"amount\": <minor units>, \"currency\": \"<ISO code>\"}"
            guard fields.count == 2, let amount = fields["amount"], case .string(let code)? = fields["currency"] else {
                return wrong(shape)
            }
            guard case .integer(let minorUnits) = amount else {
                return .failure(ConversionProblem(predicate: "has a non-integer amount (amounts are in minor units)", kind: .wrongType))
            }
            guard let currency = Currency.find(code) else {
                return .failure(ConversionProblem(predicate: "has an unknown currency code", kind: .constraintViolated))
            }
            return .success(.money(Money(minorUnits: minorUnits, currency: currency)))
        case (.money, _): return wrong("a money object {\"amount\": <minor units>, \"currency\": \"<ISO code>\"}")
        }
    }

    /// The declaration as manifest JSON, for `SettingsSchema.encode(to:)`.
    var json: JSONValue {
        var fields: [String: JSONValue] = ["type": .string(type.rawValue)]
        if let defaultValue { fields["default"] = defaultValue.json }
        if let summary { fields["description"] = .string(summary) }
        if isRequired { fields["required"] = .bool(true) }
        if isSecret { fields["secret"] = .bool(true) }
        if let minimum { fields["minimum"] = minimum.json }
        if let maximum { fields["maximum"] = maximum.json }
        if let minLength { fields["minLength"] = .integer(Int64(minLength)) }
        if let maxLength { fields["maxLength"] = .integer(Int64(maxLength)) }
        if let allowedValues { fields["enum"] = .array(allowedValues.map(\.json)) }
        return .object(fields)
    }
}
