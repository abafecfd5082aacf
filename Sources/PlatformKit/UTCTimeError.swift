/// Why `UTCTime.parse(_:)` rejected a timestamp; `description` names the input.
public struct UTCTimeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text that failed to parse.
    public let value: String
    /// What was wrong with it.
    public let reason: String

    /// Creates an error for `value`.
    public init(value: String, reason: String) {
        self.value = value
        self.reason = reason
    }

    /// `invalid timestamp '<value>': <reason>`.
    public var description: String { "invalid timestamp '\(value)': \(reason)" }
}
