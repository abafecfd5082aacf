/// One dead letter: an event a subscriber failed for good, replayable by the operator.
public struct DeadLetterRow: Sendable, Equatable {
    /// The dead letter's id; percent-encoded when it goes into the replay URL.
    public var id: String
    /// The module that failed to handle the event.
    public var subscriber: String
    /// The event's topic, e.g. "order.order.placed".
    public var topic: String
    /// The handler's failure message, shown in full.
    public var reason: String
    /// How many deliveries were tried.
    public var attempts: Int
    /// When it was dead-lettered, already formatted for display.
    public var when: String
    /// Whether the operator has already replayed it.
    public var replayed: Bool

    /// Creates a dead-letter row.
    public init(id: String, subscriber: String, topic: String, reason: String, attempts: Int, when: String, replayed: Bool = false) {
        self.id = id
        self.subscriber = subscriber
        self.topic = topic
        self.reason = reason
        self.attempts = attempts
        self.when = when
        self.replayed = replayed
    }
}
