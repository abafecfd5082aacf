import EOPABI
import Foundation
import Logging
import Synchronization

/// Topic → subscriber slots, command/query topic → its one owner, and each plugin's
/// mailbox. The routes are an immutable snapshot replaced as a whole, so a reader
/// never sees half a change and one plugin's slots switch atomically.
public final class DispatchTable: @unchecked Sendable {
    struct Routes {
        var facts: [String: [Subscriber]] = [:]
        var owners: [String: QueryOwner] = [:]
        /// Hook topic → its handlers, in call order.
        var hooks: [String: [HookHandler]] = [:]
        var mailboxes: [String: Mailbox] = [:]
    }

    let routes = Mutex(Routes())
    /// Where failed events go.
    public let deadLetters: DeadLetterStore
    /// The backoff for RETRY.
    public let retry: RetryPolicy
    private let logger: Logger
    /// Where queries are answered: handlers may block (SQL, a nested query), so not on GCD.
    let queryPool = BlockingPool(name: "eop-queries")

    /// An empty table.
    public init(deadLetters: DeadLetterStore = InMemoryDeadLetterStore(), retry: RetryPolicy = RetryPolicy(), logger: Logger = Logger(label: "eop.dispatch")) {
        self.deadLetters = deadLetters
        self.retry = retry
        self.logger = logger
    }

    // MARK: Routing

    /// Adds (or replaces, in one step) a plugin's subscriptions and the topics it answers.
    /// Throws when another plugin already answers one of the topics, naming both.
    /// With `paused`, a new mailbox starts paused: events queue until `mailbox(of:)?.resume()`
    /// (the loader resumes it once the plugin's activate() has returned OK).
    public func install(pluginID: String, subscribers: [Subscriber], owners: [QueryOwner], parallelLanes: Int = 4, paused: Bool = false) throws {
        try installOwners(pluginID: pluginID, owners: owners)
        try installSubscribers(pluginID: pluginID, subscribers: subscribers, parallelLanes: parallelLanes, paused: paused)
    }

    /// Makes the plugin the owner of its command/query topics (replacing its earlier ones).
    /// Throws when another plugin already answers one of them, naming both.
    public func installOwners(pluginID: String, owners: [QueryOwner]) throws {
        try routes.withLock { r in
            for owner in owners {
                if let other = r.owners[owner.topic], other.pluginID != pluginID {
                    throw DispatchError.ownerConflict(topic: owner.topic, current: other.pluginID, candidate: pluginID)
                }
            }
            r.owners = r.owners.filter { $0.value.pluginID != pluginID }
            for o in owners { r.owners[o.topic] = o }
        }
    }

    /// Adds one answered topic, keeping the plugin's others (the host's own answers are
    /// installed one by one, by the modules that own them).
    public func addOwner(_ owner: QueryOwner) throws {
        try routes.withLock { r in
            if let other = r.owners[owner.topic], other.pluginID != owner.pluginID {
                throw DispatchError.ownerConflict(topic: owner.topic, current: other.pluginID, candidate: owner.pluginID)
            }
            r.owners[owner.topic] = owner
        }
    }

    /// Routes the plugin's fact subscriptions to its mailbox (replacing its earlier ones).
    public func installSubscribers(pluginID: String, subscribers: [Subscriber], parallelLanes: Int = 4, paused: Bool = false) throws {
        let needsParallel = subscribers.contains(where: \.parallel)
        routes.withLock { r in
            for (topic, list) in r.facts {
                let kept = list.filter { $0.pluginID != pluginID }
                r.facts[topic] = kept.isEmpty ? nil : kept
            }
            if r.mailboxes[pluginID] == nil {
                let box = Mailbox(pluginID: pluginID, parallelLanes: needsParallel ? parallelLanes : 0,
                                  retry: retry, deadLetters: deadLetters, logger: logger)
                if paused { box.pause(timeout: .zero) }
                r.mailboxes[pluginID] = box
            }
            for s in subscribers { r.facts[s.topic, default: []].append(s) }
        }
    }

    /// Removes a plugin's slots; its mailbox finishes the item in flight and stops.
    public func uninstall(pluginID: String) {
        let mailbox = routes.withLock { r -> Mailbox? in
            Self.removeSlots(of: pluginID, from: &r)
            return r.mailboxes.removeValue(forKey: pluginID)
        }
        mailbox?.stop()
    }

    private static func removeSlots(of pluginID: String, from r: inout Routes) {
        for (topic, list) in r.facts {
            let kept = list.filter { $0.pluginID != pluginID }
            r.facts[topic] = kept.isEmpty ? nil : kept
        }
        r.owners = r.owners.filter { $0.value.pluginID != pluginID }
        Self.removeHooks(of: pluginID, from: &r)
    }

    /// The slots subscribed to `topic`.
    public func subscribers(of topic: String) -> [Subscriber] {
        routes.withLock { $0.facts[topic] ?? [] }
    }

    /// Every fact subscription in the table.
    public var allFactSlots: [Subscriber] { routes.withLock { $0.facts.values.flatMap { $0 } } }

    /// The owner of a command or query topic.
    public func owner(of topic: String) -> QueryOwner? {
        routes.withLock { $0.owners[topic] }
    }

    /// A plugin's mailbox.
    public func mailbox(of pluginID: String) -> Mailbox? {
        routes.withLock { $0.mailboxes[pluginID] }
    }

