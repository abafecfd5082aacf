import EOPStorage
import Foundation
import Logging

/// Reads the durable event log (`eop.events`) after the module's own offset and queues
/// what the rules say, like a durable consumer: the offset row is claimed with
/// `FOR UPDATE SKIP LOCKED` (one host at a time; another takes over when it dies), and
/// the queued deliveries and the new offset commit in one transaction, so a crash queues
/// a fact again at most into rows that already exist (the unique index skips them).
///
/// Rationale: the publisher only wrote its fact to the outbox; everything here happens
/// later on this thread, so sending never blocks or fails a publish. Woken by the
/// relay's `NOTIFY eop_events`, with a poll as a safety net.
final class FactFeed: @unchecked Sendable {
    private unowned let notifications: Notifications
    private let connect: @Sendable () throws -> PostgresConnection
    private let batchSize = 200
    private let worker = Worker(name: "eop.notification.feed")

    init(notifications: Notifications, connect: @escaping @Sendable () throws -> PostgresConnection) {
        self.notifications = notifications
        self.connect = connect
    }

    func start() { worker.start { [self] in run() } }
    func stop() { worker.stop() }

    private func run() {
        var listener: PostgresConnection?
        while !worker.isStopped {
            do {
                if listener == nil {
                    let c = try connect()
                    try c.listen("eop_events")
                    listener = c
                }
                if try step() { continue }
                _ = try listener?.waitForNotifications(timeout: .milliseconds(250))
            } catch {
                notifications.logger.error("notification feed failed; will retry", metadata: ["error": "\(error)"])
                listener?.close()
                listener = nil
                worker.nap(0.5)
            }
        }
        listener?.close()
    }

    /// One batch; true when there may be more right away.
    func step() throws -> Bool {
        var queued = 0
        let more = try notifications.pool.withConnection { c in
            try c.transaction { c -> Bool in
                let claim = try c.execute("SELECT position FROM eop_notification.feed FOR UPDATE SKIP LOCKED", [])
                guard claim.rowCount == 1, let offset = try claim.int64(row: 0, column: 0) else { return false }  // another host has it
                // Up to what the relay has numbered now: facts no rule wants are passed over, so
                // a rule added later starts with the facts that come after it.
                let end = try c.execute("SELECT position FROM eop.relay_state", []).int64(row: 0, column: 0) ?? offset
                guard end > offset else { return false }
                let rules = try notifications.rules(where: nil, enabledOnly: true, on: c)
                let topics = Set(rules.map(\.topic)).sorted().joined(separator: ",")
                let r = try c.execute("""
                    SELECT position, event_id, topic, payload FROM eop.events
                    WHERE position > $1 AND position <= $2 AND topic = ANY(string_to_array($3, ',')) ORDER BY position LIMIT \(batchSize)
                    """, [PostgresValue(offset), PostgresValue(end), PostgresValue(topics)])
                var position = end
                if r.rowCount == batchSize { position = try r.int64(row: r.rowCount - 1, column: 0) ?? end }
                for i in 0..<r.rowCount {
                    guard let eventID = try r.uuid(row: i, column: 1), let topic = r.string(row: i, column: 2) else { continue }
                    let bytes = try r.bytes(row: i, column: 3) ?? []
                    guard let payload = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
                        notifications.logger.warning("fact skipped: its payload is not a JSON object", metadata: ["event": "\(eventID)", "topic": "\(topic)"])
                        continue
                    }
                    queued += try notifications.apply(rules: rules, to: eventID, topic: topic, payload: payload, on: c)
                }
                _ = try c.execute("UPDATE eop_notification.feed SET position = $1", [PostgresValue(position)])
                return position < end
            }
        }
        if queued > 0 { notifications.sender.wake() }
        return more
    }
}
