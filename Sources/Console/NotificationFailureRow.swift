/// A notification that could not be delivered, as the console lists it.
public struct NotificationFailureRow: Sendable, Equatable {
    /// When it was queued, already formatted for display.
    public var when: String
    /// The notification type, e.g. "order.paid".
    public var type: String
    /// email, sms, push or in_app.
    public var channel: String
    /// Where it was going (an address, a number, a device token).
    public var address: String
    /// How many sends were tried.
    public var attempts: Int
    /// The provider's last answer, shown in full.
    public var answer: String

    public init(when: String, type: String, channel: String, address: String, attempts: Int, answer: String) {
        self.when = when
        self.type = type
        self.channel = channel
        self.address = address
        self.attempts = attempts
        self.answer = answer
    }
}
