import EOPEventLog
import EOPStorage
import Foundation
import Testing

/// `eop run` as a child process on a test database.
final class HostProcess {
    let process = Process()
    let home: URL
    let log: URL

    /// Starts `eop run` with `EOP_HOME=home` and `environment`, logging to `log`.
    init(home: URL, environment: [String: String], log: URL) throws {
        self.home = home
        self.log = log
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = Repo.buildDirectory.appendingPathComponent("eop")
        process.arguments = ["run"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }.merging(["EOP_HOME": home.path]) { $1 }
        process.currentDirectoryURL = Repo.root
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// A host on a test database serving the workspace's plugins.
    convenience init(_ ws: Workspace, database: TestDatabase, name: String) throws {
        try self.init(home: ws.root.appendingPathComponent("home-\(name)"), environment: [
            "EOP_DATABASE_URL": database.url, "EOP_PLUGIN_PATH": ws.manifests.path,
            "EOP_LIBRARY_PATH": ws.libraries.path, "EOP_EVENTS_DIR": ws.events.path,
            "EOP_TIERS": Repo.root.appendingPathComponent("Manifests/tiers.json").path, "EOP_HTTP_PORT": "0",
        ], log: ws.root.appendingPathComponent("\(name).log"))
    }

    /// The run state's field, once the host has booted.
    func runState(_ field: String) -> Any? {
        (try? JSONSerialization.jsonObject(with: Data(contentsOf: home.appendingPathComponent("run/host.json"))) as? [String: Any])?[field]
    }

    /// Waits until the host has booted (its state file exists).
    func waitReady() throws {
        let state = home.appendingPathComponent("run/host.json")
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: state.path) {
            guard process.isRunning, Date() < deadline else { throw FixtureError("host did not start: \(output)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    func interrupt() {
        if process.isRunning { kill(process.processIdentifier, SIGINT) }
        process.waitUntilExit()
    }

    func killHard() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
}

/// Blocks the calling thread (tests that drive child processes wait on purpose).
func nap(_ seconds: Double) { Thread.sleep(forTimeInterval: seconds) }

/// Waits until `condition` holds, up to `seconds`.
func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}

@Suite("Host processes sharing one database", .serialized)
struct HostProcessTests {
    @Test("a host killed -9 while handling a committed fact: after restart the fact is handled exactly once")
    func killBetweenCommitAndDelivery() async throws {
        let db = try await TestDatabase.make()
        let ws = try Workspace()
        let topic = "crashy.tick.happened"
        try ws.tickSchema(topic)
        let marker = ws.root.appendingPathComponent("crash-now")
        let tally = try ws.counter("tally", subscribes: topic, crashMarker: marker.path)
        let schema = ModuleDatabase.identifier(for: tally)

        let first = try HostProcess(ws, database: db, name: "first")
        try first.waitReady()
        try Data().write(to: marker)
        let c = try db.connect()
        defer { c.close() }
        _ = try c.execute("""
            INSERT INTO eop.outbox (event_id, topic, schema_version, content_type, payload, source, correlation_id, published_us)
            VALUES (gen_random_uuid(), $1, 1, 'application/json', '\\x7b7d', 'operator', gen_random_uuid(), 0)
            """, [PostgresValue(topic)])
        _ = try c.execute("SELECT pg_notify('eop_outbox', '')")
        first.process.waitUntilExit()
        #expect(first.process.terminationReason == .uncaughtSignal && first.process.terminationStatus == SIGKILL, "\(first.output)")
        #expect(!FileManager.default.fileExists(atPath: marker.path), "the handler ran (and removed the marker) before the kill")
        // The kill came after the handler's INSERT, inside the open delivery transaction: nothing stuck.
        #expect(try db.count("SELECT count(*) FROM \(schema).counted") == 0)
        #expect(try db.count("SELECT count(*) FROM eop.events WHERE topic = '\(topic)'") == 1, "the fact itself was committed")

        let second = try HostProcess(ws, database: db, name: "second")
        try second.waitReady()
        #expect(try eventually(30) { try db.count("SELECT count(*) FROM \(schema).counted") >= 1 }, "\(second.output)")
        nap(0.5)
        second.interrupt()
        #expect(try db.count("SELECT count(*) FROM \(schema).counted") == 1)
        #expect(try db.count("SELECT count(*) FROM \(schema).eop_inbox") == 1)
        #expect(try db.count("SELECT count(*) FROM eop.dead_letters") == 0)
        #expect(second.process.terminationStatus == 0, "\(second.output)")
    }

    @Test("two hosts on one database deliver 10,000 facts to a counting subscriber, one host killed midway: 0 lost, 0 doubled")
    func twoHostsOneKilled() async throws {
        let db = try await TestDatabase.make()
        let ws = try Workspace()
        let topic = "burst.tick.happened"
        try ws.tickSchema(topic)
        let tally = try ws.counter("tally", subscribes: topic)
        let schema = ModuleDatabase.identifier(for: tally)
        let a = try HostProcess(ws, database: db, name: "a")
        let b = try HostProcess(ws, database: db, name: "b")
        try a.waitReady()
        try b.waitReady()

        let c = try db.connect()
        defer { c.close() }
        func publish(_ range: Range<Int>) throws {
            _ = try c.execute("""
                INSERT INTO eop.outbox (event_id, topic, schema_version, content_type, payload, source, correlation_id, published_us)
                SELECT gen_random_uuid(), $1, 1, 'application/json', convert_to(json_build_object('seq', s)::text, 'UTF8'), 'operator', gen_random_uuid(), s
                FROM generate_series($2::int, $3::int) AS s ORDER BY s
                """, [PostgresValue(topic), PostgresValue(range.lowerBound), PostgresValue(range.upperBound - 1)])
            _ = try c.execute("SELECT pg_notify('eop_outbox', '')")
        }
        for start in stride(from: 0, to: 4_000, by: 500) { try publish(start..<(start + 500)); nap(0.05) }
        // Kill one host while it works (relay or consumer or both may be on it).
        _ = eventually(20) { ((try? db.count("SELECT count(*) FROM \(schema).counted")) ?? 0) > 1_000 }
        a.killHard()
        for start in stride(from: 4_000, to: 10_000, by: 500) { try publish(start..<(start + 500)); nap(0.02) }

        #expect(try eventually(90) { try db.count("SELECT count(*) FROM \(schema).counted") >= 10_000 }, "\(b.output.suffix(2000))")
        nap(0.5)
        b.interrupt()
        #expect(try db.count("SELECT count(*) FROM \(schema).counted") == 10_000)
        #expect(try db.count("SELECT count(DISTINCT event_id) FROM \(schema).counted") == 10_000)
        #expect(try db.count("SELECT count(*) FROM eop.events WHERE topic = '\(topic)'") == 10_000)
        #expect(try db.count("SELECT count(*) FROM eop.dead_letters") == 0)
        #expect(try db.count("SELECT count(*) FROM eop.outbox") == 0)
    }
}
