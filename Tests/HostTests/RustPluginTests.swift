import EOPEventLog
import EOPGateway
import EOPLoader
import EOPStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The Rust example plugin (SDK/examples/rust-loyalty-demo), built with cargo.
enum RustExample {
    static let folder = Repo.examples.appendingPathComponent("rust-loyalty-demo")
    static let id = "loyalty-demo"
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
    static func build(in ws: Workspace) throws -> URL {
        let cargo = try #require(cargo, "cargo is not installed")
        let target = ws.root.appendingPathComponent("cargo-target")
        try run(cargo, ["build", "--release", "--offline", "--quiet"], in: folder, environment: ["CARGO_TARGET_DIR": target.path])
        let release = target.appendingPathComponent("release")
        #expect(FileManager.default.fileExists(atPath: release.appendingPathComponent(library).path), "cargo built no \(library)")
        return release
    }

    /// Installs the built plugin into a workspace like a bundle would: manifest and
    /// migrations in `manifests/loyalty-demo/`, the library in `lib/`, its event schema in `events/`.
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


@Suite("A plugin written in Rust (SDK/examples/rust-loyalty-demo)", .enabled(if: RustExample.cargo != nil, "cargo is not on PATH: the Rust example plugin cannot be built here (install Rust to run these tests)"))
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
        let facts = "SELECT count(*) FROM eop.events WHERE topic = 'loyalty-demo.points.earned'"
        let deadline = Date().addingTimeInterval(20)
        while try db.count(facts) < 3, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try db.count(facts) == 3)
        #expect(try db.count("SELECT count(*) FROM eop.events WHERE topic = 'loyalty-demo.points.earned' AND source = 'loyalty-demo' AND causation_id IS NOT NULL") == 3)
        #expect(try db.count("SELECT max((convert_from(payload, 'UTF8')::json->>'orders')::bigint) FROM eop.events WHERE topic = 'loyalty-demo.points.earned' AND convert_from(payload, 'UTF8')::json->>'customer' = 'ada'") == 2)
        #expect(try db.count("SELECT sum((convert_from(payload, 'UTF8')::json->>'points')::bigint) FROM eop.events WHERE topic = 'loyalty-demo.points.earned'") == 123 + 5 + 0)

        let gateway = Gateway(plugins: host, configuration: .init(port: 0, principals: HeaderPrincipals()))
        try await gateway.application().test(.live) { client in
            for (customer, expected) in [("ada", 2), ("bo%20b", 1), ("nobody", 0)] {
                try await client.execute(uri: "/api/loyalty-demo/customers/\(customer)", method: .get) { r in
                    #expect(r.status == .ok, "\(customer): \(String(buffer: r.body))")
                    #expect(r.headers[.contentType] == "application/json")
                    let body = try GatewayTests.json(r.body)
                    #expect(body["customer"] as? String == customer.removingPercentEncoding)
                    #expect(body["orders"] as? Int == expected, "\(customer): \(body)")
                }
            }
        }
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
