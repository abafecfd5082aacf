import Foundation
import Logging
import Synchronization

/// A private PostgreSQL cluster under a directory, reached only by Unix socket.
///
/// Layout under `directory` (default `.eop/db` in the working directory):
/// `data/` (the cluster), `run/` (the socket), `superuser.password` (0600,
/// random password of superuser `eop`), `postgres.log` (server log).
///
/// ``start()`` runs initdb on first use (superuser `eop`, scram-sha-256 on
/// the local socket, TCP refused, UTF8, locale C), writes `data/eop.conf`
/// (`listen_addresses = ''`, the socket directory, `max_connections`, extra
/// settings), starts the server with `pg_ctl start -w`, waits until it
/// accepts connections and creates the database `eop` if missing. Later
/// starts reuse the data. A stale `postmaster.pid` (its process gone) is
/// removed; a live postmaster on the same data directory is an error naming
/// its pid. ``stop()`` is `pg_ctl stop -m fast -w`.
///
/// Root: PostgreSQL refuses to run as root, so when this process is root
/// every command runs as the `postgres` system user (`runuser -u postgres`),
/// which is given the directory. Its parent directories must be traversable
/// by that user.
///
/// Threading: Sendable; do not call ``start()`` and ``stop()`` concurrently.
public final class EmbeddedPostgres: Sendable {
    /// The cluster's root directory (absolute).
    public let directory: String
    /// `directory/data`.
    public let dataDirectory: String
    /// `directory/run`: the Unix socket lives here.
    public let socketDirectory: String
    /// `directory/superuser.password`.
    public let passwordFile: String
    /// `directory/postgres.log`.
    public let logFile: String
    /// Superuser name (`eop`).
    public let superuser: String
    /// Database created at start (`eop`).
    public let database: String
    /// Port number; with no TCP it only names the socket file `.s.PGSQL.<port>`.
    public let port: Int
    /// `max_connections`.
    public let maxConnections: Int
    /// Extra `postgresql.conf` settings written to `eop.conf` at every start.
    public let settings: [String: String]
    /// How long start waits for the server to accept connections.
    public let startTimeout: Duration

    let binDirectoryOverride: String?
    let logger: Logger
    let runner: CommandRunner
    private let password = Mutex<String?>(nil)

    /// Describes a cluster; nothing touches the disk until ``start()``.
    /// - Parameters:
    ///   - directory: root of the cluster; relative paths resolve against the
    ///     current directory.
    ///   - binDirectory: where `initdb`/`pg_ctl` live; default `$EOP_PG_BINDIR`,
    ///     then `pg_config --bindir`, then the newest `/usr/lib/postgresql/*/bin`.
    ///   - settings: extra server settings, e.g. `["fsync": "off"]` (values are quoted for you).
    public init(
        directory: String = ".eop/db", superuser: String = "eop", database: String = "eop",
        port: Int = 5432, maxConnections: Int = 300, settings: [String: String] = [:],
        binDirectory: String? = nil, startTimeout: Duration = .seconds(60),
        logger: Logger = Logger(label: "eop.storage.embedded")
    ) {
        let absolute = directory.hasPrefix("/")
            ? directory : FileManager.default.currentDirectoryPath + "/" + directory
        let root = URL(fileURLWithPath: absolute).standardizedFileURL.path
        self.directory = root
        self.dataDirectory = root + "/data"
        self.socketDirectory = root + "/run"
        self.passwordFile = root + "/superuser.password"
        self.logFile = root + "/postgres.log"
        self.superuser = superuser
        self.database = database
        self.port = port
        self.maxConnections = maxConnections
        self.settings = settings
        self.binDirectoryOverride = binDirectory
        self.startTimeout = startTimeout
        self.logger = logger
        self.runner = CommandRunner(logger: logger)
    }

    /// libpq connection string for the superuser to ``database`` over the socket.
    /// Contains the password: do not log it.
    /// - Throws: if the cluster was never initialised (no password file).
    public var connectionString: String {
        get throws { try connectionString(database: database) }
    }

    /// libpq connection string for the superuser to `database`.
    public func connectionString(database: String) throws -> String {
        let secret = try readPassword()
        return "host=\(Self.quote(socketDirectory)) port=\(port) dbname=\(Self.quote(database)) "
            + "user=\(Self.quote(superuser)) password=\(Self.quote(secret))"
    }

