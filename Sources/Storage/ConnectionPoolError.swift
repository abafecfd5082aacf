/// Errors from ``ConnectionPool`` itself (errors from the database pass through as ``PostgresError``).
public enum ConnectionPoolError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Every connection stayed busy for the whole wait.
    case timedOut(pool: String, waited: Duration, maxConnections: Int)
    /// The pool was closed before or while waiting.
    case closed(pool: String)

    /// A readable sentence naming the pool and the wait.
    public var description: String {
        switch self {
        case let .timedOut(pool, waited, max):
            return "connection pool '\(pool)': all \(max) connections busy; gave up after waiting \(waited)"
        case let .closed(pool):
            return "connection pool '\(pool)' is closed"
        }
    }
}
