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
    /// Holds the plugin's deliveries (they queue) and waits up to `timeout` for the
    /// handler in flight; false when it was still running (deliveries stay held).
    func pause(pluginID: String, timeout: Duration) -> Bool
    /// While paused: hands the plugin's queued and future deliveries to `subscribers`,
    /// the new instance's (hot swap, `generation` = theirs). Nothing queued is lost or delivered twice.
    func retarget(pluginID: String, subscribers: [Subscriber], generation: UInt64) throws
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

    public func pause(pluginID: String, timeout: Duration) -> Bool {
        mailbox(of: pluginID)?.pause(timeout: timeout) ?? true
    }

    public func retarget(pluginID: String, subscribers: [Subscriber], generation: UInt64) throws {
        try installSubscribers(pluginID: pluginID, subscribers: subscribers)
        mailbox(of: pluginID)?.retarget(to: subscribers, generation: generation)
    }

    public func detach(pluginID: String, timeout: Duration) {
        if let box = mailbox(of: pluginID) { box.drain(timeout: timeout) }
        uninstall(pluginID: pluginID)
    }
}