    /// The pid in `postmaster.pid` if that postmaster process is alive, else `nil`.
    public var runningPostmasterPID: Int32? {
        guard let pid = postmasterPIDFromFile() else { return nil }
        return ProcessProbe.isPostgres(pid) ? pid : nil
    }

    /// True if a postmaster is running on ``dataDirectory``.
    public var isRunning: Bool { runningPostmasterPID != nil }

    /// Creates (first run) and starts the cluster, then waits until it accepts connections.
    /// - Throws: ``EmbeddedPostgresError`` (`alreadyRunning` with the pid if a
    ///   postmaster already serves this data directory; `commandFailed` with the
    ///   command's stderr and the server log tail), or ``PostgresError``.
    public func start() async throws {
        let binDirectory = try await resolveBinDirectory()
        let owner = try FileOwner.forServer()
        try prepareDirectories(owner: owner)

        if let pid = postmasterPIDFromFile() {
            if ProcessProbe.isPostgres(pid) {
                throw EmbeddedPostgresError.alreadyRunning(pid: pid, dataDirectory: dataDirectory)
            }
            logger.warning("removing stale postmaster.pid (process gone)", metadata: ["pid": "\(pid)"])
            try? FileManager.default.removeItem(atPath: dataDirectory + "/postmaster.pid")
            let lock = socketDirectory + "/.s.PGSQL.\(port).lock"
            if let text = try? String(contentsOfFile: lock, encoding: .utf8),
               let lockPID = Int32(text.split(separator: "\n").first ?? ""), !ProcessProbe.isPostgres(lockPID) {
                try? FileManager.default.removeItem(atPath: lock)
                try? FileManager.default.removeItem(atPath: socketDirectory + "/.s.PGSQL.\(port)")
            }
        }

        if !FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") {
            try await initialise(binDirectory: binDirectory, owner: owner)
        }
        try writeConfiguration(owner: owner)
        try await startServer(binDirectory: binDirectory)
        try await waitUntilReady()
        try ensureDatabase()
        logger.info("embedded PostgreSQL ready", metadata: [
            "data": .string(dataDirectory), "socket": .string(socketDirectory),
        ])
    }

    /// Stops the server (`pg_ctl stop -m fast -w`): open sessions are
    /// disconnected, transactions rolled back. No-op if it is not running.
    public func stop() async throws {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/postmaster.pid") else { return }
        let binDirectory = try await resolveBinDirectory()
        if runningPostmasterPID == nil {
            logger.warning("postmaster.pid present but no server running; nothing to stop")
            return
        }
        _ = try await runner.run(
            binDirectory + "/pg_ctl",
            ["stop", "-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "-s"],
            workingDirectory: directory)
        logger.info("embedded PostgreSQL stopped", metadata: ["data": .string(dataDirectory)])
    }

    // MARK: - Steps

    private func prepareDirectories(owner: FileOwner?) throws {
        let socketPath = socketDirectory + "/.s.PGSQL.\(port).lock"
        if socketPath.utf8.count > 107 { throw EmbeddedPostgresError.socketPathTooLong(path: socketPath) }
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try fm.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        } catch {
            throw EmbeddedPostgresError.setupFailed("cannot create \(directory): \(error)")
        }
        chmod(directory, 0o700)
        chmod(socketDirectory, 0o700)
        if let owner {
            try owner.give(directory)
            try owner.give(socketDirectory)
            try owner.checkTraversable(directory)
        }
    }

    private func initialise(binDirectory: String, owner: FileOwner?) async throws {
        logger.info("initialising embedded PostgreSQL cluster", metadata: ["data": .string(dataDirectory)])
        let secret = Self.randomPassword()
        let fm = FileManager.default
        guard fm.createFile(atPath: passwordFile, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw EmbeddedPostgresError.setupFailed("cannot write \(passwordFile)")
        }
        chmod(passwordFile, 0o600)
        try owner?.give(passwordFile)
        _ = try await runner.run(binDirectory + "/initdb", [
            "-D", dataDirectory, "-U", superuser, "--pwfile=\(passwordFile)",
            "--auth-local=scram-sha-256", "--auth-host=reject",
            "--encoding=UTF8", "--locale=C", "--no-instructions",
        ], workingDirectory: directory)
        let conf = dataDirectory + "/postgresql.conf"
        let include = "\n# EOP: settings rewritten at every start\ninclude_if_exists = 'eop.conf'\n"
        guard let handle = FileHandle(forWritingAtPath: conf) else {
            throw EmbeddedPostgresError.setupFailed("cannot open \(conf)")
        }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(include.utf8))
        password.withLock { $0 = secret }
    }

    private func writeConfiguration(owner: FileOwner?) throws {
        var lines = [
            "# Written by EOP (EmbeddedPostgres) at every start; edits here are overwritten.",
            "listen_addresses = ''",
            "unix_socket_directories = \(Self.quote(socketDirectory))",
            "port = \(port)",
            "max_connections = \(maxConnections)",
        ]
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            lines.append("\(key) = \(Self.quote(value))")
        }
        let path = dataDirectory + "/eop.conf"
        do {
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        } catch {
            throw EmbeddedPostgresError.setupFailed("cannot write \(path): \(error)")
        }
        chmod(path, 0o600)
        try owner?.give(path)
    }

    private func startServer(binDirectory: String) async throws {
        var attempt = 0
        while true {
            attempt += 1
            do {
                _ = try await runner.run(
                    binDirectory + "/pg_ctl",
                    ["start", "-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-s"],
                    workingDirectory: directory)
                return
            } catch let EmbeddedPostgresError.commandFailed(command, status, stderr) {
                let log = Self.tail(of: logFile, lines: 15)
                // After a kill -9 the dead postmaster's children may hold the old
                // shared memory for a moment; PostgreSQL refuses until they exit.
                if attempt < 20, log.contains("pre-existing shared memory block") {
                    try await Task.sleep(for: .milliseconds(250))
                    continue
                }
                throw EmbeddedPostgresError.commandFailed(
                    command: command, status: status, stderr: stderr + "\n--- \(logFile) (tail) ---\n" + log)
            }
        }
    }

    private func waitUntilReady() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        var lastError = ""
        while clock.now - started < startTimeout {
            do {
                let connection = try PostgresConnection(try connectionString(database: "postgres"), logger: logger)
                connection.close()
                return
            } catch {
                lastError = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw EmbeddedPostgresError.notReady(waited: clock.now - started, lastError: lastError)
    }

    private func ensureDatabase() throws {
        let connection = try PostgresConnection(try connectionString(database: "postgres"), logger: logger)
        defer { connection.close() }
        let found = try connection.execute("SELECT 1 FROM pg_database WHERE datname = $1", [PostgresValue(database)])
        if found.rowCount == 0 {
            _ = try connection.execute("CREATE DATABASE \(try connection.quoteIdentifier(database)) ENCODING 'UTF8'")
        }
    }

    // MARK: - Helpers

    private func resolveBinDirectory() async throws -> String {
        var searched: [String] = []
        func usable(_ dir: String) -> Bool {
            searched.append(dir)
            return FileManager.default.isExecutableFile(atPath: dir + "/pg_ctl")
                && FileManager.default.isExecutableFile(atPath: dir + "/initdb")
        }
        if let dir = binDirectoryOverride ?? ProcessInfo.processInfo.environment["EOP_PG_BINDIR"] {
            if usable(dir) { return dir }
            throw EmbeddedPostgresError.binariesNotFound(searched: searched)
        }
        if let output = try? await runner.run("pg_config", ["--bindir"], asServerUser: false),
           case let dir = output.trimmingCharacters(in: .whitespacesAndNewlines), usable(dir) {
            return dir
        }
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions where usable("\(base)/\(version)/bin") { return "\(base)/\(version)/bin" }
        throw EmbeddedPostgresError.binariesNotFound(searched: searched)
    }

    private func readPassword() throws -> String {
        if let cached = password.withLock({ $0 }) { return cached }
        guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
            throw EmbeddedPostgresError.setupFailed("no superuser password at \(passwordFile); start() the cluster first")
        }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        password.withLock { $0 = secret }
        return secret
    }

    private func postmasterPIDFromFile() -> Int32? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
              let first = text.split(separator: "\n").first else { return nil }
        return Int32(first.trimmingCharacters(in: .whitespaces))
    }

    static func randomPassword() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Single-quotes a value for libpq conninfo and postgresql.conf (`\` and `'` escaped).
    static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    static func tail(of path: String, lines: Int) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "(no log at \(path))" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}
