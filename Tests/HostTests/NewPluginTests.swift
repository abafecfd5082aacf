import EOPGateway
import EOPLoader
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `eop new plugin` → build → `eop check` → load: the scaffold of each language works as made.
@Suite("eop new plugin: a folder that builds, checks and loads as it is")
struct NewPluginTests {
    /// Runs `eop new plugin <id> --lang <lang>` into the workspace; returns the plugin folder.
    static func scaffold(_ id: String, _ lang: String, in ws: Workspace) throws -> URL {
        let made = try CLITests.eop(["new", "plugin", id, "--lang", lang, "--dir", ws.root.path], environment: [:])
        try #require(made.status == 0, "\(made.out) \(made.err)")
        let folder = ws.root.appendingPathComponent(id)
        #expect(made.out.contains("made \(folder.path)"), "\(made.out)")
        for file in ["manifest.json", "README.md", "Makefile", ".gitignore"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(lang) scaffold has no \(file)")
        }
        return folder
    }

    /// `make` in the folder (the Makefile runs cc, swift build or cargo).
    static func build(_ folder: URL, _ arguments: [String] = []) throws {
        let make = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["make"] + arguments, in: folder)
        try #require(make.status == 0, "make in \(folder.lastPathComponent) exited \(make.status): \(make.out.suffix(2000)) \(make.err.suffix(3000))")
    }

    /// `eop check <folder>` passes.
    static func check(_ folder: URL, ws: Workspace) throws {
        let env = ["EOP_HOME": ws.root.appendingPathComponent("home").path, "EOP_EVENTS_DIR": ws.events.path]
        let check = try CLITests.eop(["check", folder.path], environment: env)
        #expect(check.status == 0, "\(check.out) \(check.err)")
        #expect(check.out.hasPrefix("ok: "), "\(check.out)")
    }

    /// Loads the folder in a host: active, counts a placed order, answers its status route.
    /// With `swapTo`, then swaps to that folder's build and checks the count came along.
    static func load(_ folder: URL, id: String, ws: Workspace, swapTo next: URL? = nil) async throws {
        let host = try ws.host(extraManifestPaths: [folder.appendingPathComponent("manifest.json")])
        defer { host.shutdown() }
        host.boot()
        try #require(host.plugin(id)?.state == .active, "\(host.reason(id))")
        try host.publish(topic: "order.order.placed", payload: Data(#"{"order_id":"o-1","total":100,"currency":"EUR"}"#.utf8), source: "order")

        let gateway = Gateway(plugins: host, configuration: .init(port: 0, principals: HeaderPrincipals()))
        try await gateway.application().test(.live) { client in
            func status() async throws -> [String: Any] {
                let body = try await client.execute(uri: "/api/\(id)/status", method: .get) { r in
                    #expect(r.status == .ok, "\(String(buffer: r.body))")
                    return String(buffer: r.body)
                }
                return try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "\(body)")
            }
            let deadline = Date().addingTimeInterval(10)
            var seen = try await status()
            while seen["orders_seen"] as? Int != 1, Date() < deadline {
                try await Task.sleep(for: .milliseconds(20))
                seen = try await status()
            }
            #expect(seen["plugin"] as? String == id && seen["version"] as? String == "0.1.0", "\(seen)")
            #expect(seen["orders_seen"] as? Int == 1, "\(seen)")

            guard let next else { return }
            let record = try host.swap(id, to: next)
            #expect(record.outcome == "swapped" && record.to == "0.2.0", "\(record)")
            #expect(record.steps.first { $0.name == "export" }?.detail == "8 bytes, format 1", "\(record.steps)")
            let after = try await status()
            #expect(after["version"] as? String == "0.2.0" && after["orders_seen"] as? Int == 1, "the count did not come across: \(after)")
        }
    }

    /// A copy of a scaffold with its version raised to 0.2.0 in the manifest and the source.
    static func nextVersion(of folder: URL, source: String, in ws: Workspace) throws -> URL {
        let copy = ws.root.appendingPathComponent("v2").appendingPathComponent(folder.lastPathComponent)
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: folder, to: copy)
        for file in ["manifest.json", source] {
            let url = copy.appendingPathComponent(file)
            let text = try String(contentsOf: url, encoding: .utf8)
            #expect(text.contains("\"0.1.0\""), "\(file) does not hold the version")
            try Data(text.replacingOccurrences(of: "\"0.1.0\"", with: "\"0.2.0\"").utf8).write(to: url)
        }
        // The copied library is version 1's: make builds the new one.
        let library = "lib" + String(folder.lastPathComponent.map { $0.isLetter || $0.isNumber ? $0 : "_" }) + ".so"
        try FileManager.default.removeItem(at: copy.appendingPathComponent(library))
        return copy
    }

    @Test("C: eop new plugin → make (cc) → eop check → load → active, then hot-swapped to 0.2.0 with its count")
    func cPlugin() async throws {
        let ws = try Workspace()
        let id = "com.example.newc"
        let folder = try Self.scaffold(id, "c", in: ws)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("plugin.c").path))
        try Self.build(folder)
        try Self.check(folder, ws: ws)
        let next = try Self.nextVersion(of: folder, source: "plugin.c", in: ws)
        try Self.build(next)
        try await Self.load(folder, id: id, ws: ws, swapTo: next)
    }

    @Test("Rust: eop new plugin → make (cargo build) → eop check → load → active, then hot-swapped to 0.2.0 with its count",
          .enabled(if: RustExample.cargo != nil, "cargo is not on PATH: the Rust scaffold cannot be built here"))
    func rustPlugin() async throws {
        let ws = try Workspace()
        let id = "com.example.newrust"
        let folder = try Self.scaffold(id, "rust", in: ws)
        // The bindings are the example's, which RustPluginTests checks against the headers.
        #expect(try Data(contentsOf: folder.appendingPathComponent("src/abi.rs")) == Data(contentsOf: RustExample.folder.appendingPathComponent("src/abi.rs")))
        let cargo = try #require(RustExample.cargo).path
        try Self.build(folder, ["CARGO=\(cargo)", "CARGO_TARGET_DIR=\(ws.root.appendingPathComponent("target-v1").path)"])
        try Self.check(folder, ws: ws)
        let next = try Self.nextVersion(of: folder, source: "src/lib.rs", in: ws)
        try Self.build(next, ["CARGO=\(cargo)", "CARGO_TARGET_DIR=\(ws.root.appendingPathComponent("target-v2").path)"])
        try await Self.load(folder, id: id, ws: ws, swapTo: next)
    }

    @Test("Swift: eop new plugin → make (swift build, EOPSDK from this checkout by path) → eop check → load → active")
    func swiftPlugin() async throws {
        let ws = try Workspace()
        let id = "com.example.newswift"
        let folder = try Self.scaffold(id, "swift", in: ws)
        let package = try String(contentsOf: folder.appendingPathComponent("Package.swift"), encoding: .utf8)
        #expect(package.contains(".package(path: \"\(Repo.root.standardizedFileURL.path)\")"), "\(package)")
        // One scratch folder for every run: the SDK and the dependency checkouts are built once.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("eop-new-plugin-swift-build")
        try Self.build(folder, ["CONFIG=debug", "SWIFTFLAGS=--scratch-path \(scratch.path)"])
        try Self.check(folder, ws: ws)
        try await Self.load(folder, id: id, ws: ws)
    }

    @Test("a bad id or an occupied folder is refused, naming it")
    func refusals() throws {
        let ws = try Workspace()
        let bad = try CLITests.eop(["new", "plugin", "Com.Acme", "--lang", "c", "--dir", ws.root.path], environment: [:])
        #expect(bad.status != 0)
        #expect(bad.err.contains("plugin id 'Com.Acme': must be 1 to 4 dot-separated lower-case segments"), "\(bad.err)")
        _ = try Self.scaffold("com.example.twice", "c", in: ws)
        let again = try CLITests.eop(["new", "plugin", "com.example.twice", "--lang", "rust", "--dir", ws.root.path], environment: [:])
        #expect(again.status != 0)
        #expect(again.err.contains("\(ws.root.appendingPathComponent("com.example.twice").standardizedFileURL.path) already exists and is not empty"), "\(again.err)")
    }
}
