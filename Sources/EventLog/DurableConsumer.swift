import EOPDispatch
import EOPStorage
import Foundation
import Logging

/// Delivers the ordered log to one plugin: claims the plugin's offset row
/// (`FOR UPDATE SKIP LOCKED`, so one host at a time serves a plugin and another takes
/// over when it dies), reads the next events of its topics, calls each handler inside
/// the batch's transaction on the plugin's own connection, and commits the handlers'
/// writes, the facts they published, the inbox and the new offset together.
final class DurableConsumer: @unchecked Sendable {
    let pluginID: String
    let module: ModuleDatabase
    // Replaced only while paused with no batch in flight (hot swap), under `condition`.
    private var subscribers: [String: Subscriber]
    private var topicsLiteral: String
    private unowned let log: EventLog
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var woken = true
    private var paused = true
    private var stopped = false
    private var inFlight = false
    private var notBefore: Date?
    private var attempts: [UUID: (count: Int, reason: String)] = [:]
    private var caughtUpPosition: Int64 = -1

    init(pluginID: String, module: ModuleDatabase, subscribers: [Subscriber], log: EventLog) {
        self.pluginID = pluginID
        self.module = module
        self.subscribers = Dictionary(subscribers.map { ($0.topic, $0) }, uniquingKeysWith: { a, _ in a })
        self.log = log
        topicsLiteral = PostgresArray.text(subscribers.map(\.topic))
    }

    var allSubscribers: [Subscriber] {
        condition.lock(); defer { condition.unlock() }
        return Array(subscribers.values)
    }

    /// Hot swap, while paused: the next batch calls the new instance's handlers. The
    /// offset and inbox stay, so nothing is skipped or handled twice.
    func retarget(_ subscribers: [Subscriber]) {
        condition.lock(); defer { condition.unlock() }
        precondition(paused && !inFlight, "retarget needs a paused consumer")
        self.subscribers = Dictionary(subscribers.map { ($0.topic, $0) }, uniquingKeysWith: { a, _ in a })
        topicsLiteral = PostgresArray.text(subscribers.map(\.topic))
        attempts = [:]
    }

    func start() {
        let t = Thread { [self] in run() }
        t.name = "eop.consumer.\(pluginID)"
        t.start()
    }

    func wake() {
        condition.lock()
        woken = true
        condition.signal()
        condition.unlock()
    }

