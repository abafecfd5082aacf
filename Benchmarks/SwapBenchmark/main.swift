// Hot swap, bounded. Part 1 in process: a counter plugin (the C hot-swap fixture) is
// swapped 200 times between two builds while a source publishes ~10,000 facts/s to it;
// we time the pause (deliveries, routes and queries held) and the whole swap. Baseline
// in the same run: a bare mailbox pause + resume, the least a swap can hold deliveries.
// Part 2 as an operator sees it: `eop run` (release build) with every current plugin on
// an already running embedded PostgreSQL, timed from spawn to `/ready`, its resident
// memory idle and after 20 swaps through the admin API (10 of the Swift example, whose
// images stay mapped, and 10 of the C example, which is unloaded). Baseline: the same
// host with no plugin. Prints JSON lines for scripts/bench-report.py.
import BenchKit
import EOPDispatch
import EOPLoader
import EOPManifest
import EOPStorage
import Foundation
import Logging
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

LoggingSystem.bootstrap { var h = StreamLogHandler.standardError(label: $0); h.logLevel = .warning; return h }
let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let repo = here.appendingPathComponent("../..").standardizedFileURL
let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("eop-swap-bench-\(UUID().uuidString.prefix(6))")
try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: root) }
let swaps = Int(ProcessInfo.processInfo.environment["EOP_BENCH_SWAPS"] ?? "") ?? 200

/// Blocks this thread (the benchmark waits on purpose; top-level code here is async).
func nap(_ seconds: Double) { Thread.sleep(forTimeInterval: seconds) }


func percentiles(_ values: [Double]) -> (p50: Double, p99: Double, max: Double) {
    let s = values.sorted()
    return (s[s.count / 2], s[min(s.count - 1, Int(Double(s.count) * 0.99))], s.last!)
}

// MARK: Part 1 — pause and whole-swap time, in process

