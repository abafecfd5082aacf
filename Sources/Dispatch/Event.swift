import Foundation

/// An event inside the host: a fact, command or query with its ids and payload.
public struct Event: Sendable, Equatable {
    /// `<module>.<noun>.<verb>`.
    public var topic: String
    /// Version of the topic's payload schema.
    public var schemaVersion: UInt32
    /// MIME type of the payload; `application/json` by default.
    public var contentType: String
    /// The payload bytes.
    public var payload: Data
    /// UUIDv7, unique per event.
    public var id: UUID
    /// UTC time of publication, microseconds since 1970.
    public var timeUnixMicros: Int64
    /// The publishing plugin's id, `host` or `operator`.
    public var source: String
    /// The first event of the chain this one belongs to.
    public var correlationID: UUID
    /// The event that caused this one, or nil for a root event.
    public var causationID: UUID?

    /// Creates an event; `correlationID` defaults to the event's own id (a root event).
    public init(
        topic: String, schemaVersion: UInt32 = 1, contentType: String = "application/json", payload: Data,
        id: UUID, timeUnixMicros: Int64, source: String, correlationID: UUID? = nil, causationID: UUID? = nil
    ) {
        self.topic = topic
        self.schemaVersion = schemaVersion
        self.contentType = contentType
        self.payload = payload
        self.id = id
        self.timeUnixMicros = timeUnixMicros
        self.source = source
        self.correlationID = correlationID ?? id
        self.causationID = causationID
    }
}