    func resume() {
        condition.lock()
        paused = false
        woken = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops taking batches and waits for the one in flight (its transaction commits or
    /// rolls back first). False when `timeout` passed first.
    @discardableResult
    func pause(timeout: Duration) -> Bool {
        condition.lock(); defer { condition.unlock() }
        paused = true
        let deadline = Date().addingTimeInterval(timeout.seconds)
        while inFlight {
            if !condition.wait(until: deadline) { return !inFlight }
        }
        return true
    }

    func stop(timeout: Duration) {
        // The batch stops at the next event boundary; its plugin must not be destroyed before.
        if !pause(timeout: timeout) {
            log.logger.warning("waiting for the handler in flight before stopping", metadata: ["plugin": "\(pluginID)"])
            pause(timeout: .seconds(86_400))
        }
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private var isPausing: Bool {
        condition.lock(); defer { condition.unlock() }
        return paused || stopped
    }

    /// The last position this consumer found nothing after (for drain).
    var caughtUp: Int64 {
        condition.lock(); defer { condition.unlock() }
        return caughtUpPosition
    }

    private func run() {
        while true {
            condition.lock()
            while !stopped && (paused || !woken) {
                // Poll now and then: another host may have released this plugin's offset.
                if !condition.wait(until: Date().addingTimeInterval(0.25)) { woken = !paused }
            }
            if stopped { condition.unlock(); return }
            if let due = notBefore, due > Date() {
                _ = condition.wait(until: due)
                condition.unlock()
                continue
            }
            notBefore = nil
            woken = false
            inFlight = true
            condition.unlock()

            var more = false
            do {
                more = try deliverBatch()
            } catch {
                log.logger.error("delivery batch failed; will retry", metadata: ["plugin": "\(pluginID)", "error": "\(error)"])
                condition.lock()
                notBefore = Date().addingTimeInterval(0.5)
                condition.unlock()
            }
            condition.lock()
            inFlight = false
            if more { woken = true }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// One batch; true when there may be more right away.
    private func deliverBatch() throws -> Bool {
        try log.sessions(for: module).withConnection { c in
            _ = try c.execute("BEGIN", [])
            var committed = false
            defer { if !committed { _ = try? c.execute("ROLLBACK", []) } }
            let claim = try c.execute("SELECT position FROM eop_offset WHERE lane = 0 FOR UPDATE SKIP LOCKED", [])
            guard claim.rowCount == 1 else { return false }  // another host serves this plugin now
            let offset = try claim.integer(0, 0)
            let scratch = ErrorScratch()
            let replayed = try replayRequested(on: c, scratch: scratch)
            let events = try log.read(after: offset, topicsLiteral: topicsLiteral, limit: log.batchSize)
            guard !events.isEmpty else {
                if !replayed.isEmpty {
                    _ = try c.execute("COMMIT", [])
                    committed = true
                    try log.forgetReplays(of: pluginID, events: replayed)
                }
                condition.lock(); caughtUpPosition = offset; condition.unlock()
                return false
            }
            var position = offset
            var handled: [UUID] = []
            var published: [Event] = []
            var stopBatch = false
            // Events already handled (a replay that ran before a crash) are skipped.
            let seen = try c.execute("SELECT event_id FROM eop_inbox WHERE event_id = ANY($1::uuid[])",
                                     [PostgresValue(PostgresArray.uuid(events.map(\.1.id)))])
            let alreadyHandled = Set((0..<seen.rowCount).compactMap { try? seen.uuid(row: $0, column: 0) ?? nil })
            for (eventPosition, event) in events {
                // Pausing (hot swap, deactivation): commit what is handled and stop at an event boundary.
                if isPausing { break }
                guard let subscriber = subscribers[event.topic], !alreadyHandled.contains(event.id) else { position = eventPosition; continue }
                let outcome = try handle(event, subscriber, on: c, scratch: scratch, publishing: &published)
                switch outcome {
                case .ok:
                    handled.append(event.id)
                    position = eventPosition
                    attempts[event.id] = nil
                case .retry(let reason), .fail(let reason):
                    let tries = (attempts[event.id]?.count ?? 0) + 1
                    if case .retry = outcome, tries < log.retry.maxAttempts {
                        subscriber.retried.add(1, ordering: .relaxed)
                        attempts[event.id] = (tries, reason)
                        condition.lock()
                        notBefore = Date().addingTimeInterval(log.retry.delay(afterAttempt: tries).seconds)
                        condition.unlock()
                        stopBatch = true
                    } else {
                        let why: String
                        if case .retry = outcome { why = "gave up after \(tries) attempts: \(reason)" } else { why = reason }
                        try log.deadLetter(event, position: eventPosition, subscriber: subscriber, reason: why, attempts: tries)
                        subscriber.deadLettered.add(1, ordering: .relaxed)
                        attempts[event.id] = nil
                        position = eventPosition
                    }
                }
                if stopBatch { break }
            }
            if !handled.isEmpty {
                _ = try c.execute("INSERT INTO eop_inbox (event_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING",
                                  [PostgresValue(PostgresArray.uuid(handled))])
            }
            if position != offset {
                _ = try c.execute("UPDATE eop_offset SET position = $1 WHERE lane = 0", [PostgresValue(position)])
            }
            try log.flush(published, on: c)
            _ = try c.execute("COMMIT", [])
            committed = true
            if !published.isEmpty { log.relay.wake() }
            if !replayed.isEmpty { try log.forgetReplays(of: pluginID, events: replayed) }
            return !stopBatch && events.count == log.batchSize
        }
    }

    /// Calls the handler inside the open batch transaction: its SQL (if any) runs in a
    /// savepoint that is released on OK and rolled back otherwise.
    private func handle(_ event: Event, _ subscriber: Subscriber, on c: PostgresConnection, scratch: ErrorScratch,
                        publishing published: inout [Event]) throws -> HandlerOutcome {
        let tx = ActiveTransaction(pluginID: pluginID, connection: c, kind: .delivery)
        TransactionScope.set(tx, for: pluginID)
        var outcome = CurrentDelivery.with(EventEnvelope(event)) { subscriber.call($0, scratch: scratch) }
        TransactionScope.set(nil, for: pluginID)
        if outcome == .ok, let failure = tx.failedStatement {
            // Its transaction is aborted to the savepoint: nothing it wrote can commit.
            outcome = .fail("the handler returned OK although one of its SQL statements failed: \(failure)")
        }
        if outcome == .ok {
            if tx.handlerSavepointOpen { _ = try c.execute("RELEASE SAVEPOINT eop_handler", []) }
            published += tx.pending  // the facts of a failed handler are dropped with its writes
            subscriber.delivered.add(1, ordering: .relaxed)
        } else if tx.handlerSavepointOpen {
            _ = try c.execute("ROLLBACK TO SAVEPOINT eop_handler", [])
        }
        return outcome
    }

    /// Re-delivers the dead letters an operator asked to replay (`eop events replay`),
    /// skipping any event the inbox says was handled already. Returns the ids it dealt with.
    private func replayRequested(on c: PostgresConnection, scratch: ErrorScratch) throws -> [UUID] {
        let requested = try log.replays(for: pluginID)
        var published: [Event] = []
        defer { if !published.isEmpty { _ = try? log.flush(published, on: c) } }
        for (position, event) in requested {
            guard let subscriber = subscribers[event.topic] else { continue }
            let seen = try c.execute("SELECT 1 FROM eop_inbox WHERE event_id = $1", [PostgresValue(event.id)])
            if seen.rowCount > 0 { continue }
            let outcome = try handle(event, subscriber, on: c, scratch: scratch, publishing: &published)
            switch outcome {
            case .ok:
                _ = try c.execute("INSERT INTO eop_inbox (event_id) VALUES ($1) ON CONFLICT DO NOTHING", [PostgresValue(event.id)])
                try log.markReplayed(event.id, subscriber: pluginID)
            case .retry(let reason), .fail(let reason):
                try log.deadLetter(event, position: position, subscriber: subscriber, reason: "replay failed: \(reason)", attempts: 1, replace: true)
            }
        }
        return requested.map(\.1.id)
    }
}

/// Text literals for PostgreSQL arrays passed as one parameter.
enum PostgresArray {
    static func text(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }.joined(separator: ",") + "}"
    }

    /// Elements written as they are (numbers, NULL).
    static func plain(_ values: [String]) -> String { "{" + values.joined(separator: ",") + "}" }

    static func uuid(_ values: [UUID]) -> String {
        "{" + values.map { $0.uuidString.lowercased() }.joined(separator: ",") + "}"
    }
}
