import EOPABI
import EOPDispatch
import EOPEventLog
import EOPLoader
import EOPStorage
import EOPGateway
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Durable facts and module storage on a real PostgreSQL")
struct StorageIntegrationTests {
    @Test("a module's role cannot read another module's tables, the host's tables, or switch roles, even with hand-written SQL")
    func roleIsolation() async throws {
        let db = try await TestDatabase.make()
        let ws = try Workspace()
        let a = try ws.counter("alpha")
        let b = try ws.counter("bravo")
        let (host, log) = try ws.durableHost(db)
        defer { host.shutdown(); log.shutdown() }
        host.boot()
        #expect(host.plugin(a)?.state == .active, "\(host.reason(a))")
        #expect(host.plugin(b)?.state == .active, "\(host.reason(b))")
        let bSchema = ModuleDatabase.identifier(for: b), aSchema = ModuleDatabase.identifier(for: a)
        func run(_ sql: String) throws -> (Int, String) {
            let r = try host.ask("\(a).counter.sql", sql)
            return (r["status"] as? Int ?? -99, r["sqlstate"] as? String ?? "")
        }
        #expect(try run("SELECT count(*) FROM counted") == (Int(EOP_OK), ""), "its own table, found through its search_path")
        #expect(try run("SELECT count(*) FROM \(aSchema).counted").0 == Int(EOP_OK))
        #expect(try run("SELECT count(*) FROM \(bSchema).counted") == (Int(EOP_FAIL), "42501"))
        #expect(try run("SELECT count(*) FROM eop.modules") == (Int(EOP_FAIL), "42501"), "the host's table holds passwords")
        #expect(try run("SELECT count(*) FROM eop.events") == (Int(EOP_FAIL), "42501"))
        let admin = try db.connect()
        defer { admin.close() }
        let bOwner = try admin.execute("SELECT owner_role FROM eop.modules WHERE id = $1", [PostgresValue(b)]).string(row: 0, column: 0) ?? ""
        #expect(bOwner.hasPrefix("eop_m_\(bSchema)_"), "the owner role carries the database's tag")
        #expect(try run("SET ROLE \(bOwner)") == (Int(EOP_FAIL), "42501"))
        #expect(try run("SELECT set_config('role', '\(bOwner)', false)") == (Int(EOP_FAIL), "42501"))
        // RESET ROLE leaves the NOINHERIT login role, which has no rights at all.
        #expect(try run("RESET ROLE").0 == Int(EOP_OK))
        #expect(try run("SELECT count(*) FROM \(bSchema).counted") == (Int(EOP_FAIL), "42501"))
        #expect(try run("SELECT count(*) FROM \(aSchema).counted") == (Int(EOP_FAIL), "42501"))
        // Publishing by hand through the host's function checks the module's grants.
        #expect(try run("SELECT eop.enqueue(gen_random_uuid(), 'order.order.placed', 1, 'application/json', '\\x7b7d', gen_random_uuid(), NULL, 0)") == (Int(EOP_FAIL), "42501"))
    }

    @Test("facts published in a rolled-back transaction are never delivered; committed ones are, once each")
    func rollbackPublishesNothing() async throws {
        let db = try await TestDatabase.make()
        let ws = try Workspace()
        let topic = "ticker-\(UUID().uuidString.prefix(4).lowercased()).tick.happened"
        try ws.tickSchema(topic)
        let publisher = try ws.counter("ticker", publishes: topic)
        let tally = try ws.counter("tally", subscribes: topic)
        let (host, log) = try ws.durableHost(db)
        defer { host.shutdown(); log.shutdown() }
        host.boot()
        #expect(host.plugin(publisher)?.state == .active, "\(host.reason(publisher))")
        #expect(host.plugin(tally)?.state == .active, "\(host.reason(tally))")

        #expect(try host.ask("\(publisher).counter.burst", #"{"n":150,"rollback":true}"#)["published"] as? Int == 0)
        #expect(log.drain(timeout: .seconds(20)))
        #expect(try db.count("SELECT count(*) FROM eop.events WHERE topic = '\(topic)'") == 0)
        #expect(try db.count("SELECT count(*) FROM eop.outbox") == 0)
        #expect(try host.ask("\(tally).counter.stats")["rows"] as? Int == 0)

        #expect(try host.ask("\(publisher).counter.burst", #"{"n":150,"rollback":false}"#)["published"] as? Int == 150)
        #expect(log.drain(timeout: .seconds(20)))
        let stats = try host.ask("\(tally).counter.stats")
        #expect(stats["rows"] as? Int == 150)
        #expect(stats["distinct"] as? Int == 150)
        #expect(try db.count("SELECT count(*) FROM \(ModuleDatabase.identifier(for: tally)).eop_inbox") == 150)
        // Order of the log is the order of publication from this one source.
        let c = try db.connect()
        defer { c.close() }
        let seqs = try c.execute("SELECT convert_from(payload, 'UTF8')::json->>'seq' FROM eop.events WHERE topic = $1 ORDER BY position", [PostgresValue(topic)])
        let numbers = (0..<seqs.rowCount).compactMap { seqs.string(row: $0, column: 0).flatMap(Int.init) }
        #expect(numbers == Array(0..<150))
    }

