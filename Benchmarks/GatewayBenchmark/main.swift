// The HTTP gateway under bounded load (wrk, loopback only): the same fixed body from
// a bare Hummingbird endpoint (the baseline) and through a C plugin's route via the
// ABI (matching, request struct, handler call, response sink), in one run.
// Prints JSON lines for scripts/bench-report.py.
import BenchKit
import EOPDispatch
import EOPGateway
import EOPLoader
import EOPManifest
import Foundation
import Hummingbird
import Logging

LoggingSystem.bootstrap { var h = StreamLogHandler.standardError(label: $0); h.logLevel = .warning; return h }
let seconds = Int(ProcessInfo.processInfo.environment["EOP_BENCH_SECONDS"] ?? "") ?? 10
let body = #"{"pong":true}"#

let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("eop-gw-bench-\(UUID().uuidString.prefix(6))")
try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: root) }
let sdk = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../SDK").standardizedFileURL
_ = try shell(["cc", "-std=c11", "-O2", "-shared", "-fPIC", "-I", sdk.appendingPathComponent("include").path,
               sdk.appendingPathComponent("examples/c-hello/hello.c").path, "-o", root.appendingPathComponent("libc_hello.so").path, "-lpthread"])
try Data(#"{"id":"c-hello","version":"1.0.0","abi":"1.1","library":"libc_hello.so","runtime":"c","settings":{"prefix":{"type":"string","default":"echo"}},"routes":[{"method":"GET","path":"/api/c-hello/ping","handler":"c_hello_http_ping","inline":true}]}"#.utf8)
    .write(to: root.appendingPathComponent("c-hello.json"))
let host = PluginHost(configuration: LoaderConfiguration(manifestPaths: [root], librarySearchPaths: [root], imageDirectory: root.appendingPathComponent("images")))
host.boot()
guard host.plugin("c-hello")?.state == .active else { fatalError("c-hello: \(host.plugin("c-hello")?.reason ?? "?")") }

final class Ports: @unchecked Sendable {
    let lock = NSLock()
    var ports: [String: Int] = [:]
    func set(_ name: String, _ port: Int) { lock.lock(); ports[name] = port; lock.unlock() }
    func get(_ name: String) -> Int? { lock.lock(); defer { lock.unlock() }; return ports[name] }
}
let ports = Ports()

// Baseline: a bare Hummingbird endpoint with the same body and content type.
let bareRouter = Router()
bareRouter.get("/api/c-hello/ping") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
}
let bare = Application(router: bareRouter, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                       onServerRunning: { ports.set("bare", $0.localAddress?.port ?? 0) })
let gateway = Gateway(plugins: host, configuration: .init(host: "127.0.0.1", port: 0)).application { ports.set("plugin", $0) }

func wrk(_ port: Int) throws -> [String: Any] { try BenchKit.wrk("http://127.0.0.1:\(port)/api/c-hello/ping", seconds: seconds) }

try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await bare.runService() }
    group.addTask { try await gateway.runService() }
    while ports.get("bare") == nil || ports.get("plugin") == nil { try await Task.sleep(for: .milliseconds(20)) }
    let baseline = "baseline: bare Hummingbird endpoint, same body"
    _ = try wrk(ports.get("bare")!)  // warm up both
    let b = try wrk(ports.get("bare")!)
    let p = try wrk(ports.get("plugin")!)
    emit(baseline, b)
    emit("gateway: the same body through a C plugin route (ABI)", p.merging(["baseline": baseline, "events": 0]) { $1 })
    group.cancelAll()
}
host.shutdown()
