import Foundation
import Logging
import Synchronization

/// One plugin's mailbox: events for it wait here and are handed over one at a time,
/// in order. Subscriptions marked parallel go to extra lanes chosen by the event's
/// source, so order per source still holds. A mailbox can be paused (the handler in
/// flight finishes, nothing new starts), drained and resumed: hot swap uses that.
public final class Mailbox: @unchecked Sendable {
    /// Work waiting in a lane.
    enum Item {
        case delivery(EventEnvelope, Subscriber, attempt: Int)
        case job(@Sendable () -> Void)
    }

    /// The plugin this mailbox serves.
    public let pluginID: String
    private let lanes: [Lane]

    /// Creates a mailbox with one serial lane and `parallelLanes` more for parallel-safe handlers.
    public init(pluginID: String, parallelLanes: Int = 0, retry: RetryPolicy, deadLetters: DeadLetterStore, logger: Logger) {
        self.pluginID = pluginID
        let count = 1 + max(0, parallelLanes)
        lanes = (0..<count).map { index in
            Lane(name: "eop.mailbox.\(pluginID).\(index)", retry: retry, deadLetters: deadLetters, logger: logger)
        }
        lanes.forEach { $0.start() }
    }

    /// Queues a delivery; returns at once.
    public func enqueue(_ envelope: EventEnvelope, to subscriber: Subscriber) {
        lane(for: subscriber, source: envelope.event.source).push(.delivery(envelope, subscriber, attempt: 1))
    }

    /// Runs `job` on the serial lane, between deliveries (timers use this).
    public func enqueueJob(_ job: @escaping @Sendable () -> Void) {
        lanes[0].push(.job(job))
    }

    private func lane(for subscriber: Subscriber, source: String) -> Lane {
        guard subscriber.parallel, lanes.count > 1 else { return lanes[0] }
        var hasher = Hasher()
        hasher.combine(source)
        return lanes[1 + Int(UInt(bitPattern: hasher.finalize()) % UInt(lanes.count - 1))]
    }

    /// Items waiting (not counting the ones in flight).
    public var depth: Int { lanes.reduce(0) { $0 + $1.depth } }

    /// Nothing waiting and nothing in flight.
    public var isIdle: Bool { lanes.allSatisfy(\.isIdle) }

    /// Stops starting new items and waits for the ones in flight. Returns false when
    /// `timeout` passed first; the mailbox then stays paused.
    @discardableResult
    public func pause(timeout: Duration) -> Bool {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        lanes.forEach { $0.setPaused(true) }
        return lanes.allSatisfy { $0.waitIdle(until: deadline) }
    }

    /// Starts delivering again.
    public func resume() { lanes.forEach { $0.setPaused(false) } }

    /// Hands every event queued for an older instance, and any that arrives later, to
    /// `subscribers` (one per topic) instead: a hot swap calls it while paused. An event
    /// whose topic the new instance no longer subscribes to is dropped with a log line.
    public func retarget(to subscribers: [Subscriber], generation: UInt64) {
        let byTopic = Dictionary(subscribers.map { ($0.topic, $0) }, uniquingKeysWith: { a, _ in a })
        lanes.forEach { $0.retarget(byTopic, generation: generation) }
    }

    /// Waits until every lane is empty and idle; false when `timeout` passed first.
    @discardableResult
    public func drain(timeout: Duration) -> Bool {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        return lanes.allSatisfy { $0.waitEmpty(until: deadline) }
    }

    /// Ends the lanes' threads after the items in flight; waiting items are dropped.
    public func stop() { lanes.forEach { $0.stop() } }
}

extension Duration {
    /// The duration in seconds as a Double.
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

/// One worker thread with its FIFO queue.
final class Lane: @unchecked Sendable {
    private let name: String
    private let retry: RetryPolicy
    private let deadLetters: DeadLetterStore
    private let logger: Logger
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [Mailbox.Item] = []
    private var head = 0
    private var notBefore: Date?
    private var inFlight = false
    private var paused = false
    private var stopped = false
    // After a hot swap: the instance deliveries go to, by topic.
    private var generation: UInt64 = 0
    private var targets: [String: Subscriber]?

    init(name: String, retry: RetryPolicy, deadLetters: DeadLetterStore, logger: Logger) {
        self.name = name
        self.retry = retry
        self.deadLetters = deadLetters
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    var depth: Int {
        condition.lock(); defer { condition.unlock() }
        return queue.count - head
    }

    var isIdle: Bool {
        condition.lock(); defer { condition.unlock() }
        return !inFlight && queue.count == head
    }

    func push(_ item: Mailbox.Item) {
        condition.lock()
        queue.append(item)
        condition.signal()
        condition.unlock()
    }

    func setPaused(_ value: Bool) {
        condition.lock()
        paused = value
        condition.broadcast()
        condition.unlock()
    }

    func waitIdle(until deadline: Date) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while inFlight {
            if !condition.wait(until: deadline) { return !inFlight }
        }
        return true
    }

