// Durable facts end to end, bounded: a C plugin publishes N facts inside its own
// transactions (K per transaction) through the ABI; a subscriber module receives them
// through outbox → relay → ordered log → offset/inbox; we time publish-to-handled
// throughput and commit-to-handler latency. Baseline in the same run, on the same
// cluster: `pgbench -S` (read-only point selects), what the database does alone.
// Prints JSON lines to stdout for scripts/bench-report.py.
import BenchKit
import EOPDispatch
import EOPEventLog
import EOPLoader
import EOPManifest
import EOPStorage
import Foundation
import Logging

let total = Int(ProcessInfo.processInfo.environment["EOP_BENCH_EVENTS"] ?? "") ?? 100_000
let perTransaction = 100
LoggingSystem.bootstrap { var h = StreamLogHandler.standardError(label: $0); h.logLevel = .warning; return h }

let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("eop-bench-\(UUID().uuidString.prefix(6))")
try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: root) }
let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let sdkInclude = here.appendingPathComponent("../../SDK/include").standardizedFileURL

// The cluster: default durability settings (fsync and synchronous_commit on).
let cluster = EmbeddedPostgres(directory: root.appendingPathComponent("db").path)
try await cluster.start()
let password = try String(contentsOfFile: cluster.passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
let target = DatabaseTarget(host: cluster.socketDirectory, port: cluster.port, database: cluster.database, user: cluster.superuser, password: password)

// The publisher plugin and its manifest; the event schema.
let plugins = root.appendingPathComponent("plugins"), events = root.appendingPathComponent("events")
try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
try FileManager.default.createDirectory(at: events, withIntermediateDirectories: true)
_ = try shell(["cc", "-std=c11", "-O2", "-shared", "-fPIC", "-I", sdkInclude.path, here.appendingPathComponent("publisher.c").path,
               "-o", plugins.appendingPathComponent("libbench_pub.so").path])
try Data(#"{"id":"bench-pub","version":"1.0.0","abi":"1.1","library":"libbench_pub.so","runtime":"c","publishes":["bench.tick.happened"],"answers":[{"topic":"bench-pub.burst.run","handler":"bench_burst"}]}"#.utf8)
    .write(to: plugins.appendingPathComponent("bench-pub.json"))
try Data(#"{"topic":"bench.tick.happened","kind":"fact","owner":"bench-pub","version":1,"payload":{"type":"object","required":["seq"],"properties":{"seq":{"type":"integer"}}}}"#.utf8)
    .write(to: events.appendingPathComponent("bench.tick.happened.json"))

let log = try EventLog(target: target)
let host = PluginHost(configuration: LoaderConfiguration(
    manifestPaths: [plugins], librarySearchPaths: [plugins], imageDirectory: root.appendingPathComponent("images"),
    events: try EventCatalog.load(directory: events), transport: log, storage: log))
log.registerExtensions(on: host)
host.boot()
guard host.plugin("bench-pub")?.state == .active else { fatalError("publisher not active: \(host.plugin("bench-pub")?.reason ?? "?")") }

// The subscriber: a module whose handler records the latency from publication.
final class Sink: @unchecked Sendable {
    let lock = NSLock()
    var latencies: [Int64] = []
    var lastHandled = Date()
    func record(_ e: Event) {
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        lock.lock(); latencies.append(now - e.timeUnixMicros); lastHandled = Date(); lock.unlock()
    }
    var count: Int { lock.lock(); defer { lock.unlock() }; return latencies.count }
    func reset() { lock.lock(); latencies.removeAll(); lock.unlock() }
    func snapshot() -> (latencies: [Int64], last: Date) { lock.lock(); defer { lock.unlock() }; return (latencies, lastHandled) }
}

/// Blocks this thread (the benchmark waits on purpose).
func nap(_ seconds: Double) { Thread.sleep(forTimeInterval: seconds) }
let sink = Sink()
let sinkManifest = try PluginManifest.parse(Data(#"{"id":"bench-sink","version":"1.0.0","abi":"1.1","library":"none.so","subscribes":[{"topic":"bench.tick.happened","handler":"sink"}]}"#.utf8),
                                            file: "bench-sink.json", directory: root)
try log.prepare(sinkManifest)
try log.attach(pluginID: "bench-sink", subscribers: [Subscriber(pluginID: "bench-sink", topic: "bench.tick.happened", handlerName: "sink", invocation: .swift { sink.record($0.event); return .ok })])
log.resume(pluginID: "bench-sink")

// Warm up, then the measured run.
_ = host.request(topic: "bench-pub.burst.run", payload: Data(#"{"n":1000,"per_tx":100}"#.utf8), source: "bench", timeout: .seconds(120))
guard log.drain(timeout: .seconds(60)) else { fatalError("warm-up did not drain") }
sink.reset()

let start = Date()
let result = host.request(topic: "bench-pub.burst.run", payload: Data(#"{"n":\#(total),"per_tx":\#(perTransaction)}"#.utf8), source: "bench", timeout: .seconds(120))
let published = Date()
guard result.status == 0 else { fatalError("burst failed: \(result.message)") }
let deadline = Date().addingTimeInterval(120)
while sink.count < total, Date() < deadline { nap(0.001) }
let snapshot = sink.snapshot()
let handledCount = snapshot.latencies.count
let elapsed = snapshot.last.timeIntervalSince(start)
let sorted = snapshot.latencies.sorted()
func percentile(_ p: Double) -> Double { sorted.isEmpty ? .nan : Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000 }

emit("durable: publish in transaction → handled", ["baseline": "baseline: pgbench -S, 2 clients, same cluster", "events": handledCount, "expected": total, "seconds": elapsed,
     "per_second": Double(handledCount) / elapsed, "publish_seconds": published.timeIntervalSince(start),
     "p50_ms": percentile(0.50), "p99_ms": percentile(0.99), "max_ms": percentile(1.0), "per_transaction": perTransaction])
host.shutdown()
log.shutdown()

// Baseline: pgbench -S on the same cluster, 2 clients, a fixed count of transactions
// (bounded by count: `-T` did not end on these machines).
let pgbin = try shell(["pg_config", "--bindir"]).trimmingCharacters(in: .whitespacesAndNewlines)
let asPostgres = getuid() == 0 ? ["runuser", "-u", "postgres", "--", "env", "PGPASSWORD=\(password)"] : ["env", "PGPASSWORD=\(password)"]
let connect = ["-h", cluster.socketDirectory, "-p", "\(cluster.port)", "-U", cluster.superuser]
_ = try shell(asPostgres + ["\(pgbin)/pgbench", "-i", "-s", "1", "-q"] + connect + [cluster.database])
let pgbench = try shell(asPostgres + ["\(pgbin)/pgbench", "-S", "-c", "2", "-j", "2", "-t", "25000", "-n"] + connect + [cluster.database])
let tps = pgbench.split(separator: "\n").first { $0.hasPrefix("tps") }.flatMap { line in
    line.split(separator: " ").dropFirst(2).first.flatMap { Double($0) }
} ?? .nan
try await cluster.stop()

emit("baseline: pgbench -S, 2 clients, same cluster", ["per_second": tps])
