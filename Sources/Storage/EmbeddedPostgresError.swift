/// Errors from ``EmbeddedPostgres``; each names what failed and carries the tool's own words.
public enum EmbeddedPostgresError: Error, Sendable, CustomStringConvertible {
    /// An external command (initdb, pg_ctl, …) failed; `stderr` is its standard error
    /// and, for `pg_ctl start`, the tail of the server log.
    case commandFailed(command: String, status: String, stderr: String)
    /// A postmaster is already running on this data directory.
    case alreadyRunning(pid: Int32, dataDirectory: String)
    /// No PostgreSQL server binaries were found.
    case binariesNotFound(searched: [String])
    /// The socket path would exceed the Unix limit (107 bytes).
    case socketPathTooLong(path: String)
    /// The cluster directory cannot be set up (permissions, missing user, …).
    case setupFailed(String)
    /// The server did not accept connections before the deadline.
    case notReady(waited: Duration, lastError: String)

    /// A readable sentence for the operator.
    public var description: String {
        switch self {
        case let .commandFailed(command, status, stderr):
            return "\(command) failed (\(status)):\n\(stderr)"
        case let .alreadyRunning(pid, dir):
            return "a PostgreSQL server (postmaster pid \(pid)) is already running on \(dir); stop it (or the eop host that owns it) first"
        case let .binariesNotFound(searched):
            return "PostgreSQL server binaries (initdb, pg_ctl) not found; searched: \(searched.joined(separator: ", ")). Install postgresql or set EOP_PG_BINDIR"
        case let .socketPathTooLong(path):
            return "Unix socket path too long (\(path.utf8.count) > 107 bytes): \(path); use a shorter working directory"
        case let .setupFailed(message):
            return "embedded PostgreSQL setup failed: \(message)"
        case let .notReady(waited, lastError):
            return "embedded PostgreSQL not accepting connections after \(waited): \(lastError)"
        }
    }
}
