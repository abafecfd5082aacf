import CLibPQ
import Foundation

extension PostgresConnection {
    /// Subscribes this session to `channel` (`LISTEN "channel"`; the name is
    /// quoted, so it is case-sensitive). Notifications arrive only between
    /// transactions, after the sender commits.
    public func listen(_ channel: String) throws {
        _ = try execute("LISTEN \(try quoteIdentifier(channel))")
    }

    /// Stops listening on `channel`.
    public func unlisten(_ channel: String) throws {
        _ = try execute("UNLISTEN \(try quoteIdentifier(channel))")
    }

    /// Sends a notification (`pg_notify`); inside a transaction it is
    /// delivered only if and when the transaction commits.
    public func notify(_ channel: String, payload: String = "") throws {
        _ = try execute("SELECT pg_notify($1, $2)", [PostgresValue(channel), PostgresValue(payload)])
    }

    /// Returns the notifications already received, or waits up to `timeout`
    /// for at least one (poll() on the connection's socket, then
    /// `PQconsumeInput`/`PQnotifies`). Returns `[]` on timeout. [may-block]
    /// - Throws: ``PostgresError`` `.connection` if the connection breaks.
    public func waitForNotifications(timeout: Duration) throws -> [PostgresNotification] {
        let conn = try open()
        var received = drainNotifications(conn)
        if !received.isEmpty { return received }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while received.isEmpty {
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero { break }
            let socket = PQsocket(conn)
            guard socket >= 0 else { throw PostgresError.connection(conn, context: "connection has no socket") }
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw PostgresError(kind: .connection, message: "poll() failed: \(String(cString: strerror(errno)))")
            }
            if ready == 0 { continue }
            guard PQconsumeInput(conn) == 1 else {
                throw PostgresError.connection(conn, context: "lost connection while waiting for notifications")
            }
            received = drainNotifications(conn)
        }
        return received
    }

    /// Same as ``waitForNotifications(timeout:)``.
    public func waitForNotification(timeout: Duration) throws -> [PostgresNotification] {
        try waitForNotifications(timeout: timeout)
    }

    private func drainNotifications(_ conn: OpaquePointer) -> [PostgresNotification] {
        var out: [PostgresNotification] = []
        while let notify = PQnotifies(conn) {
            out.append(PostgresNotification(
                channel: String(cString: notify.pointee.relname),
                payload: notify.pointee.extra.map { String(cString: $0) } ?? "",
                senderProcessID: notify.pointee.be_pid))
            PQfreemem(notify)
        }
        return out
    }
}