    /// Every mailbox by plugin id.
    public var mailboxes: [String: Mailbox] { routes.withLock { $0.mailboxes } }

    // MARK: Facts

    /// Queues `envelope` on the mailbox of every subscriber of its topic; returns how many.
    @discardableResult
    public func publish(_ envelope: EventEnvelope) -> Int {
        let (slots, boxes) = routes.withLock { r in (r.facts[envelope.event.topic] ?? [], r.mailboxes) }
        for slot in slots { boxes[slot.pluginID]?.enqueue(envelope, to: slot) }
        return slots.count
    }

    /// Calls every subscriber of the envelope's topic right here, one after another,
    /// with no mailbox: the inner loop a mailbox runs, used for benchmarks and for
    /// measuring the table alone. Returns the number of OK answers.
    @inline(__always)
    public func deliverInline(_ envelope: EventEnvelope, scratch: ErrorScratch) -> Int {
        let slots = routes.withLock { $0.facts[envelope.event.topic] }
        guard let slots else { return 0 }
        var ok = 0
        for slot in slots where slot.call(envelope, scratch: scratch) == .ok { ok += 1 }
        return ok
    }

    /// Queues a dead letter again for its subscriber, if that plugin still subscribes.
    public func replay(deadLetter id: UUID) throws {
        guard let letter = deadLetters.take(id) else { throw DispatchError.noSuchDeadLetter(id) }
        let (slot, box) = routes.withLock { r in
            (r.facts[letter.event.topic]?.first(where: { $0.pluginID == letter.pluginID }), r.mailboxes[letter.pluginID])
        }
        guard let slot, let box else {
            deadLetters.record(letter)
            throw DispatchError.notSubscribed(plugin: letter.pluginID, topic: letter.event.topic)
        }
        box.enqueue(EventEnvelope(letter.event), to: slot)
    }

    /// Waits until every mailbox is empty and idle; false when `timeout` passed first.
    @discardableResult
    /// Handlers may publish while others drain, so it repeats until one whole pass finds
    /// every mailbox idle.
    public func drain(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            let boxes = Array(mailboxes.values)
            if boxes.allSatisfy(\.isIdle) { return true }
            for box in boxes {
                let left = ContinuousClock.now.duration(to: deadline)
                if left <= .zero || !box.drain(timeout: left) { return false }
            }
        }
    }

    // MARK: Commands and queries

    /// Sends a command or query to its owner and waits at most `timeout` for the answer.
    /// A late answer is discarded.
    public func request(_ envelope: EventEnvelope, timeout: Duration) -> QueryResult {
        let topic = envelope.event.topic
        guard let first = owner(of: topic) else {
            return QueryResult(status: EOP_ERR_NOT_FOUND, message: "no active plugin answers '\(topic)'")
        }
        let deadline = Date().addingTimeInterval(timeout.seconds)
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        queryPool.run { [self] in
            box.value = Self.call(first, envelope, until: deadline) { self.owner(of: topic) }
                .map { $0 ?? QueryResult(status: EOP_ERR_NOT_FOUND, message: "no active plugin answers '\(topic)'") }
            done.signal()
        }
        guard done.wait(timeout: .now() + timeout.seconds) == .success, let result = box.value else {
            logger.warning("query timed out", metadata: ["topic": "\(topic)", "owner": "\(first.pluginID)"])
            return QueryResult(status: EOP_ERR_TIMEOUT, message: "'\(first.pluginID)' did not answer '\(topic)' within \(timeout)")
        }
        return result
    }
}

extension DispatchTable {
    /// Calls `first` through its instance's gate on this thread. A hot swap may hold the
    /// gate; once it retires the instance, `replacement()` names the slot that now answers
    /// (nil: none, answered as `.some(nil)`). nil when the deadline passed at the gate.
    static func call(_ first: QueryOwner, _ envelope: EventEnvelope, until deadline: Date,
                     replacement: () -> QueryOwner?) -> QueryResult?? {
        var owner = first
        while true {
            switch owner.gate?.enter(until: deadline) ?? .entered {
            case .entered:
                CurrentDelivery.set(envelope)
                let result = owner.answer(envelope)
                CurrentDelivery.set(nil)
                owner.gate?.leave()
                return .some(result)
            case .retired:
                guard let next = replacement() else { return .some(nil) }
                owner = next
            case .timedOut:
                return nil
            }
        }
    }
}

private final class ResultBox: @unchecked Sendable {
    var value: QueryResult?
}

/// Why the table refused a change or a replay.
public enum DispatchError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Two plugins claim one command/query topic.
    case ownerConflict(topic: String, current: String, candidate: String)
    /// No dead letter has that id.
    case noSuchDeadLetter(UUID)
    /// The plugin no longer subscribes to the topic.
    case notSubscribed(plugin: String, topic: String)

    public var description: String {
        switch self {
        case .ownerConflict(let topic, let current, let candidate):
            return "'\(candidate)' cannot answer '\(topic)': '\(current)' already answers it (exactly one owner per command or query topic)"
        case .noSuchDeadLetter(let id):
            return "no dead letter with id \(id)"
        case .notSubscribed(let plugin, let topic):
            return "'\(plugin)' is not active or no longer subscribes to '\(topic)'; the dead letter is kept"
        }
    }
}
