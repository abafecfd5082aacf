/// How facts travel from publisher to subscribers. The dispatch table does it in
/// memory (one process, lost on a crash); the event log does it through PostgreSQL
/// (outbox, ordered log, per-subscriber offsets), shared by every host on the database.
public protocol FactTransport: Sendable {
    /// Records a fact for delivery. The durable transport writes it into the publisher's
    /// open transaction when there is one, so a rollback publishes nothing.
    func publishFact(_ envelope: EventEnvelope) throws
    /// Starts delivering `subscribers`' topics to the plugin, paused until `resume`.
    func attach(pluginID: String, subscribers: [Subscriber]) throws
    /// Lets delivery to the plugin begin (after its activate() returned OK).
    func resume(pluginID: String)
    /// Stops delivering to the plugin, waiting up to `timeout` for the handler in flight.
    func detach(pluginID: String, timeout: Duration)
    /// Waits until everything published so far is delivered; false when `timeout` passed first.
    func drain(timeout: Duration) -> Bool
    /// Every attached subscription (for metrics).
    var attachedSubscribers: [Subscriber] { get }
}

extension DispatchTable: FactTransport {
    public func publishFact(_ envelope: EventEnvelope) throws {
        _ = publish(envelope) as Int
    }

    public func attach(pluginID: String, subscribers: [Subscriber]) throws {
        try installSubscribers(pluginID: pluginID, subscribers: subscribers, paused: true)
    }

    public func resume(pluginID: String) {
        mailbox(of: pluginID)?.resume()
    }

    public var attachedSubscribers: [Subscriber] { allFactSlots }

    public func detach(pluginID: String, timeout: Duration) {
        if let box = mailbox(of: pluginID) { box.drain(timeout: timeout) }
        uninstall(pluginID: pluginID)
    }
}
