import EOPABI
import EOPDispatch
import EOPLoader
import EOPManifest
import Foundation
import Testing

/// Paths of this checkout and of the built products the tests load.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let sdkInclude = root.appendingPathComponent("SDK/include")
    static let events = root.appendingPathComponent("Manifests/events")
    static let examples = root.appendingPathComponent("SDK/examples")
    static let probeSource = root.appendingPathComponent("Tests/HostTests/Fixtures/probe.c")

    /// Where SwiftPM put libSwiftHello.so and the eop binary (EOP_BUILD_DIR overrides).
    static var buildDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["EOP_BUILD_DIR"] { return URL(fileURLWithPath: dir) }
        return root.appendingPathComponent(".build/debug")
    }
}

/// A temporary folder holding manifests, compiled C plugins and event schemas for one test.
final class Workspace {
    let root: URL
    let manifests: URL
    let libraries: URL
    let events: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("eop-test-\(UUID().uuidString.prefix(8))")
        manifests = root.appendingPathComponent("manifests")
        libraries = root.appendingPathComponent("lib")
        events = root.appendingPathComponent("events")
        for dir in [manifests, libraries, events] { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        // Start from the repository's schemas; tests add their own.
        for name in try FileManager.default.contentsOfDirectory(atPath: Repo.events.path) {
            try FileManager.default.copyItem(at: Repo.events.appendingPathComponent(name), to: events.appendingPathComponent(name))
        }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// Compiles C source into `lib/<name>` with the SDK header; returns the library's file name.
    @discardableResult
    func compileC(_ source: URL, library: String, defines: [String] = []) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cc", "-std=c11", "-O1", "-shared", "-fPIC", "-I", Repo.sdkInclude.path]
            + defines.map { "-D\($0)" } + [source.path, "-o", libraries.appendingPathComponent(library).path, "-lpthread"]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else { throw FixtureError("cc failed for \(source.lastPathComponent): \(message)") }
        return library
    }

    /// A probe plugin with the given id, built into `libprobe_<id>.so`.
    @discardableResult
    func probe(_ id: String, defines: [String] = []) throws -> String {
        try compileC(Repo.probeSource, library: "libprobe_\(id.replacingOccurrences(of: "-", with: "_")).so", defines: ["PROBE_ID=\"\(id)\""] + defines)
    }

    /// Writes a manifest file `manifests/<name>.json`.
    func manifest(_ name: String, _ json: String) throws {
        try Data(json.utf8).write(to: manifests.appendingPathComponent("\(name).json"))
    }

    /// Writes an event schema.
    func schema(_ topic: String, _ json: String) throws {
        try Data(json.utf8).write(to: events.appendingPathComponent("\(topic).json"))
    }

