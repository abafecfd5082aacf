import EOPStorage
import Foundation
import Logging

/// Moves committed facts from `eop.outbox` into the ordered log `eop.events`. One relay
/// runs at a time across all hosts on the database (a session advisory lock); the
/// others wait to take over when its connection drops.
final class Relay: @unchecked Sendable {
    private let connect: () throws -> PostgresConnection
    private let logger: Logger
    private let batchSize: Int
    var onMovedHandler: @Sendable () -> Void
    private let condition = NSCondition()
    private var stopped = false
    private var woken = false
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    init(connect: @escaping () throws -> PostgresConnection, batchSize: Int = 2000, logger: Logger, onMoved: @escaping @Sendable () -> Void) {
        self.connect = connect
        self.batchSize = batchSize
        self.logger = logger
        self.onMovedHandler = onMoved
    }

    func start() {
        let t = Thread { [self] in run() }
        t.name = "eop.relay"
        thread = t
        t.start()
    }

    /// A local publish committed: move it now rather than at the next notification.
    func wake() {
        condition.lock()
        woken = true
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private var isStopped: Bool {
        condition.lock(); defer { condition.unlock() }
        return stopped
    }

    /// Sleeps until woken, stopped or `seconds` passed.
    private func pause(_ seconds: Double) {
        condition.lock()
        if !woken && !stopped { _ = condition.wait(until: Date().addingTimeInterval(seconds)) }
        woken = false
        condition.unlock()
    }

    /// Waits for the relay's thread to end (after `stop`).
    func waitUntilStopped(timeout seconds: Double) {
        _ = finished.wait(timeout: .now() + seconds)
    }

    private func run() {
        defer { finished.signal() }
        while !isStopped {
            do {
                let c = try connect()
                defer { c.close() }
                // Leadership: held while this connection lives.
                while !isStopped {
                    let r = try c.execute("SELECT pg_try_advisory_lock($1)", [PostgresValue(HostSchema.relayLock)])
                    if try r.flag(0, 0) { break }
                    pause(0.5)
                }
                if isStopped { return }
                logger.info("relay leader on this host")
                try c.listen("eop_outbox")
                while !isStopped {
                    let moved = try moveBatch(c)
                    if moved > 0 {
                        onMovedHandler()
                        continue
                    }
                    // Idle: wait for a publish on any host (NOTIFY) or on this one (wake).
                    condition.lock()
                    let local = woken
                    woken = false
                    condition.unlock()
                    if !local { _ = try c.waitForNotifications(timeout: .milliseconds(50)) }
                }
            } catch {
                if isStopped { return }
                logger.error("relay failed; retrying", metadata: ["error": "\(error)"])
                pause(0.5)
            }
        }
    }

    /// Numbers and moves one batch in one transaction; returns how many moved.
    private func moveBatch(_ c: PostgresConnection) throws -> Int {
        try c.transaction { c in
            let base = try c.execute("SELECT position FROM eop.relay_state FOR UPDATE", []).integer(0, 0)
            let inserted = try c.execute("""
                WITH moved AS (
                    DELETE FROM eop.outbox WHERE id IN (SELECT id FROM eop.outbox ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
                    RETURNING *)
                INSERT INTO eop.events (position, event_id, topic, schema_version, content_type, payload, source, correlation_id, causation_id, published_us)
                SELECT $1 + row_number() OVER (ORDER BY id), event_id, topic, schema_version, content_type, payload, source, correlation_id, causation_id, published_us
                FROM moved
                """, [PostgresValue(base), PostgresValue(Int64(batchSize))]).affectedRows ?? 0
            guard inserted > 0 else { return 0 }
            _ = try c.execute("UPDATE eop.relay_state SET position = $1", [PostgresValue(base + Int64(inserted))])
            _ = try c.execute("SELECT pg_notify('eop_events', '')", [])
            return inserted
        }
    }
}
