import EOPStorage
import Foundation
import Synchronization

/// A real PostgreSQL cluster for tests, started by the tests themselves.
///
/// `TestCluster.shared()` starts ONE cluster per test process, lazily on first
/// use, in a fresh temp directory (initdb, Unix socket only, fsync off), and
/// every test shares it. `TestCluster.makePrivate()` gives a test its own
/// (not yet started) cluster for restart/crash scenarios.
///
/// Cleanup: every cluster made here is registered; an `atexit` handler sends
/// the postmaster SIGINT (fast shutdown), waits for it to go, and deletes the
/// temp directory, so no postgres outlives `swift test` even when a test
/// forgets to stop its cluster. Rationale: atexit rather than a "last test"
/// because swift-testing gives no ordering guarantee and runs tests in parallel.
public enum TestCluster {
    /// The process-wide cluster, started on first call.
    public static func shared() async throws -> EmbeddedPostgres {
        try await sharedStart.value
    }

    /// A new superuser connection to the shared cluster's `eop` database.
    public static func connect() async throws -> PostgresConnection {
        try PostgresConnection(try await shared().connectionString)
    }

    /// The shared cluster's connection string (superuser, database `eop`).
    public static func connectionString() async throws -> String {
        try await shared().connectionString
    }

    /// A private, not-yet-started cluster in its own temp directory, stopped and
    /// deleted at process exit if the test does not do it.
    public static func makePrivate(maxConnections: Int = 20) throws -> EmbeddedPostgres {
        let root = try makeTempDirectory()
        let cluster = EmbeddedPostgres(
            directory: root + "/db", maxConnections: maxConnections, settings: testSettings)
        register(cluster, root: root)
        return cluster
    }

    /// A name no other test uses (tables, channels).
    public static func uniqueName(_ prefix: String) -> String {
        prefix + "_" + UUID().uuidString.prefix(8).lowercased()
    }

    // MARK: - Internals

    /// Rationale: fsync off only (safe unless the OS crashes); synchronous_commit
    /// stays on so a kill -9 of the server loses no committed row, which
    /// crash tests rely on.
    private static let testSettings = ["fsync": "off"]

    private static let sharedStart = Task<EmbeddedPostgres, any Error> {
        let root = try makeTempDirectory()
        let cluster = EmbeddedPostgres(directory: root + "/db", settings: testSettings)
        register(cluster, root: root)
        try await cluster.start()
        return cluster
    }

    private static let registry = Mutex<[(cluster: EmbeddedPostgres, root: String)]>([])
    private static let atexitInstalled = Mutex(false)

    private static func register(_ cluster: EmbeddedPostgres, root: String) {
        registry.withLock { $0.append((cluster, root)) }
        atexitInstalled.withLock { installed in
            guard !installed else { return }
            installed = true
            atexit { TestCluster.cleanUpAtExit() }
        }
    }

    /// Stops every registered cluster and deletes its directory. Runs at exit.
    public static func cleanUpAtExit() {
        let all = registry.withLock { $0 }
        for entry in all {
            if let pid = entry.cluster.runningPostmasterPID {
                kill(pid, SIGINT)  // fast shutdown
                let deadline = Date().addingTimeInterval(15)
                while entry.cluster.runningPostmasterPID != nil && Date() < deadline { usleep(20_000) }
                if let stubborn = entry.cluster.runningPostmasterPID { kill(stubborn, SIGKILL) }
            }
            try? FileManager.default.removeItem(atPath: entry.root)
        }
    }

    private static func makeTempDirectory() throws -> String {
        var template = Array("/tmp/eop-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        let path = String(cString: made)
        chmod(path, 0o711)  // the postgres user must pass through when tests run as root
        return path
    }
}
