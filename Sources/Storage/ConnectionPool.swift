import Foundation
import Logging

/// A fixed-size pool of ``PostgresConnection``s, owned by the host.
///
/// Connections are opened lazily by `factory`, at most `maxConnections` at
/// once. ``withConnection(timeout:_:)`` lends one connection to one caller; when
/// all are busy it blocks the calling thread until one is returned or the
/// timeout passes (then ``ConnectionPoolError/timedOut(pool:waited:maxConnections:)``).
///
/// Threading: safe to use from any thread [any-thread] [may-block]. A borrowed
/// connection belongs to the borrower until its closure returns; do not let it escape.
///
/// Health: a connection whose libpq status is bad is closed and replaced when
/// it is handed out or returned; one returned inside an open transaction is
/// rolled back (or dropped if that fails).
public final class ConnectionPool: @unchecked Sendable {
    // Rationale: @unchecked because all mutable state is guarded by `condition`,
    // and connections (not Sendable) only move between threads through it.

    /// Opens a new connection; called without the pool's lock held.
    public typealias Factory = @Sendable () throws -> PostgresConnection

    /// Name used in errors and logs.
    public let name: String
    /// The most connections open at once.
    public let maxConnections: Int
    /// How long ``withConnection(timeout:_:)`` waits by default.
    public let acquireTimeout: Duration

    private let factory: Factory
    private let logger: Logger
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var isClosed = false

    /// Makes a pool; no connection is opened until first use.
    public init(
        name: String, maxConnections: Int, acquireTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "eop.storage.pool"), factory: @escaping Factory
    ) {
        precondition(maxConnections > 0, "maxConnections must be positive")
        self.name = name
        self.maxConnections = maxConnections
        self.acquireTimeout = acquireTimeout
        self.logger = logger
        self.factory = factory
    }

    /// A pool whose factory connects with `conninfo`.
    public convenience init(
        name: String, conninfo: String, maxConnections: Int, acquireTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "eop.storage.pool")
    ) {
        self.init(name: name, maxConnections: maxConnections, acquireTimeout: acquireTimeout, logger: logger) {
            try PostgresConnection(conninfo, logger: logger)
        }
    }

    /// Connections currently open (idle plus lent out).
    public var openConnections: Int { condition.withLock { open } }
    /// Connections open and waiting in the pool.
    public var idleConnections: Int { condition.withLock { idle.count } }

    /// Lends a connection to `body` and takes it back when `body` returns or throws.
    /// - Parameter timeout: how long to wait when all connections are busy
    ///   (default ``acquireTimeout``).
    /// - Throws: ``ConnectionPoolError`` when the wait times out or the pool is
    ///   closed; ``PostgresError`` when a new connection cannot be opened;
    ///   whatever `body` throws.
    public func withConnection<T>(timeout: Duration? = nil, _ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try acquire(timeout: timeout ?? acquireTimeout)
        defer { release(connection) }
        return try body(connection)
    }

    /// Lends a connection until `checkIn`, for work that spans calls (a plugin's
    /// transaction between its begin() and commit()). Every checkOut needs its checkIn.
    public func checkOut(timeout: Duration? = nil) throws -> PostgresConnection {
        try acquire(timeout: timeout ?? acquireTimeout)
    }

    /// Takes back a connection lent by `checkOut`; an open transaction is rolled back.
    public func checkIn(_ connection: PostgresConnection) {
        release(connection)
    }

    /// Closes idle connections and refuses new borrowers; lent connections
    /// are closed when returned. Waiting borrowers get ``ConnectionPoolError/closed(pool:)``.
    public func close() {
        let toClose: [PostgresConnection] = condition.withLock {
            isClosed = true
            let all = idle
            open -= idle.count
            idle.removeAll()
            condition.broadcast()
            return all
        }
        for connection in toClose { connection.close() }
    }

    deinit { for connection in idle { connection.close() } }

    // MARK: - Internals

    private func acquire(timeout: Duration) throws -> PostgresConnection {
        let started = ContinuousClock.now
        let (seconds, attoseconds) = timeout.components
        let deadline = Date().addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
        // Under the lock: take an idle connection, or reserve a slot (nil), or wait.
        let taken: PostgresConnection? = try condition.withLock {
            while true {
                if isClosed { throw ConnectionPoolError.closed(pool: name) }
                if let connection = idle.popLast() { return connection }
                if open < maxConnections { open += 1; return nil }
                if !condition.wait(until: deadline) && Date() >= deadline {
                    throw ConnectionPoolError.timedOut(
                        pool: name, waited: ContinuousClock.now - started, maxConnections: maxConnections)
                }
            }
        }
        if let taken {
            if taken.isAlive { return taken }
            logger.warning("replacing broken connection", metadata: ["pool": .string(name)])
            taken.close()  // keep its slot for the fresh connection below
        }
        do {
            return try factory()
        } catch {
            condition.withLock { open -= 1; condition.signal() }
            throw error
        }
    }

    private func release(_ connection: PostgresConnection) {
        if connection.isAlive && connection.transactionStatus != .idle {
            // The borrower left a transaction open: never hand that to the next one.
            logger.warning("connection returned inside a transaction; rolling back", metadata: ["pool": .string(name)])
            _ = try? connection.execute("ROLLBACK")
        }
        let keep = connection.isAlive && connection.transactionStatus == .idle
        let closeIt: Bool = condition.withLock {
            if keep && !isClosed {
                idle.append(connection)
            } else {
                open -= 1
            }
            condition.signal()
            return !(keep && !isClosed)
        }
        if closeIt { connection.close() }
    }
}