    func waitEmpty(until deadline: Date) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while inFlight || queue.count > head {
            if !condition.wait(until: deadline) { return !inFlight && queue.count == head }
        }
        return true
    }

    func retarget(_ targets: [String: Subscriber], generation: UInt64) {
        condition.lock()
        self.targets = targets
        self.generation = generation
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        let scratch = ErrorScratch()
        while let item = next() {
            switch item {
            case .job(let job):
                job()
            case .delivery(let envelope, let subscriber, let attempt):
                CurrentDelivery.set(envelope)
                let outcome = subscriber.call(envelope, scratch: scratch)
                CurrentDelivery.set(nil)
                settle(outcome, envelope: envelope, subscriber: subscriber, attempt: attempt)
            }
            condition.lock()
            inFlight = false
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Waits for the next item; nil when the lane stops.
    private func next() -> Mailbox.Item? {
        condition.lock(); defer { condition.unlock() }
        while true {
            if stopped { return nil }
            if !paused, head < queue.count {
                if let due = notBefore, due > Date() {
                    _ = condition.wait(until: due)
                    continue
                }
                notBefore = nil
                var item = queue[head]
                head += 1
                if head > 1024, head * 2 > queue.count {
                    queue.removeFirst(head)
                    head = 0
                }
                if case .delivery(let envelope, let subscriber, let attempt) = item, subscriber.generation != generation, let targets {
                    guard let current = targets[subscriber.topic] else {
                        logger.notice("event dropped: the new version no longer subscribes", metadata: ["plugin": "\(subscriber.pluginID)", "topic": "\(subscriber.topic)", "event": "\(envelope.event.id)"])
                        continue
                    }
                    item = .delivery(envelope, current, attempt: attempt)
                }
                inFlight = true
                return item
            }
            condition.wait()
        }
    }

    private func settle(_ outcome: HandlerOutcome, envelope: EventEnvelope, subscriber: Subscriber, attempt: Int) {
        switch outcome {
        case .ok:
            subscriber.delivered.add(1, ordering: .relaxed)
        case .retry(let reason) where attempt < retry.maxAttempts:
            subscriber.retried.add(1, ordering: .relaxed)
            let delay = retry.delay(afterAttempt: attempt)
            logger.debug("retrying", metadata: ["plugin": "\(subscriber.pluginID)", "topic": "\(subscriber.topic)", "attempt": "\(attempt)", "reason": "\(reason)"])
            // The event goes back to the front: later events of this lane wait behind it (order).
            condition.lock()
            if head > 0 {
                head -= 1
                queue[head] = .delivery(envelope, subscriber, attempt: attempt + 1)
            } else {
                queue.insert(.delivery(envelope, subscriber, attempt: attempt + 1), at: 0)
            }
            notBefore = Date().addingTimeInterval(delay.seconds)
            condition.unlock()
        case .retry(let reason):
            deadLetter(envelope, subscriber, reason: "gave up after \(attempt) attempts: \(reason)", attempts: attempt)
        case .fail(let reason):
            deadLetter(envelope, subscriber, reason: reason, attempts: attempt)
        }
    }

    private func deadLetter(_ envelope: EventEnvelope, _ subscriber: Subscriber, reason: String, attempts: Int) {
        subscriber.deadLettered.add(1, ordering: .relaxed)
        logger.warning("event dead-lettered", metadata: [
            "plugin": "\(subscriber.pluginID)", "topic": "\(subscriber.topic)", "event": "\(envelope.event.id)", "reason": "\(reason)",
        ])
        deadLetters.record(DeadLetter(
            id: UUID(), event: envelope.event, pluginID: subscriber.pluginID, handler: subscriber.handlerName,
            reason: reason, attempts: attempts, time: Date()
        ))
    }
}

/// The event a mailbox thread is handling now, so that a plugin publishing from its
/// handler gets correlation and causation ids filled in without passing them.
public enum CurrentDelivery {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    static func set(_ envelope: EventEnvelope?) {
        pthread_setspecific(key, envelope.map { Unmanaged.passUnretained($0).toOpaque() })
    }

    /// Runs `body` with `envelope` as this thread's current event (for transports other
    /// than the mailbox, e.g. the durable event log).
    public static func with<R>(_ envelope: EventEnvelope, _ body: (EventEnvelope) -> R) -> R {
        set(envelope)
        defer { set(nil) }
        return body(envelope)
    }

    /// The event being handled on this thread, if any.
    public static var event: Event? {
        guard let raw = pthread_getspecific(key) else { return nil }
        return Unmanaged<EventEnvelope>.fromOpaque(raw).takeUnretainedValue().event
    }
}