    /// A loader over this workspace (plus extra manifest folders).
    func host(extraManifestPaths: [URL] = [], settings: [String: String] = [:], retry: RetryPolicy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))) throws -> PluginHost {
        let configuration = LoaderConfiguration(
            manifestPaths: [manifests] + extraManifestPaths,
            librarySearchPaths: [libraries, Repo.buildDirectory],
            imageDirectory: root.appendingPathComponent("images"),
            events: try EventCatalog.load(directory: events),
            settings: settings.mapValues { Data($0.utf8) }
        )
        return PluginHost(configuration: configuration, table: DispatchTable(retry: retry))
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A manifest for a probe plugin.
/// The ABI the headers the fixtures compile against declare (e.g. "1.1").
let currentABI = "\(EOP_ABI_VERSION_MAJOR).\(EOP_ABI_VERSION_MINOR)"

func probeManifest(_ id: String, abi: String = currentABI, subscribes: String = "[]", publishes: [String] = [],
                   dependencies: String = "[]", extraAnswers: String = "") -> String {
    let library = "libprobe_\(id.replacingOccurrences(of: "-", with: "_")).so"
    let publishList = publishes.map { "\"\($0)\"" }.joined(separator: ",")
    return """
    {"id": "\(id)", "version": "1.0.0", "abi": "\(abi)", "library": "\(library)", "runtime": "c", "release_date": "2026-11-01",
     "dependencies": \(dependencies), "publishes": [\(publishList)], "subscribes": \(subscribes),
     "answers": [{"topic": "\(id).probe.state", "handler": "probe_state"},
                 {"topic": "\(id).probe.publish", "handler": "probe_publish"}\(extraAnswers)]}
    """
}

extension PluginHost {
    /// Asks a probe for its counters.
    func probeState(_ id: String) throws -> [String: Any] {
        let result = request(topic: "\(id).probe.state", payload: Data("{}".utf8), source: "test", timeout: .seconds(5))
        guard result.status == 0, let object = try JSONSerialization.jsonObject(with: result.reply) as? [String: Any] else {
            throw FixtureError("probe \(id) did not answer: \(result.status) \(result.message)")
        }
        return object
    }

    /// The reason a plugin is not active, or a failure naming its state.
    func reason(_ id: String) -> String { plugin(id)?.reason ?? "(no reason; state \(plugin(id)?.state.rawValue ?? "unknown"))" }
}

import EOPEventLog
import EOPStorage
import EOPTesting

/// A fresh database in the test process's PostgreSQL cluster, for one test.
struct TestDatabase {
    let target: DatabaseTarget
    let name: String

    static func make() async throws -> TestDatabase {
        let cluster = try await TestCluster.shared()
        let name = TestCluster.uniqueName("t")
        let admin = try await TestCluster.connect()
        defer { admin.close() }
        _ = try admin.execute("CREATE DATABASE \(name)")
        let password = try String(contentsOfFile: cluster.passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return TestDatabase(target: DatabaseTarget(host: cluster.socketDirectory, port: cluster.port, database: name,
                                                   user: cluster.superuser, password: password), name: name)
    }

    /// A superuser connection to this database (for checks the plugins cannot make).
    func connect() throws -> PostgresConnection { try PostgresConnection(target.conninfo) }

    /// `EOP_DATABASE_URL` for a host process.
    var url: String {
        "postgresql://\(target.user):\(target.password ?? "")@/\(target.database)?host=\(target.host)&port=\(target.port)"
    }

    /// One integer from a query.
    func count(_ sql: String) throws -> Int64 {
        let c = try connect()
        defer { c.close() }
        return try c.execute(sql).int64(row: 0, column: 0) ?? -1
    }
}

extension Workspace {
    /// A counter plugin (Fixtures/counter.c) with a unique id, its migration and manifest.
    /// `subscribes` / `publishes` name the topic it listens to and bursts.
    @discardableResult
    func counter(_ prefix: String, subscribes: String? = nil, publishes: String? = nil, crashMarker: String? = nil) throws -> String {
        let id = "\(prefix)-\(UUID().uuidString.prefix(6).lowercased())"
        let library = "libcounter_\(id.replacingOccurrences(of: "-", with: "_")).so"
        try compileC(Repo.root.appendingPathComponent("Tests/HostTests/Fixtures/counter.c"), library: library, defines: ["COUNTER_ID=\"\(id)\""])
        let folder = manifests.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("migrations"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Repo.root.appendingPathComponent("Tests/HostTests/Fixtures/counter-migrations/0001_create_counted.sql"),
                                         to: folder.appendingPathComponent("migrations/0001_create_counted.sql"))
        let subs = subscribes.map { #"[{"topic": "\#($0)", "handler": "counter_on_tick"}]"# } ?? "[]"
        let pubs = publishes.map { #"["\#($0)"]"# } ?? "[]"
        try Data("""
        {"id": "\(id)", "version": "1.0.0", "abi": "\(currentABI)", "library": "\(library)", "runtime": "c", "release_date": "2026-11-01",
         "publishes": \(pubs), "subscribes": \(subs),
         "answers": [{"topic": "\(id).counter.stats", "handler": "counter_stats"},
                     {"topic": "\(id).counter.sql", "handler": "counter_peek"},
                     {"topic": "\(id).counter.burst", "handler": "counter_burst"}],
         "routes": [{"method": "POST", "path": "/api/\(id)/forget", "handler": "counter_http_forget"}],
         "settings": {"crash_marker": {"type": "string", "default": "\(crashMarker ?? "")"},
                      "topic": {"type": "string", "default": "\(publishes ?? "")"}}}
        """.utf8).write(to: folder.appendingPathComponent("manifest.json"))
        return id
    }

    /// A fact schema with an integer `seq`.
    func tickSchema(_ topic: String) throws {
        try schema(topic, #"{"topic": "\#(topic)", "kind": "fact", "owner": "\#(topic.split(separator: ".")[0])", "version": 1, "payload": {"type": "object", "properties": {"seq": {"type": "integer"}}}}"#)
    }

    /// A loader whose facts and plugin storage go through PostgreSQL.
    /// `manifestPaths` replaces the workspace's manifests folder (e.g. an installed bundle's manifest).
    func durableHost(_ database: TestDatabase, manifestPaths: [URL]? = nil,
                     retry: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))) throws -> (PluginHost, EventLog) {
        let log = try EventLog(target: database.target, retry: retry)
        let configuration = LoaderConfiguration(
            manifestPaths: manifestPaths ?? [manifests], librarySearchPaths: [libraries, Repo.buildDirectory],
            imageDirectory: root.appendingPathComponent("images-\(UUID().uuidString.prefix(6))"),
            events: try EventCatalog.load(directory: events), transport: log, storage: log, swapHistory: log)
        let host = PluginHost(configuration: configuration)
        log.registerExtensions(on: host)
        return (host, log)
    }
}

extension PluginHost {
    /// A JSON query to a plugin, decoded.
    func ask(_ topic: String, _ payload: String = "{}") throws -> [String: Any] {
        let r = request(topic: topic, payload: Data(payload.utf8), source: "test", timeout: .seconds(10))
        guard r.status == 0 else { throw FixtureError("\(topic): status \(r.status): \(r.message)") }
        return try #require(try JSONSerialization.jsonObject(with: r.reply) as? [String: Any])
    }
}

/// What a child process printed, and how it ended.
struct ProcessOutput {
    let status: Int32
    let out: String
    let err: String
}

/// Runs a program to its end. Both pipes are read while it runs, so a child that fills
/// one of them cannot stall; `input` (if any) is written to its standard input.
func runProcess(_ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
                input: String? = nil) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let output = Pipe(), errors = Pipe(), stdin = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    let errorData = LockedData()
    let reader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errorData.done { Thread.sleep(forTimeInterval: 0.01) }
    return ProcessOutput(status: process.terminationStatus, out: String(decoding: out, as: UTF8.self),
                         err: String(decoding: errorData.value, as: UTF8.self))
}

/// Bytes one thread hands to another.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var finished = false
    func set(_ d: Data) { lock.withLock { data = d; finished = true } }
    var done: Bool { lock.withLock { finished } }
    var value: Data { lock.withLock { data } }
}
