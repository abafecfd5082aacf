import EOPEventLog
import EOPGateway
import EOPLoader
import EOPStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// The Rust example plugin (SDK/examples/rust-loyalty-demo), built with cargo.
enum RustExample {
    static let folder = Repo.examples.appendingPathComponent("rust-loyalty-demo")
    static let id = "com.example.loyalty"
    static let library = "libloyalty_demo.so"

    /// `cargo` from PATH (or rustup's default ~/.cargo/bin), nil when absent.
    static let cargo: URL? = {
        let env = ProcessInfo.processInfo.environment
        var dirs = (env["PATH"] ?? "").split(separator: ":").map(String.init)
        if let home = env["CARGO_HOME"] { dirs.append("\(home)/bin") }
        dirs.append(FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cargo/bin").path)
        return dirs.map { URL(fileURLWithPath: $0).appendingPathComponent("cargo") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Runs a program; returns its standard output, throws with its standard error on failure.
    @discardableResult
    static func run(_ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> String {
        let result = try runProcess(executable, arguments, in: directory, environment: environment)
        guard result.status == 0 else {
            throw FixtureError("\(executable.lastPathComponent) \(arguments.joined(separator: " ")) exited \(result.status): \(result.err.suffix(3000))")
        }
        return result.out
    }

    /// `cargo build --release` of the example into a target folder inside the test's
    /// workspace (so concurrent runs never share cargo's lock); returns that release folder.
    /// `version` (LOYALTY_VERSION) sets the version the descriptor reports.
    static func build(in ws: Workspace, version: String? = nil) throws -> URL {
        let cargo = try #require(cargo, "cargo is not installed")
        let target = ws.root.appendingPathComponent("cargo-target\(version.map { "-" + $0 } ?? "")")
        var environment = ["CARGO_TARGET_DIR": target.path]
        if let version { environment["LOYALTY_VERSION"] = version }
        try run(cargo, ["build", "--release", "--offline", "--quiet"], in: folder, environment: environment)
        let release = target.appendingPathComponent("release")
        #expect(FileManager.default.fileExists(atPath: release.appendingPathComponent(library).path), "cargo built no \(library)")
        return release
    }

    /// Installs the built plugin into a workspace like a bundle would: manifest and
    /// migrations in `manifests/com.example.loyalty/`, the library in `lib/`, its event schema in `events/`.
    static func install(from release: URL, into ws: Workspace) throws {
        let fm = FileManager.default
        let pluginFolder = ws.manifests.appendingPathComponent(id)
        try fm.createDirectory(at: pluginFolder, withIntermediateDirectories: true)
        try fm.copyItem(at: folder.appendingPathComponent("manifest.json"), to: pluginFolder.appendingPathComponent("manifest.json"))
        try fm.copyItem(at: folder.appendingPathComponent("migrations"), to: pluginFolder.appendingPathComponent("migrations"))
        try fm.copyItem(at: release.appendingPathComponent(library), to: ws.libraries.appendingPathComponent(library))
        for name in try fm.contentsOfDirectory(atPath: folder.appendingPathComponent("events").path) where name.hasSuffix(".json") {
            try fm.copyItem(at: folder.appendingPathComponent("events/\(name)"), to: ws.events.appendingPathComponent(name))
        }
    }
}


/// Signing the Rust example into bundles the way a publisher and an operator would,
/// with the `eop` command: a publisher key for `com.example`, trusted in the test's EOP_HOME.
struct RustBundles {
    let ws: Workspace
    let environment: [String: String]
    let key: URL

    init(_ ws: Workspace) throws {
        self.ws = ws
        environment = ["EOP_HOME": ws.root.appendingPathComponent("home").path, "EOP_ENV": "development"]
        key = ws.root.appendingPathComponent("com.example.key.json")
        let keygen = try CLITests.eop(["bundle", "keygen", "--publisher", "com.example", "--out", key.path], environment: environment)
        try #require(keygen.status == 0, "\(keygen.out) \(keygen.err)")
        let publicKey = try #require(keygen.out.split(separator: "\n").first { $0.hasPrefix("public key:") }?.split(separator: " ").last.map(String.init))
        let trust = try CLITests.eop(["trust", "add", publicKey, "--publisher", "com.example"], environment: environment)
        try #require(trust.status == 0, "\(trust.out) \(trust.err)")
    }

    /// Stages a plugin folder for version `version` (manifest, migrations, the library
    /// cargo built), packs it with `eop bundle pack`, installs it with `eop plugins install`
    /// (which verifies the signature), and returns the installed folder.
    func packAndInstall(release: URL, version: String) throws -> URL {
        let fm = FileManager.default
        let stage = ws.root.appendingPathComponent("stage-\(version)")
        try fm.createDirectory(at: stage, withIntermediateDirectories: true)
        let manifest = try String(contentsOf: RustExample.folder.appendingPathComponent("manifest.json"), encoding: .utf8)
            .replacingOccurrences(of: #""version": "1.0.0""#, with: #""version": "\#(version)""#)
        try Data(manifest.utf8).write(to: stage.appendingPathComponent("manifest.json"))
        try fm.copyItem(at: RustExample.folder.appendingPathComponent("migrations"), to: stage.appendingPathComponent("migrations"))
        try fm.copyItem(at: release.appendingPathComponent(RustExample.library), to: stage.appendingPathComponent(RustExample.library))

        let bundle = ws.root.appendingPathComponent("\(RustExample.id)-\(version).eopbundle")
        let pack = try CLITests.eop(["bundle", "pack", stage.path, "--key", key.path, "--out", bundle.path], environment: environment)
        try #require(pack.status == 0, "\(pack.out) \(pack.err)")
        let install = try CLITests.eop(["plugins", "install", bundle.path], environment: environment)
        try #require(install.status == 0, "\(install.out) \(install.err)")
        #expect(install.out.contains("installed \(RustExample.id) \(version) from com.example"), "\(install.out)")
        let record = ws.root.appendingPathComponent("home/plugins/installed/\(RustExample.id).json")
        let installed = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: record)) as? [String: Any])
        let folder = URL(fileURLWithPath: try #require(installed["directory"] as? String))
        #expect(fm.fileExists(atPath: folder.appendingPathComponent("migrations/0001_create_counts.sql").path), "the bundle lost the migration")
        return folder
    }
}

/// How many facts a background publisher has published; and when to stop.
final class PublishProgress: Sendable {
    let published = Atomic<Int>(0)
    let stop = Atomic<Bool>(false)
}

@Suite("A plugin written in Rust (SDK/examples/rust-loyalty-demo)", .serialized, .enabled(if: RustExample.cargo != nil, "cargo is not on PATH: the Rust example plugin cannot be built here (install Rust to run these tests)"))
struct RustPluginTests {
    @Test("the hand-written Rust bindings have exactly the header's layout and constants")
    func bindingsMatchTheHeader() throws {
        let ws = try Workspace()
        let release = try RustExample.build(in: ws)
        let checker = try ws.compileCProgram(RustExample.folder.appendingPathComponent("check_bindings.c"))
        let cLines = try RustExample.run(checker, []).split(separator: "\n").map(String.init)
        let rustLines = try RustExample.run(release.appendingPathComponent("print-layout"), []).split(separator: "\n").map(String.init)

        // Every struct the Rust side binds is reported from the header.
        for name in ["eop_str_t", "eop_uuid_t", "eop_version_t", "eop_error_t", "eop_buffer_t", "eop_reply_t", "eop_event_t", "eop_host_t",
                     "eop_plugin_descriptor_t", "eop_http_pair_t", "eop_principal_t", "eop_http_request_t", "eop_http_response_t",
                     "eop_sql_value_t", "eop_sql_v1_t"] {
            #expect(cLines.contains { $0.hasPrefix("\(name) size ") }, "check_bindings.c does not report \(name)")
        }
        #expect(cLines.count > 100, "check_bindings.c printed only \(cLines.count) lines")
        let mismatch = zip(cLines, rustLines).enumerated().first { $0.element.0 != $0.element.1 }
        if let (index, (c, rust)) = mismatch {
            Issue.record("binding drift at line \(index + 1): the header says '\(c)' but src/abi.rs says '\(rust)'")
        } else if cLines.count != rustLines.count {
            let longer = cLines.count > rustLines.count ? "only the header has '\(cLines[rustLines.count])'" : "only src/abi.rs has '\(rustLines[cLines.count])'"
            Issue.record("binding drift after line \(min(cLines.count, rustLines.count)): \(longer)")
        }
        #expect(cLines.count == rustLines.count, "the header reports \(cLines.count) lines, src/abi.rs \(rustLines.count)")
    }

    @Test("loaded in a durable host, it counts placed orders per customer in SQL, publishes points facts, and answers over HTTP")
    func countsOrdersAndAnswersOverHTTP() async throws {
        let db = try await TestDatabase.make()
        let ws = try Workspace()
        let release = try RustExample.build(in: ws)
        try RustExample.install(from: release, into: ws)
        let (host, log) = try ws.durableHost(db)
        defer { host.shutdown(); log.shutdown() }
        host.boot()
        let id = RustExample.id
        try #require(host.plugin(id)?.state == .active, "\(host.reason(id))")

        let orders = [(#"ada"#, "o-1", 12345), (#"ada"#, "o-2", 500), (#"bo b"#, "o-3", 99)]
        for (customer, order, total) in orders {
            try host.publish(topic: "order.order.placed", payload: Data(#"{"order_id":"\#(order)","customer":"\#(customer)","total":\#(total),"currency":"EUR"}"#.utf8), source: "order")
        }
        // An order without a customer is accepted and counted for nobody.
        try host.publish(topic: "order.order.placed", payload: Data(#"{"order_id":"o-4","total":700,"currency":"EUR"}"#.utf8), source: "order")
        #expect(log.drain(timeout: .seconds(30)))
        #expect(host.plugin(id)?.state == .active, "\(host.reason(id))")

        // The counter lives in the plugin's own schema.
        let schema = ModuleDatabase.identifier(for: id)
        #expect(try db.count("SELECT orders FROM \(schema).customer_orders WHERE customer = 'ada'") == 2)
        #expect(try db.count("SELECT points FROM \(schema).customer_orders WHERE customer = 'ada'") == 128)
        #expect(try db.count("SELECT count(*) FROM \(schema).customer_orders") == 2)
        #expect(try db.count("SELECT count(*) FROM eop.dead_letters") == 0)

        // One points fact per counted order, published by the plugin in the delivery's transaction.
        let facts = "SELECT count(*) FROM eop.events WHERE topic = 'com.example.loyalty.points.earned'"
        let deadline = Date().addingTimeInterval(20)
        while try db.count(facts) < 3, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try db.count(facts) == 3)
        #expect(try db.count("SELECT count(*) FROM eop.events WHERE topic = 'com.example.loyalty.points.earned' AND source = 'com.example.loyalty' AND causation_id IS NOT NULL") == 3)
        #expect(try db.count("SELECT max((convert_from(payload, 'UTF8')::json->>'orders')::bigint) FROM eop.events WHERE topic = 'com.example.loyalty.points.earned' AND convert_from(payload, 'UTF8')::json->>'customer' = 'ada'") == 2)
        #expect(try db.count("SELECT sum((convert_from(payload, 'UTF8')::json->>'points')::bigint) FROM eop.events WHERE topic = 'com.example.loyalty.points.earned'") == 123 + 5 + 0)

        let gateway = Gateway(plugins: host, configuration: .init(port: 0, principals: HeaderPrincipals()))
        try await gateway.application().test(.live) { client in
            for (customer, expected) in [("ada", 2), ("bo%20b", 1), ("nobody", 0)] {
                try await client.execute(uri: "/api/com.example.loyalty/customers/\(customer)", method: .get) { r in
                    #expect(r.status == .ok, "\(customer): \(String(buffer: r.body))")
                    #expect(r.headers[.contentType] == "application/json")
                    let body = try GatewayTests.json(r.body)
                    #expect(body["customer"] as? String == customer.removingPercentEncoding)
                    #expect(body["orders"] as? Int == expected, "\(customer): \(body)")
                }
            }
        }
    }

    @Test("signed with eop bundle pack and hot-swapped to a second build while orders flow: no order lost or doubled, the tally carried")
    func swapsWhileEventsFlow() async throws {
        let db = try await TestDatabase.make()
        let ws = try Workspace()
        let bundles = try RustBundles(ws)
        let v1 = try bundles.packAndInstall(release: try RustExample.build(in: ws), version: "1.0.0")
        let v2 = try bundles.packAndInstall(release: try RustExample.build(in: ws, version: "1.1.0"), version: "1.1.0")
        for name in try FileManager.default.contentsOfDirectory(atPath: RustExample.folder.appendingPathComponent("events").path) {
            try FileManager.default.copyItem(at: RustExample.folder.appendingPathComponent("events/\(name)"), to: ws.events.appendingPathComponent(name))
        }
        let (host, log) = try ws.durableHost(db, manifestPaths: [v1.appendingPathComponent("manifest.json")])
        defer { host.shutdown(); log.shutdown() }
        host.boot()
        let id = RustExample.id
        try #require(host.plugin(id)?.state == .active, "\(host.reason(id))")
        let schema = ModuleDatabase.identifier(for: id)
        let counted = "SELECT coalesce(sum(orders), 0) FROM \(schema).customer_orders"

        // Orders keep arriving, for three customers, until 30 more have gone out after the swap.
        let progress = PublishProgress()
        let publisher = Task.detached {
            var remainingAfterStop = 30
            var n = 0
            while remainingAfterStop > 0 {
                if progress.stop.load(ordering: .acquiring) { remainingAfterStop -= 1 }
                n += 1
                let customer = ["ada", "bo", "cy"][n % 3]
                try host.publish(topic: "order.order.placed", payload: Data(#"{"order_id":"o-\#(n)","customer":"\#(customer)","total":250,"currency":"EUR"}"#.utf8), source: "order")
                progress.published.store(n, ordering: .releasing)
                try await Task.sleep(for: .milliseconds(3))
            }
            return n
        }

        let gateway = Gateway(plugins: host, configuration: .init(port: 0, principals: HeaderPrincipals()))
        try await gateway.application().test(.live) { client in
            func status() async throws -> [String: Any] {
                let body = try await client.execute(uri: "/api/com.example.loyalty/status", method: .get) { r in
                    #expect(r.status == .ok, "\(String(buffer: r.body))")
                    return String(buffer: r.body)
                }
                return try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "\(body)")
            }
            // Version 1 has counted some orders before the swap starts.
            let deadline = Date().addingTimeInterval(30)
            while try db.count(counted) < 10, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            let before = try await status()
            #expect(before["version"] as? String == "1.0.0")
            #expect((before["orders_seen"] as? Int ?? 0) >= 10, "\(before)")

            let publishedAtStart = progress.published.load(ordering: .acquiring)
            let record = try host.swap(id, to: v2)
            let publishedAtEnd = progress.published.load(ordering: .acquiring)
            progress.stop.store(true, ordering: .releasing)
            let total = try await publisher.value
            #expect(publishedAtStart > 0 && publishedAtEnd < total, "orders did not flow across the swap (\(publishedAtStart), \(publishedAtEnd), \(total))")

            #expect(record.outcome == "swapped", "\(record)")
            #expect(record.from == "1.0.0" && record.to == "1.1.0")
            #expect(record.steps.map(\.name) == ["verify", "load", "init", "pause", "export", "import", "migrate", "activate", "switch", "resume", "retire"], "\(record.steps)")
            #expect(record.steps.first { $0.name == "export" }?.detail == "8 bytes, format 1", "\(record.steps)")
            #expect(host.plugin(id)?.manifest?.version.description == "1.1.0")

            // Every order counted exactly once, by one version or the other.
            #expect(log.drain(timeout: .seconds(30)))
            #expect(host.plugin(id)?.state == .active, "\(host.reason(id))")
            #expect(try db.count(counted) == Int64(total))
            #expect(try db.count("SELECT count(*) FROM eop.dead_letters") == 0)
            let facts = "SELECT count(*) FROM eop.events WHERE topic = 'com.example.loyalty.points.earned'"
            let factDeadline = Date().addingTimeInterval(20)
            while try db.count(facts) < Int64(total), Date() < factDeadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(try db.count(facts) == Int64(total))
            #expect(try db.count("SELECT count(DISTINCT convert_from(payload, 'UTF8')::json->>'order_id') FROM eop.events WHERE topic = 'com.example.loyalty.points.earned'") == Int64(total))

            // The in-memory tally came across: version 2 reports every order, not only its own.
            let after = try await status()
            #expect(after["version"] as? String == "1.1.0")
            #expect(after["orders_seen"] as? Int == total, "\(after); \(total) orders published")
            try await client.execute(uri: "/api/com.example.loyalty/customers/ada", method: .get) { r in
                let orders = try GatewayTests.json(r.body)["orders"] as? Int
                #expect(orders == total / 3, "\(String(buffer: r.body))")
            }

            // Rolling back runs the same steps towards 1.0.0, which reads format 1 too.
            let back = try host.rollback(id)
            #expect(back.outcome == "swapped" && back.to == "1.0.0", "\(back)")
            let rolledBack = try await status()
            #expect(rolledBack["version"] as? String == "1.0.0")
            #expect(rolledBack["orders_seen"] as? Int == total, "\(rolledBack)")
        }
    }

    @Test("`eop plugins swap` to a signed bundle verifies it first (a signature step in the progress); a forged bundle is refused at that step")
    func swapToASignedBundleFromTheCLI() async throws {
        let db = try await TestDatabase.make()
        let ws = try Workspace()
        let bundles = try RustBundles(ws)
        let v1 = try bundles.packAndInstall(release: try RustExample.build(in: ws), version: "1.0.0")
        _ = try bundles.packAndInstall(release: try RustExample.build(in: ws, version: "1.1.0"), version: "1.1.0")
        for name in try FileManager.default.contentsOfDirectory(atPath: RustExample.folder.appendingPathComponent("events").path) {
            try FileManager.default.copyItem(at: RustExample.folder.appendingPathComponent("events/\(name)"), to: ws.events.appendingPathComponent(name))
        }
        let home = URL(fileURLWithPath: try #require(bundles.environment["EOP_HOME"]))
        let host = try HostProcess(home: home, environment: [
            "EOP_DATABASE_URL": db.url, "EOP_PLUGIN_PATH": v1.appendingPathComponent("manifest.json").path, "EOP_EVENTS_DIR": ws.events.path,
            "EOP_TIERS": Repo.root.appendingPathComponent("Manifests/tiers.json").path, "EOP_HTTP_PORT": "0", "EOP_ENV": "development",
        ], log: ws.root.appendingPathComponent("host.log"))
        defer { host.interrupt() }
        try host.waitReady()
        let eop = Repo.buildDirectory.appendingPathComponent("eop")

        let bundle = ws.root.appendingPathComponent("\(RustExample.id)-1.1.0.eopbundle")
        let swapped = try runProcess(eop, ["plugins", "swap", RustExample.id, bundle.path], environment: bundles.environment)
        #expect(swapped.status == 0, "\(swapped.out)\(swapped.err)\n\(host.output)")
        #expect(swapped.out.split(separator: "\n").first?.hasPrefix("ok   signature") == true, "\(swapped.out)")
        #expect(swapped.out.contains("signed by com.example"), "\(swapped.out)")
        #expect(swapped.out.contains("swapped \(RustExample.id) 1.0.0 → 1.1.0"), "\(swapped.out)")

        let forged = ws.root.appendingPathComponent("\(RustExample.id)-9.9.9.eopbundle")
        var bytes = try Data(contentsOf: bundle)
        bytes[bytes.count / 2] ^= 0xFF  // one flipped byte in the signed contents
        try bytes.write(to: forged)
        let refused = try runProcess(eop, ["plugins", "swap", RustExample.id, forged.path], environment: bundles.environment)
        #expect(refused.status == 1)
        #expect(refused.out.hasPrefix("FAIL signature"), "\(refused.out)")
        #expect(refused.out.contains("refused: failed at signature: \(forged.path)"), "\(refused.out)")
        let list = try runProcess(eop, ["plugins", "list"], environment: bundles.environment)
        #expect(list.out.split(separator: "\n").contains { $0.split(separator: " ", omittingEmptySubsequences: true).prefix(3) == [Substring(RustExample.id), "1.1.0", "active"] }, "\(list.out)")
    }
}

extension Workspace {
    /// Compiles a C program with the SDK header into the workspace; returns the executable.
    func compileCProgram(_ source: URL) throws -> URL {
        let output = root.appendingPathComponent(source.deletingPathExtension().lastPathComponent)
        try RustExample.run(URL(fileURLWithPath: "/usr/bin/env"), ["cc", "-std=c11", "-Wall", "-Werror", "-I", Repo.sdkInclude.path, source.path, "-o", output.path])
        return output
    }
}