let fixture = repo.appendingPathComponent("Tests/HostTests/Fixtures/loadgen.c")
let manifests = root.appendingPathComponent("manifests"), events = root.appendingPathComponent("events")
try FileManager.default.createDirectory(at: events, withIntermediateDirectories: true)
func version(_ role: String, _ v: String, boot: Bool) throws -> URL {
    let folder = (boot ? manifests : root.appendingPathComponent("versions")).appendingPathComponent("\(role)-\(v)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try shell(["cc", "-std=c11", "-O2", "-shared", "-fPIC", "-I", repo.appendingPathComponent("SDK/include").path,
             "-DPLUGIN_ID=\"\(role)\"", "-DPLUGIN_VERSION=\"\(v)\"", role == "load-source" ? "-DROLE_SOURCE" : "-DROLE_COUNTER",
             fixture.path, "-o", folder.appendingPathComponent("libloadgen.so").path])
    let body = role == "load-source"
        ? #""publishes": ["load-source.tick.emitted"], "answers": [{"topic": "load-source.emit.run", "handler": "load_emit"}]"#
        : #""subscribes": [{"topic": "load-source.tick.emitted", "handler": "load_on_tick"}], "answers": [{"topic": "load-counter.stats.get", "handler": "load_stats"}]"#
    try Data(#"{"id": "\#(role)", "version": "\#(v)", "abi": "1.1", "library": "libloadgen.so", "runtime": "c", \#(body)}"#.utf8)
        .write(to: folder.appendingPathComponent("manifest.json"))
    return folder
}
try Data(#"{"topic": "load-source.tick.emitted", "kind": "fact", "owner": "load-source", "version": 1, "payload": {"type": "object"}}"#.utf8)
    .write(to: events.appendingPathComponent("load-source.tick.emitted.json"))
try version("load-source", "1.0.0", boot: true)
try version("load-counter", "1.0.0", boot: true)
let builds = [try version("load-counter", "2.0.0", boot: false), try version("load-counter", "1.0.0", boot: false)]

let host = PluginHost(configuration: LoaderConfiguration(
    manifestPaths: [manifests], librarySearchPaths: [], imageDirectory: root.appendingPathComponent("images"),
    events: try EventCatalog.load(directory: events)))
host.boot()
guard host.plugin("load-counter")?.state == .active, host.plugin("load-source")?.state == .active else {
    throw BenchError("fixture not active: \(host.plugins.map { "\($0.id) \($0.state) \($0.reason ?? "")" })")
}

// Baseline: a bare pause + resume of the counter's mailbox, under the same load.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    var isSet: Bool { lock.withLock { stopped } }
    func set() { lock.withLock { stopped = true } }
}
let stopLoad = StopFlag()
let load = Thread {
    while !stopLoad.isSet {
        _ = host.request(topic: "load-source.emit.run", payload: Data(#"{"n": 20}"#.utf8), source: "bench", timeout: .seconds(10))
        nap(0.002)
    }
}
load.start()
nap(0.5)
let mailbox = host.table.mailbox(of: "load-counter")!
var bare: [Double] = []
for _ in 0..<swaps {
    let t = ContinuousClock.now
    mailbox.pause(timeout: .seconds(5))
    mailbox.resume()
    bare.append(t.duration(to: .now).seconds * 1000)
    nap(0.005)
}

var pauses: [Double] = [], totals: [Double] = []
let started = Date()
for i in 0..<swaps {
    let record = try host.swap("load-counter", to: builds[i % 2])
    pauses.append(record.pauseMilliseconds ?? .nan)
    if (record.pauseMilliseconds ?? 0) > 1 {  // where a slow pause went, for swap.log
        FileHandle.standardError.write(Data("slow pause \(record.pauseMilliseconds!) ms: \(record.steps.map { "\($0.name) \(String(format: "%.3f", $0.milliseconds))" }.joined(separator: ", "))\n".utf8))
    }
    totals.append(record.totalMilliseconds)
    nap(0.005)
}
let swapSeconds = Date().timeIntervalSince(started)
stopLoad.set()
nap(0.1)
_ = host.table.drain(timeout: .seconds(30))
let stats = try JSONSerialization.jsonObject(with: host.request(topic: "load-counter.stats.get", payload: Data("{}".utf8), source: "bench", timeout: .seconds(5)).reply) as? [String: Any] ?? [:]
host.shutdown()

let b = percentiles(bare), p = percentiles(pauses), w = percentiles(totals)
emit("baseline: bare mailbox pause + resume, under load", ["per_second": Double(swaps) / bare.reduce(0, +) * 1000, "p50_ms": b.p50, "p99_ms": b.p99, "max_ms": b.max])
emit("hot swap: pause (deliveries, routes, queries held)", ["per_second": Double(swaps) / swapSeconds, "p50_ms": p.p50, "p99_ms": p.p99, "max_ms": p.max,
     "swaps": swaps, "p99_baseline": "baseline: bare mailbox pause + resume, under load",
     "received": stats["received"] as Any, "lost": stats["lost"] as Any, "doubled": stats["doubled"] as Any])
emit("hot swap: whole swap (verify → retire)", ["per_second": Double(swaps) / swapSeconds, "p50_ms": w.p50, "p99_ms": w.p99, "max_ms": w.max, "swaps": swaps])

// MARK: Part 2 — boot to /ready and resident memory, `eop run` as a process

let eop = repo.appendingPathComponent(".build/release/eop")
guard FileManager.default.isExecutableFile(atPath: eop.path) else { throw BenchError("\(eop.path) missing: scripts/bench builds it first") }
let cluster = EmbeddedPostgres(directory: root.appendingPathComponent("db").path)
try await cluster.start()
let password = try String(contentsOfFile: cluster.passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
let databaseURL = "postgresql://\(cluster.superuser):\(password)@/\(cluster.database)?host=\(cluster.socketDirectory)&port=\(cluster.port)"

/// A host process, its run folder, and the address it serves.
struct Running {
    let process: Process
    let home: URL
    let http: String
    let bootSeconds: Double

    var rssMiB: Double {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let kb = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Double($0) }
        return (kb ?? .nan) / 1024
    }

    func stop() {
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
    }
}

func startHost(_ name: String, pluginPath: String) throws -> Running {
    let home = root.appendingPathComponent("home-\(name)")
    let p = Process()
    p.executableURL = eop
    p.arguments = ["run"]
    p.currentDirectoryURL = repo
    p.environment = ProcessInfo.processInfo.environment.merging([
        "EOP_HOME": home.path, "EOP_DATABASE_URL": databaseURL, "EOP_HTTP_PORT": "0", "EOP_PLUGIN_PATH": pluginPath, "EOP_LOG_LEVEL": "warning",
    ]) { $1 }
    p.standardError = FileHandle(forWritingAtPath: "/dev/null")
    p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
    let t = ContinuousClock.now
    try p.run()
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline {
        if let data = FileManager.default.contents(atPath: home.appendingPathComponent("run/host.json").path),
           let state = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let http = state["http"] as? String,
           (try? String(contentsOf: URL(string: http + "/ready")!, encoding: .utf8)) != nil {
            return Running(process: p, home: home, http: http, bootSeconds: t.duration(to: .now).seconds)
        }
        nap(0.005)
    }
    p.terminate()
    throw BenchError("\(name): no /ready within 120 s")
}

/// POSTs a swap through the admin API with the operator token; true when it swapped.
func swapOverHTTP(_ host: Running, _ id: String, _ source: URL) async throws -> Bool {
    let token = try String(contentsOf: host.home.appendingPathComponent("run/operator.token"), encoding: .utf8)
    var request = URLRequest(url: URL(string: host.http + "/api/admin/plugins/\(id)/swap")!)
    request.httpMethod = "POST"
    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    request.httpBody = try JSONSerialization.data(withJSONObject: ["source": source.path])
    let (data, response) = try await URLSession.shared.data(for: request)
    guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw BenchError("swap of \(id): \(String(decoding: data, as: UTF8.self))") }
    return true
}

try shell(["make", "-s", "-C", repo.appendingPathComponent("SDK/examples/c-hello").path])
let empty = root.appendingPathComponent("no-plugins")
try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
let bareHost = try startHost("bare", pluginPath: empty.path)
nap(1)
let bareRSS = bareHost.rssMiB
bareHost.stop()
let full = try startHost("all", pluginPath: "Manifests:SDK/examples")
nap(1)
let idleRSS = full.rssMiB
for i in 0..<20 {
    let (id, folder) = i % 2 == 0 ? ("hello", "SDK/examples/swift-hello") : ("c-hello", "SDK/examples/c-hello")
    _ = try await swapOverHTTP(full, id, repo.appendingPathComponent(folder))
}
nap(1)
let swappedRSS = full.rssMiB
let metrics = (try? String(contentsOf: URL(string: full.http + "/metrics")!, encoding: .utf8)) ?? ""
let resident = metrics.split(separator: "\n").filter { $0.hasPrefix("eop_plugin_resident_generations") }.map(String.init)
full.stop()
try await cluster.stop()

emit("baseline: eop run with no plugin, spawn → /ready", ["seconds": bareHost.bootSeconds, "rss_mib": bareRSS])
emit("eop run with every current plugin, spawn → /ready", ["seconds": full.bootSeconds, "rss_mib": idleRSS,
     "baseline": "baseline: eop run with no plugin, spawn → /ready"])
emit("resident memory after 20 swaps (10 Swift, 10 C)", ["rss_mib": swappedRSS, "idle_rss_mib": idleRSS, "resident": resident])
