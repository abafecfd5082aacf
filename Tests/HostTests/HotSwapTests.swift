import EOPABI
import EOPDispatch
import EOPEventLog
import EOPLoader
import EOPManifest
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing

/// The hot-swap fixture (Fixtures/loadgen.c and its Swift twins): a source that numbers
/// the facts it publishes on four streams, and a counter that checks every number is
/// the next one of its stream. Both carry their numbers across swaps as state.
extension Workspace {
    static let loadgen = Repo.root.appendingPathComponent("Tests/HostTests/Fixtures/loadgen.c")

    enum LoadRole: String { case source = "load-source", counter = "load-counter" }

    /// Writes one version of a fixture plugin into its own folder (manifest + library)
    /// and returns the folder. In `manifests/` when `boot`, else under `versions/`.
    @discardableResult
    func loadVersion(_ role: LoadRole, _ version: String, swift: Bool = false, defines: [String] = [], boot: Bool = false,
                     publishes: Bool = true, migrations: [String: String] = [:], tag: String = "") throws -> URL {
        let folder = (boot ? manifests : root.appendingPathComponent("versions")).appendingPathComponent("\(role.rawValue)-\(version)\(tag)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("migrations"), withIntermediateDirectories: true)
        let library: String
        if swift {
            library = role == .source ? "libLoadSourceSwift.so" : "libLoadCounterSwift.so"
            try FileManager.default.copyItem(at: Repo.buildDirectory.appendingPathComponent(library), to: folder.appendingPathComponent(library))
        } else {
            library = "libloadgen.so"
            try compileC(Workspace.loadgen, library: "loadgen-\(role.rawValue)-\(version)\(tag).so",
                         defines: ["PLUGIN_ID=\"\(role.rawValue)\"", "PLUGIN_VERSION=\"\(version)\"", role == .source ? "ROLE_SOURCE" : "ROLE_COUNTER"] + defines)
            try FileManager.default.moveItem(at: libraries.appendingPathComponent("loadgen-\(role.rawValue)-\(version)\(tag).so"),
                                             to: folder.appendingPathComponent(library))
        }
        for (name, sql) in migrations { try Data(sql.utf8).write(to: folder.appendingPathComponent("migrations/\(name)")) }
        let body: String
        switch role {
        case .source:
            body = #""publishes": \#(publishes ? #"["load-source.tick.emitted"]"# : "[]"), "answers": [{"topic": "load-source.emit.run", "handler": "load_emit"}]"#
        case .counter:
            body = #""subscribes": [{"topic": "load-source.tick.emitted", "handler": "load_on_tick"}], "answers": [{"topic": "load-counter.stats.get", "handler": "load_stats"}]"#
        }
        try Data("""
        {"id": "\(role.rawValue)", "version": "\(version)", "abi": "\(currentABI)", "library": "\(library)", "runtime": "\(swift ? "swift" : "c")",
         "release_date": "2026-11-01", \(body)}
        """.utf8).write(to: folder.appendingPathComponent("manifest.json"))
        return folder
    }

    /// The schemas of the fixture's topics.
    func loadSchemas() throws {
        try schema("load-source.tick.emitted", #"{"topic": "load-source.tick.emitted", "kind": "fact", "owner": "load-source", "version": 1, "payload": {"type": "object", "properties": {"stream": {"type": "integer"}, "seq": {"type": "integer"}}}}"#)
        try schema("load-source.emit.run", #"{"topic": "load-source.emit.run", "kind": "command", "owner": "load-source", "version": 1, "payload": {"type": "object", "properties": {"n": {"type": "integer"}}}}"#)
        try schema("load-counter.stats.get", #"{"topic": "load-counter.stats.get", "kind": "query", "owner": "load-counter", "version": 1, "payload": {"type": "object"}}"#)
    }
}

extension PluginHost {
    /// Asks the source for `n` facts; returns its running total.
    @discardableResult
    func emit(_ n: Int) throws -> Int { try ask("load-source.emit.run", #"{"n": \#(n)}"#)["published"] as? Int ?? -1 }

    /// The counter's figures.
    func counterStats() throws -> (received: Int, lost: Int, doubled: Int, version: String) {
        let s = try ask("load-counter.stats.get")
        return (s["received"] as? Int ?? -1, s["lost"] as? Int ?? -1, s["doubled"] as? Int ?? -1, s["version"] as? String ?? "?")
    }
}

@Suite("Hot swap: a module's version replaced under load, nothing lost or doubled", .serialized)
struct HotSwapTests {
    @Test("5,000 facts/s for 20 s; source and counter each swapped three times (C and Swift): 0 lost, 0 doubled, order and state kept")
    func swapUnderLoad() async throws {
        let ws = try Workspace()
        try ws.loadSchemas()
        try ws.loadVersion(.source, "1.0.0", boot: true)
        try ws.loadVersion(.counter, "1.0.0", swift: false, boot: true)
        let sourceVersions = [try ws.loadVersion(.source, "2.0.0"), try ws.loadVersion(.source, "3.0.0", swift: true), try ws.loadVersion(.source, "4.0.0")]
        let counterVersions = [try ws.loadVersion(.counter, "2.0.0", swift: false), try ws.loadVersion(.counter, "3.0.0", swift: true), try ws.loadVersion(.counter, "4.0.0")]
        let host = try ws.host()
        host.boot()
        #expect(host.plugin("load-source")?.state == .active, "\(host.reason("load-source"))")
        #expect(host.plugin("load-counter")?.state == .active, "\(host.reason("load-counter"))")

        // The load: 50 facts every 10 ms for 20 s (bounded: 100,000 facts).
        let ticks = 2_000, perTick = 50
        let published = Atomic<Int>(0)
        let loadFailures = Mutex<[String]>([])
        let load = Thread {
            let start = Date()
            for i in 0..<ticks {
                let due = start.addingTimeInterval(Double(i) * 0.010)
                if due > Date() { Thread.sleep(until: due) }
                do { published.store(try host.emit(perTick), ordering: .relaxed) } catch { loadFailures.withLock { $0.append("\(error)") } }
            }
        }
        load.start()

        // Swaps spread over the run, alternating source and counter.
        var records: [SwapRecord] = []
        for round in 0..<3 {
            for (role, versions) in [("load-source", sourceVersions), ("load-counter", counterVersions)] {
                try await Task.sleep(for: .milliseconds(2_500))
                let record = try host.swap(role, to: versions[round], options: SwapOptions(by: "test"))
                #expect(record.outcome == "swapped")
                records.append(record)
            }
        }
        while published.load(ordering: .relaxed) < ticks * perTick && loadFailures.withLock({ $0.isEmpty }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(loadFailures.withLock { $0 } == [])
        #expect(host.table.drain(timeout: .seconds(30)))

        let stats = try host.counterStats()
        #expect(published.load(ordering: .relaxed) == ticks * perTick, "the source's total carried across its swaps")
        #expect(stats.received == ticks * perTick, "every fact reached the counter")
        #expect(stats.lost == 0)
        #expect(stats.doubled == 0, "none twice, and each stream in order")
        #expect(stats.version == "4.0.0")
        #expect(host.plugin("load-source")?.manifest?.version.description == "4.0.0")
        #expect(records.count == 6)
        // The Swift generations stay mapped (counted); the C ones were unloaded.
        #expect(host.residentGenerations("load-source") == 1)
        #expect(host.residentGenerations("load-counter") == 1)
        let pauses = records.compactMap(\.pauseMilliseconds).sorted()
        print("hot swap under load: pauses (ms) \(pauses.map { String(format: "%.2f", $0) }.joined(separator: ", "))")
        #expect(records.allSatisfy { r in r.steps.map(\.name) == ["verify", "load", "init", "pause", "export", "import", "migrate", "activate", "switch", "resume", "retire"] })
        host.shutdown()
    }

    /// A host with the source at 1.0.0 and the counter at `counterBoot`, some facts through.
    static func running(_ ws: Workspace, counterDefines: [String] = [], initial: Int = 100) throws -> PluginHost {
        try ws.loadSchemas()
        try ws.loadVersion(.source, "1.0.0", boot: true)
        try ws.loadVersion(.counter, "1.0.0", defines: counterDefines, boot: true)
        let host = try ws.host()
        host.boot()
        try host.emit(initial)
        #expect(host.table.drain(timeout: .seconds(10)))
        return host
    }

    /// After a failed swap: the old version is still the one serving, and still counts.
    static func expectOldServes(_ host: PluginHost, received: Int) throws {
        #expect(host.plugin("load-counter")?.state == .active)
        #expect(host.plugin("load-counter")?.manifest?.version.description == "1.0.0")
        try host.emit(10)
        #expect(host.table.drain(timeout: .seconds(10)))
        let stats = try host.counterStats()
        #expect(stats.version == "1.0.0")
        #expect(stats.received == received + 10)
        #expect(stats.lost == 0 && stats.doubled == 0)
    }

    @Test("the new version's init fails: rolled back at init, the old version serves on")
    func initFails() throws {
        let ws = try Workspace()
        let host = try Self.running(ws)
        let bad = try ws.loadVersion(.counter, "2.0.0", defines: ["FAIL_INIT"])
        let error = try #require(throws: SwapError.self) { try host.swap("load-counter", to: bad) }
        #expect(error.step == "init")
        #expect(error.reason.contains("init refused on purpose"))
        #expect(error.record?.outcome == "refused", "the old instance was never paused")
        try Self.expectOldServes(host, received: 100)
        host.shutdown()
    }

    @Test("the new version cannot import the state: rolled back at import, the old version serves on with its state")
    func importFails() throws {
        let ws = try Workspace()
        let host = try Self.running(ws)
        let bad = try ws.loadVersion(.counter, "2.0.0", defines: ["FAIL_IMPORT"])
        let error = try #require(throws: SwapError.self) { try host.swap("load-counter", to: bad) }
        #expect(error.step == "import")
        #expect(error.reason.contains("state format 1 is not understood"))
        #expect(error.record?.outcome == "rolled back")
        #expect(error.description.contains("rolled back, the old version serves on"))
        try Self.expectOldServes(host, received: 100)
        host.shutdown()
    }

    @Test("the new version drops a topic an active module subscribes to: refused at verify, naming the topic and the module")
    func dropsSubscribedTopic() throws {
        let ws = try Workspace()
        let host = try Self.running(ws)
        let bad = try ws.loadVersion(.source, "2.0.0", publishes: false)
        let error = try #require(throws: SwapError.self) { try host.swap("load-source", to: bad) }
        #expect(error.step == "verify")
        #expect(error.reason.contains("no longer publishes 'load-source.tick.emitted', which load-counter subscribe to"))
        #expect(host.plugin("load-source")?.manifest?.version.description == "1.0.0")
        try Self.expectOldServes(host, received: 100)
        host.shutdown()
    }

    @Test("the license does not entitle the new version: refused at verify with the license's reason")
    func licenseRefuses() throws {
        struct RefuseVersionTwo: ActivationGate {
            func refusal(for manifest: PluginManifest) -> String? {
                manifest.version.major == 2 ? "release 2026-11-01 is newer than updates_until 2026-10-01" : nil
            }
        }
        let ws = try Workspace()
        try ws.loadSchemas()
        try ws.loadVersion(.source, "1.0.0", boot: true)
        try ws.loadVersion(.counter, "1.0.0", boot: true)
        var configuration = try ws.host().configuration
        configuration.gate = RefuseVersionTwo()
        let host = PluginHost(configuration: configuration)
        host.boot()
        try host.emit(100)
        #expect(host.table.drain(timeout: .seconds(10)))
        let next = try ws.loadVersion(.counter, "2.0.0")
        let error = try #require(throws: SwapError.self) { try host.swap("load-counter", to: next) }
        #expect(error.step == "verify")
        #expect(error.reason == "license: release 2026-11-01 is newer than updates_until 2026-10-01")
        try Self.expectOldServes(host, received: 100)
        host.shutdown()
    }

    @Test("the handler in flight outlasts the pause deadline: rolled back at pause, nothing lost")
    func handlerOutlastsDeadline() throws {
        let ws = try Workspace()
        let host = try Self.running(ws, counterDefines: ["SLOW_MS=300"], initial: 0)
        try host.emit(3)  // 0.9 s of handling queued
        Thread.sleep(forTimeInterval: 0.05)
        let next = try ws.loadVersion(.counter, "2.0.0")
        let error = try #require(throws: SwapError.self) {
            try host.swap("load-counter", to: next, options: SwapOptions(pauseDeadline: .milliseconds(50)))
        }
        #expect(error.step == "pause")
        #expect(error.reason.contains("its event handler in flight did not finish within the deadline"))
        #expect(error.record?.outcome == "rolled back")
        #expect(host.table.drain(timeout: .seconds(10)))
        let stats = try host.counterStats()
        #expect(stats.received == 3 && stats.lost == 0 && stats.doubled == 0)
        #expect(stats.version == "1.0.0")
        host.shutdown()
    }

    @Test("rollback returns to the version before the last swap, with the state carried both ways; history names every step")
    func rollbackReturns() throws {
        let ws = try Workspace()
        let host = try Self.running(ws)
        let next = try ws.loadVersion(.counter, "2.0.0")
        try host.swap("load-counter", to: next, options: SwapOptions(by: "ops@shop.example"))
        try host.emit(10)
        #expect(host.table.drain(timeout: .seconds(10)))
        #expect(try host.counterStats().version == "2.0.0")
        let back = try host.rollback("load-counter")
        #expect(back.from == "2.0.0" && back.to == "1.0.0")
        try host.emit(10)
        #expect(host.table.drain(timeout: .seconds(10)))
        let stats = try host.counterStats()
        #expect(stats.version == "1.0.0")
        #expect(stats.received == 120 && stats.lost == 0 && stats.doubled == 0)
        let history = host.swapHistory("load-counter")
        #expect(history.map(\.to) == ["2.0.0", "1.0.0"])
        #expect(history.first?.by == "ops@shop.example")
        #expect(history.allSatisfy { $0.pauseMilliseconds != nil && $0.outcome == "swapped" })
        let again = try #require(throws: SwapError.self) { try host.rollback("load-counter") }
        #expect(again.reason.contains("no earlier version to return to"))
        host.shutdown()
    }
}

@Suite("Hot swap with durable delivery and module storage", .serialized)
struct DurableHotSwapTests {
    @Test("a swap on the durable log keeps the offset: 0 lost, 0 doubled; a failing migration rolls back naming the file")
    func durableSwapAndFailingMigration() async throws {
        let database = try await TestDatabase.make()
        let ws = try Workspace()
        try ws.loadSchemas()
        try ws.loadVersion(.source, "1.0.0", boot: true)
        try ws.loadVersion(.counter, "1.0.0", boot: true)
        let (host, log) = try ws.durableHost(database)
        defer { host.shutdown(); log.shutdown() }
        host.boot()
        #expect(host.plugin("load-counter")?.state == .active, "\(host.reason("load-counter"))")
        try host.emit(500)
        let good = try ws.loadVersion(.counter, "2.0.0", migrations: ["0001_tally.sql": "CREATE TABLE tally (n integer);"])
        let emitter = Task.detached { for _ in 0..<20 { try host.emit(25); try await Task.sleep(for: .milliseconds(5)) } }
        try await Task.sleep(for: .milliseconds(30))
        let record = try host.swap("load-counter", to: good)
        #expect(record.outcome == "swapped")
        try await emitter.value
        #expect(log.drain(timeout: .seconds(30)))
        var stats = try host.counterStats()
        #expect(stats.received == 1_000 && stats.lost == 0 && stats.doubled == 0)
        #expect(try database.count("SELECT count(*) FROM pg_tables WHERE tablename = 'tally'") == 1, "the new version's migration ran")

        let bad = try ws.loadVersion(.counter, "3.0.0", migrations: ["0001_tally.sql": "CREATE TABLE tally (n integer);",
                                                                     "0002_broken.sql": "ALTER TABLE no_such_table ADD COLUMN x integer;"])
        let error = try #require(throws: SwapError.self) { try host.swap("load-counter", to: bad) }
        #expect(error.step == "migrate")
        #expect(error.reason.contains("migration 0002_broken.sql of 'load-counter' failed and was rolled back"))
        #expect(error.record?.outcome == "rolled back")
        try host.emit(10)
        #expect(log.drain(timeout: .seconds(30)))
        stats = try host.counterStats()
        #expect(stats.version == "2.0.0")
        #expect(stats.received == 1_010 && stats.lost == 0 && stats.doubled == 0)
        // The history is in the database.
        let stored = try log.history(of: "load-counter")
        #expect(stored.map(\.outcome) == ["swapped", "rolled back"])
        #expect(stored.last?.failedStep == "migrate")
    }
}

@Suite("Hot swap from the operator's CLI against a running host", .serialized)
struct HotSwapCLITests {
    @Test("`eop plugins swap` prints each step as the host ends it; a failed swap exits 1 naming the step; history, metrics and rollback")
    func swapFromTheCLI() async throws {
        let database = try await TestDatabase.make()
        let ws = try Workspace()
        try ws.loadSchemas()
        try ws.loadVersion(.source, "1.0.0", boot: true)
        try ws.loadVersion(.counter, "1.0.0", boot: true)
        let next = try ws.loadVersion(.counter, "2.0.0")
        let broken = try ws.loadVersion(.counter, "3.0.0", defines: ["FAIL_INIT"])
        let host = try HostProcess(ws, database: database, name: "swap")
        defer { host.interrupt() }
        try host.waitReady()
        let eop = Repo.buildDirectory.appendingPathComponent("eop")
        let env = ["EOP_HOME": host.home.path]

        let swapped = try runProcess(eop, ["plugins", "swap", "load-counter", next.path], environment: env)
        #expect(swapped.status == 0, "\(swapped.out)\(swapped.err)\n\(host.output)")
        let lines = swapped.out.split(separator: "\n").map(String.init)
        for step in ["verify", "load", "init", "pause", "export", "import", "migrate", "activate", "switch", "resume", "retire"] {
            #expect(lines.contains { $0.hasPrefix("ok   \(step)") }, "no line for \(step) in:\n\(swapped.out)")
        }
        #expect(lines.last?.hasPrefix("swapped load-counter 1.0.0 → 2.0.0: paused") == true, "\(swapped.out)")

        let failed = try runProcess(eop, ["plugins", "swap", "load-counter", broken.path], environment: env)
        #expect(failed.status == 1)
        #expect(failed.out.contains("FAIL init"), "\(failed.out)")
        #expect(failed.out.contains("refused: failed at init: init failed (status 2): init refused on purpose (FAIL_INIT)"), "\(failed.out)")

        let history = try runProcess(eop, ["plugins", "swaps", "load-counter"], environment: env)
        #expect(history.status == 0, "\(history.err)")
        #expect(history.out.contains("operator (cli)"))
        #expect(history.out.split(separator: "\n").count == 3, "a header and two swaps:\n\(history.out)")

        let http = try #require(host.runState("http") as? String)
        let metrics = try String(contentsOf: URL(string: http + "/metrics")!, encoding: .utf8)
        #expect(metrics.contains(#"eop_plugin_resident_generations{plugin="load-counter"} 0"#), "a C image is unloaded")
        #expect(metrics.contains(#"eop_plugin_swaps_total{outcome="swapped",plugin="load-counter"} 1"#) || metrics.contains(#"eop_plugin_swaps_total{plugin="load-counter",outcome="swapped"} 1"#), "\(metrics)")

        // The admin API needs credentials: no token, no swap.
        var request = URLRequest(url: URL(string: http + "/api/admin/plugins/load-counter/rollback")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer not-the-operator-token", forHTTPHeaderField: "Authorization")
        request.httpBody = Data("{}".utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 401)

        let back = try runProcess(eop, ["plugins", "rollback", "load-counter"], environment: env)
        #expect(back.status == 0, "\(back.out)\(back.err)")
        #expect(back.out.contains("swapped load-counter 2.0.0 → 1.0.0"), "\(back.out)")
        let list = try runProcess(eop, ["plugins", "list"], environment: env)
        #expect(list.out.split(separator: "\n").contains { $0.split(separator: " ", omittingEmptySubsequences: true).prefix(3) == ["load-counter", "1.0.0", "active"] }, "\(list.out)")
    }
}

@Suite("Hot swap of plugins that serve HTTP routes")
struct HotSwapRouteTests {
    /// Waits until four more requests are answered (or one failed).
    static func answeredMore(_ answered: borrowing Atomic<Int>, _ failures: borrowing Mutex<[String]>) async throws {
        let before = answered.load(ordering: .relaxed)
        while answered.load(ordering: .relaxed) < before + 4 && failures.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(1)) }
    }

    @Test("requests keep flowing while the C and the Swift example are swapped five times each: every one answered 200")
    func routesDuringSwaps() async throws {
        let (ws, host, gateway) = try GatewayTests.examples()
        defer { host.shutdown() }
        // Fresh copies of each example to swap to (same version, a new image each time).
        func copy(_ example: String, library: URL) throws -> URL {
            let folder = ws.root.appendingPathComponent("swap-\(example)-\(UUID().uuidString.prefix(6))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Repo.examples.appendingPathComponent("\(example)/manifest.json"), to: folder.appendingPathComponent("manifest.json"))
            try FileManager.default.copyItem(at: library, to: folder.appendingPathComponent(library.lastPathComponent))
            return folder
        }
        let cCopies = try (0..<5).map { _ in try copy("c-hello", library: ws.libraries.appendingPathComponent("libc_hello.so")) }
        let swiftCopies = try (0..<5).map { _ in try copy("swift-hello", library: Repo.buildDirectory.appendingPathComponent("libSwiftHello.so")) }
        try await gateway.application().test(.live) { client in
            let failures = Mutex<[String]>([])
            let answered = Atomic<Int>(0)
            let stop = Atomic<Bool>(false)
            let load = Task {
                do {
                    while !stop.load(ordering: .acquiring) {
                        for uri in ["/api/c-hello/ping", "/api/hello/greetings/Ada"] {
                            try await client.execute(uri: uri, method: .get) { r in
                                if r.status == .ok { answered.add(1, ordering: .relaxed) } else { failures.withLock { $0.append("\(uri): \(r.status) \(String(buffer: r.body))") } }
                            }
                        }
                    }
                } catch {
                    // A request the client gave up on (its 20 s timeout): a failure, not a test waiting forever.
                    failures.withLock { $0.append("the load stopped: \(error)") }
                }
            }
            // A swap blocks its thread while it pauses and drains the plugin: on a thread of its
            // own, so it does not hold one of the few cooperative threads the server and client need.
            func swap(_ id: String, to folder: URL) async throws {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                    Thread { continuation.resume(with: Result { _ = try host.swap(id, to: folder) }) }.start()
                }
            }
            // Requests are answered between every two swaps (however slow the machine), so
            // some are in flight or waiting at a gate when a swap pauses the plugin.
            for i in 0..<5 {
                try await Self.answeredMore(answered, failures)
                try await swap("c-hello", to: cCopies[i])
                try await Self.answeredMore(answered, failures)
                try await swap("hello", to: swiftCopies[i])
            }
            try await Self.answeredMore(answered, failures)
            stop.store(true, ordering: .releasing)
            try await load.value
            #expect(failures.withLock { $0 } == [])
            #expect(answered.load(ordering: .relaxed) >= 44)
        }
        #expect(host.swapHistory().count == 10)
        #expect(host.residentGenerations("hello") == 5)
        #expect(host.residentGenerations("c-hello") == 0)
    }
}
