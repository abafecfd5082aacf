import Foundation
import Testing

@Suite("The eop command")
struct CLITests {
    /// Runs `eop` with the given arguments and environment; returns exit code and output.
    @discardableResult
    static func eop(_ arguments: [String], environment: [String: String]) throws -> ProcessOutput {
        try runProcess(Repo.buildDirectory.appendingPathComponent("eop"), arguments, in: Repo.root, environment: environment)
    }

    @Test("`eop plugins list` after `eop run` shows each plugin's state and a refused one's reason; Ctrl-C stops the host")
    func runAndList() throws {
        let ws = try Workspace()
        try ws.compileC(Repo.examples.appendingPathComponent("c-hello/hello.c"), library: "libc_hello.so")
        try ws.manifest("ghost", #"{"id": "ghost", "version": "2.0.0", "abi": "1.0", "library": "libghost.so"}"#)
        let home = ws.root.appendingPathComponent("home")
        let env = [
            "EOP_HOME": home.path,
            "EOP_PLUGIN_PATH": "\(Repo.examples.path):\(ws.manifests.path)",
            "EOP_LIBRARY_PATH": ws.libraries.path,
            "EOP_EVENTS_DIR": Repo.events.path,
            "EOP_HTTP_PORT": "0",
        ]
        let host = Process()
        host.executableURL = Repo.buildDirectory.appendingPathComponent("eop")
        host.arguments = ["run"]
        host.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        host.currentDirectoryURL = Repo.root
        let log = Pipe()
        host.standardError = log
        host.standardOutput = FileHandle.nullDevice
        try host.run()
        defer { if host.isRunning { host.terminate() } }

        let stateFile = home.appendingPathComponent("run/host.json")
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: stateFile.path), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(FileManager.default.fileExists(atPath: stateFile.path), "the host never wrote its state")

        let list = try Self.eop(["plugins", "list"], environment: env)
        #expect(list.status == 0, "\(list.err)")
        #expect(list.out.contains("host pid \(host.processIdentifier)"), "\(list.out)")
        let lines = list.out.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(lines.contains { $0.starts(with: ["hello", "1.0.0", "active"]) }, "\(list.out)")
        #expect(lines.contains { $0.starts(with: ["c-hello", "1.0.0", "active"]) }, "\(list.out)")
        #expect(lines.contains { $0.starts(with: ["ghost", "2.0.0", "refused", "library", "libghost.so", "not", "found"]) }, "\(list.out)")

        let info = try Self.eop(["plugins", "info", "c-hello"], environment: env)
        #expect(info.out.contains("hello.greeting.sent"), "\(info.out)")

        let bad = try Self.eop(["events", "publish", "order.order.placed", #"{"order_id": 7, "total": 1, "currency": "USD"}"#], environment: env)
        #expect(bad.status != 0)
        #expect(bad.err.contains("payload of 'order.order.placed': field 'order_id': must be a string"), "\(bad.err)")
        let good = try Self.eop(["events", "publish", "order.order.placed", #"{"order_id":"o-9","total":100,"currency":"USD"}"#], environment: env)
        #expect(good.status == 0, "\(good.err)")
        #expect(good.out.contains("queued for the running host"))

        // The host publishes spooled events within a quarter second.
        let spool = home.appendingPathComponent("run/spool")
        let spoolDeadline = Date().addingTimeInterval(10)
        while ((try? FileManager.default.contentsOfDirectory(atPath: spool.path)) ?? []).contains(where: { $0.hasSuffix(".json") }), Date() < spoolDeadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 0.3)

        // The embedded cluster's postmaster, started by the host under EOP_HOME.
        let pidFile = home.appendingPathComponent("db/data/postmaster.pid")
        let postmaster = try #require(Int32(String(contentsOf: pidFile, encoding: .utf8).split(separator: "\n").first ?? ""))
        kill(host.processIdentifier, SIGINT)
        host.waitUntilExit()
        let output = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.contains("embedded PostgreSQL stopped"), "\(output)")
        #expect(!FileManager.default.fileExists(atPath: pidFile.path), "postmaster.pid outlived the host")
        let state = (try? String(contentsOfFile: "/proc/\(postmaster)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first
        #expect(state == nil || state == "Z", "postgres (pid \(postmaster)) still runs after Ctrl-C")
        #expect(host.terminationStatus == 0, "\(output)")
        #expect(output.contains("operator event published"), "\(output)")
        #expect(output.contains("host stopped"), "\(output)")
        #expect(!FileManager.default.fileExists(atPath: stateFile.path), "the state file outlived the host")
    }

    @Test("`eop check` passes a good plugin and names the missing symbol of a bad one")
    func check() throws {
        let ws = try Workspace()
        try ws.probe("checked")
        try ws.manifest("checked", probeManifest("checked"))
        try ws.manifest("holey", probeManifest("checked").replacingOccurrences(of: "probe_state", with: "probe_gone"))
        let env = ["EOP_HOME": ws.root.appendingPathComponent("home").path, "EOP_EVENTS_DIR": ws.events.path, "EOP_LIBRARY_PATH": ws.libraries.path]
        let ok = try Self.eop(["check", ws.manifests.appendingPathComponent("checked.json").path], environment: env)
        #expect(ok.status == 0, "\(ok.out) \(ok.err)")
        #expect(ok.out.hasPrefix("ok: "))
        let holey = try Self.eop(["check", ws.manifests.appendingPathComponent("holey.json").path], environment: env)
        #expect(holey.status != 0)
        #expect(holey.out.contains("handler symbol 'probe_gone'"), "\(holey.out)")
    }
}