    @Test("migrations run once and are recorded; a changed applied migration is refused, naming it")
    func migrations() async throws {
        let db = try await TestDatabase.make()
        let ws = try Workspace()
        let id = try ws.counter("migrating")
        let schema = ModuleDatabase.identifier(for: id)
        do {
            let (host, log) = try ws.durableHost(db)
            host.boot()
            #expect(host.plugin(id)?.state == .active, "\(host.reason(id))")
            host.shutdown(); log.shutdown()
        }
        #expect(try db.count("SELECT count(*) FROM \(schema).eop_migrations") == 1)
        let firstApplied = try db.count("SELECT extract(epoch FROM applied_at)::bigint * 1000000 + extract(microseconds FROM applied_at)::bigint FROM \(schema).eop_migrations")
        do {
            let (host, log) = try ws.durableHost(db)
            host.boot()
            #expect(host.plugin(id)?.state == .active)
            host.shutdown(); log.shutdown()
        }
        #expect(try db.count("SELECT count(*) FROM \(schema).eop_migrations") == 1)
        #expect(try db.count("SELECT extract(epoch FROM applied_at)::bigint * 1000000 + extract(microseconds FROM applied_at)::bigint FROM \(schema).eop_migrations") == firstApplied)

        let file = ws.manifests.appendingPathComponent("\(id)/migrations/0001_create_counted.sql")
        try (String(contentsOf: file, encoding: .utf8) + "\n-- edited after release\n").write(to: file, atomically: true, encoding: .utf8)
        let (host, log) = try ws.durableHost(db)
        defer { host.shutdown(); log.shutdown() }
        host.boot()
        #expect(host.plugin(id)?.state == .failed)
        #expect(host.reason(id).contains("migration 0001_create_counted.sql of '\(id)' was changed after it was applied"), "\(host.reason(id))")
    }

    @Test("a failing migration rolls back whole and refuses the plugin with the file and PostgreSQL's reason")
    func failingMigration() async throws {
        let db = try await TestDatabase.make()
        let ws = try Workspace()
        let id = try ws.counter("broken")
        try "CREATE TABLE half (x int);\nCREATE TABLE oops (;\n".write(to: ws.manifests.appendingPathComponent("\(id)/migrations/0002_broken.sql"), atomically: true, encoding: .utf8)
        let (host, log) = try ws.durableHost(db)
        defer { host.shutdown(); log.shutdown() }
        host.boot()
        #expect(host.plugin(id)?.state == .failed)
        #expect(host.reason(id).contains("migration 0002_broken.sql of '\(id)' failed and was rolled back"), "\(host.reason(id))")
        #expect(host.reason(id).contains("42601"), "\(host.reason(id))")
        let schema = ModuleDatabase.identifier(for: id)
        #expect(try db.count("SELECT count(*) FROM information_schema.tables WHERE table_schema = '\(schema)' AND table_name = 'half'") == 0)
        #expect(try db.count("SELECT count(*) FROM \(schema).eop_migrations") == 1)
    }

