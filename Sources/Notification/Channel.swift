/// The ways a notification reaches someone.
public enum Channel: String, Sendable, CaseIterable, Codable {
    /// SMTP, through libcurl.
    case email
    /// Twilio's Messages API.
    case sms
    /// Firebase Cloud Messaging HTTP v1.
    case push
    /// Stored per user, read at `/api/notification/inbox`.
    case inapp

    /// Parses a list like `["email", "sms"]`, naming the field and the bad value.
    static func list(_ values: [String], field: String) throws(NotificationError) -> [Channel] {
        try values.map { (v: String) throws(NotificationError) -> Channel in
            guard let c = Channel(rawValue: v) else {
                throw NotificationError(field: field, reason: "\"\(v)\" is not a channel; use \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return c
        }
    }
}

/// A request the notification module refuses: the field and the reason.
public struct NotificationError: Error, Sendable, CustomStringConvertible {
    /// The field (`type`, `channels`, `data.total`, `body` …).
    public var field: String
    /// Why.
    public var reason: String
    /// Optional line (templates).
    public var line: Int?

    public init(field: String, reason: String, line: Int? = nil) {
        self.field = field
        self.reason = reason
        self.line = line
    }

    init(_ problem: TemplateProblem) { self.init(field: problem.field, reason: problem.reason, line: problem.line) }

    /// `body line 2: unknown variable 'x'` or `channels: …`.
    public var description: String { line.map { "\(field) line \($0): \(reason)" } ?? "\(field): \(reason)" }
}
