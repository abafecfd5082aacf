import EOPStorage
import EOPTesting
import Foundation
import Testing

@Suite("EmbeddedPostgres cluster lifecycle")
struct EmbeddedPostgresTests {
    @Test("a restart reuses the data: a table made before stop survives")
    func restartKeepsData() async throws {
        let cluster = try TestCluster.makePrivate()
        try await cluster.start()
        #expect(cluster.isRunning)
        let attributes = try FileManager.default.attributesOfItem(atPath: cluster.passwordFile)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let password = try String(contentsOfFile: cluster.passwordFile, encoding: .utf8)
        #expect(password.trimmingCharacters(in: .whitespacesAndNewlines).count == 48)
        do {
            let conn = try PostgresConnection(try cluster.connectionString)
            _ = try conn.execute("CREATE TABLE kept (note text)")
            _ = try conn.execute("INSERT INTO kept VALUES ($1)", ["survives"])
            #expect(try conn.execute("SHOW max_connections").string(row: 0, column: 0) == "20")
            conn.close()
        }
        try await cluster.stop()
        #expect(!cluster.isRunning)
        #expect(!FileManager.default.fileExists(atPath: cluster.dataDirectory + "/postmaster.pid"))

        try await cluster.start()
        let conn = try PostgresConnection(try cluster.connectionString)
        #expect(try conn.execute("SELECT note FROM kept").string(row: 0, column: 0) == "survives")
        conn.close()
        try await cluster.stop()
    }

    @Test("a stale postmaster.pid from a killed server is cleared and the cluster starts")
    func stalePidAfterKill() async throws {
        let cluster = try TestCluster.makePrivate()
        try await cluster.start()
        do {
            let conn = try PostgresConnection(try cluster.connectionString)
            _ = try conn.execute("CREATE TABLE before_crash (x int)")
            conn.close()
        }
        let pid = try #require(cluster.runningPostmasterPID)
        #expect(kill(pid, SIGKILL) == 0)
        let deadline = Date().addingTimeInterval(10)
        while cluster.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!cluster.isRunning)
        #expect(FileManager.default.fileExists(atPath: cluster.dataDirectory + "/postmaster.pid"))

        try await cluster.start()
        let newPID = try #require(cluster.runningPostmasterPID)
        #expect(newPID != pid)
        let conn = try PostgresConnection(try cluster.connectionString)
        #expect(try conn.execute("SELECT count(*) FROM before_crash").int64(row: 0, column: 0) == 0)
        conn.close()
        try await cluster.stop()
        #expect(!cluster.isRunning)
    }

    @Test("a second start on a running cluster is refused, naming the postmaster pid")
    func refusesSecondStart() async throws {
        let running = try await TestCluster.shared()
        let pid = try #require(running.runningPostmasterPID)
        let intruder = EmbeddedPostgres(directory: running.directory)
        let error = try await #require(throws: EmbeddedPostgresError.self) { try await intruder.start() }
        guard case let .alreadyRunning(reported, dataDirectory) = error else {
            Issue.record("expected alreadyRunning, got \(error)"); return
        }
        #expect(reported == pid)
        #expect(dataDirectory == running.dataDirectory)
        #expect(error.description.contains("pid \(pid)"))
        // The running cluster is untouched.
        let conn = try await TestCluster.connect()
        #expect(try conn.execute("SELECT 1").int64(row: 0, column: 0) == 1)
    }

    @Test("a failing command reports its stderr")
    func commandErrorCarriesStderr() async throws {
        let cluster = try TestCluster.makePrivate()
        // Make the data directory unusable: a file where initdb wants a directory.
        try FileManager.default.createDirectory(atPath: cluster.directory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: cluster.dataDirectory, contents: Data("x".utf8))
        let error = try await #require(throws: EmbeddedPostgresError.self) { try await cluster.start() }
        guard case let .commandFailed(command, _, stderr) = error else {
            Issue.record("expected commandFailed, got \(error)"); return
        }
        #expect(command.contains("initdb"))
        #expect(stderr.contains("initdb:"))
    }
}