    @Test("a FAILing subscriber's facts land in the dead-letter table; a replay is delivered once")
    func durableDeadLetters() async throws {
        let db = try await TestDatabase.make()
        let ws = try Workspace()
        let topic = "probe.thing.happened"
        try ws.tickSchema(topic)
        let failing = "failing-\(UUID().uuidString.prefix(6).lowercased())"
        try ws.probe(failing)
        try ws.manifest(failing, probeManifest(failing, subscribes: #"[{"topic": "\#(topic)", "handler": "probe_retry_twice"}]"#))
        let (host, log) = try ws.durableHost(db, retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2)))
        defer { host.shutdown(); log.shutdown() }
        host.boot()
        #expect(host.plugin(failing)?.state == .active, "\(host.reason(failing))")
        try host.publish(topic: topic, payload: Data(#"{"seq":1}"#.utf8), source: "operator")
        #expect(log.drain(timeout: .seconds(20)))
        let letters = try EventLog.deadLetters(target: db.target)
        #expect(letters.count == 1)
        let letter = try #require(letters.first)
        #expect(letter.subscriber == failing)
        #expect(letter.reason == "gave up after 2 attempts: not yet")
        // The probe answers OK from its third call on: the replay succeeds, once.
        _ = try EventLog.requestReplay(deadLetter: letter.id, target: db.target)
        _ = try EventLog.requestReplay(deadLetter: letter.id, target: db.target)
        let deadline = Date().addingTimeInterval(20)
        while try EventLog.deadLetters(target: db.target).first?.replayedAt == nil, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try EventLog.deadLetters(target: db.target).first?.replayedAt != nil)
        #expect(try host.probeState(failing)["ok"] as? Int == 1)
        #expect(try db.count("SELECT count(*) FROM \(ModuleDatabase.identifier(for: failing)).eop_inbox") == 1)
    }

    @Test("a handler that returns OK after a failed SQL statement is dead-lettered with the reason; later facts still flow")
    func okAfterFailedSQL() async throws {
        let db = try await TestDatabase.make()
        let ws = try Workspace()
        let topic = "careless.tick.happened"
        try ws.tickSchema(topic)
        let careless = try ws.counter("careless", subscribes: topic)
        let manifest = ws.manifests.appendingPathComponent("\(careless)/manifest.json")
        try String(contentsOf: manifest, encoding: .utf8).replacingOccurrences(of: "counter_on_tick", with: "counter_careless")
            .write(to: manifest, atomically: true, encoding: .utf8)
        let tally = try ws.counter("tally", subscribes: topic)
        let (host, log) = try ws.durableHost(db)
        defer { host.shutdown(); log.shutdown() }
        host.boot()
        for i in 0..<3 { try host.publish(topic: topic, payload: Data("{\"seq\":\(i)}".utf8), source: "operator") }
        #expect(log.drain(timeout: .seconds(20)))
        let letters = try EventLog.deadLetters(target: db.target)
        #expect(letters.count == 3)
        #expect(letters.allSatisfy { $0.subscriber == careless && $0.reason.contains("returned OK although one of its SQL statements failed") && $0.reason.contains("42P01") })
        #expect(try host.ask("\(tally).counter.stats")["rows"] as? Int == 3, "the other subscriber is not held up")
    }

    @Test("a route handler that leaves a transaction open: it is rolled back on the thread that ran it, and the next request on that thread begins afresh")
    func routeLeavesTransactionOpen() async throws {
        let db = try await TestDatabase.make()
        let ws = try Workspace()
        let id = try ws.counter("forgetful")
        let (host, log) = try ws.durableHost(db)
        defer { host.shutdown(); log.shutdown() }
        host.boot()
        #expect(host.plugin(id)?.state == .active, "\(host.reason(id))")
        let gateway = Gateway(plugins: host, configuration: .init(port: 0))
        try await gateway.application().test(.live) { client in
            // More requests than worker threads are likely to exist: some thread serves twice.
            for _ in 0..<12 {
                try await client.execute(uri: "/api/\(id)/forget", method: .post) { r in #expect(r.status == .ok) }
            }
        }
        #expect(try host.ask("\(id).counter.stats")["rows"] as? Int == 0, "nothing a forgotten transaction wrote is kept")
    }
}
