/// One `NOTIFY` delivered to a connection that `LISTEN`s on its channel.
///
/// Rationale: not named `Notification`, which would clash with Foundation's.
public struct PostgresNotification: Sendable, Hashable {
    /// The channel name as given to `NOTIFY` (case as the server folded it).
    public var channel: String
    /// The payload string (empty if none was given).
    public var payload: String
    /// Backend process id of the session that sent it.
    public var senderProcessID: Int32

    /// Makes a notification value (e.g. for fakes).
    public init(channel: String, payload: String, senderProcessID: Int32) {
        self.channel = channel
        self.payload = payload
        self.senderProcessID = senderProcessID
    }
}
