// Complete checkouts under bounded load (loopback): a guest adds a variant to a new cart,
// gives an email and a shipping address, and checks out with cash on delivery, through the
// real Catalog, Cart, Order and Payment plugins (release builds) over PostgreSQL. Baseline
// in the same run: the same three requests against a bare Hummingbird server answering
// canned JSON, driven by the same client. Bounded: `EOP_BENCH_CHECKOUTS` checkouts
// (default 3,000) by `EOP_BENCH_CONCURRENCY` guests at a time (default 32).
// Prints JSON lines for scripts/bench-report.py.
import AsyncHTTPClient
import BenchKit
import EOPDispatch
import EOPEventLog
import EOPGateway
import EOPLoader
import EOPManifest
import EOPStorage
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

LoggingSystem.bootstrap { var h = StreamLogHandler.standardError(label: $0); h.logLevel = .warning; return h }
let total = Int(ProcessInfo.processInfo.environment["EOP_BENCH_CHECKOUTS"] ?? "") ?? 3_000
let concurrency = Int(ProcessInfo.processInfo.environment["EOP_BENCH_CONCURRENCY"] ?? "") ?? 32
let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL
let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("eop-checkout-bench-\(UUID().uuidString.prefix(6))")
try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: root) }

/// Staff with every permission for the `x-bench-staff` header; anyone else is a guest.
struct BenchPrincipals: PrincipalResolver {
    func principal(for headers: HTTPFields) async -> GatewayPrincipal {
        headers[HTTPField.Name("x-bench-staff")!] != nil ? GatewayPrincipal(kind: .staff, id: "bench", permissions: ["*"]) : .anonymous
    }
}

let modules = ["catalog", "cart", "order", "payment"]
let cluster = EmbeddedPostgres(directory: root.appendingPathComponent("db").path)
try await cluster.start()
let password = try String(contentsOfFile: cluster.passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
let target = DatabaseTarget(host: cluster.socketDirectory, port: cluster.port, database: cluster.database, user: cluster.superuser, password: password)
// EOP_SQL_PREPARED=false measures without prepared statements, as the host reads it.
let log = try EventLog(target: target, preparedStatements: ProcessInfo.processInfo.environment["EOP_SQL_PREPARED"] != "false")
let host = PluginHost(configuration: LoaderConfiguration(
    manifestPaths: modules.map { repo.appendingPathComponent("Manifests/\($0).json") },
    librarySearchPaths: [repo.appendingPathComponent(".build/release")], imageDirectory: root.appendingPathComponent("images"),
    events: try EventCatalog.load(directory: repo.appendingPathComponent("Manifests/events")),
    settings: ["catalog": Data(#"{"currency": "EUR"}"#.utf8)],
    transport: log, storage: log))
log.registerExtensions(on: host)
host.boot()
for id in modules where host.plugin(id)?.state != .active {
    throw BenchError("\(id): \(host.plugin(id)?.reason ?? "not loaded") (scripts/bench builds the release libraries first)")
}

final class Ports: @unchecked Sendable {
    let lock = NSLock()
    var ports: [String: Int] = [:]
    func set(_ name: String, _ port: Int) { lock.withLock { ports[name] = port } }
    func get(_ name: String) -> Int? { lock.withLock { ports[name] } }
}
let ports = Ports()

// The baseline: the same three requests, answered with canned JSON of similar size.
let bareRouter = Router()
bareRouter.post("/api/cart/items") { _, _ in
    Response(status: .created, headers: [.contentType: "application/json", HTTPField.Name("x-cart-token")!: "t0k3n"],
             body: .init(byteBuffer: ByteBuffer(string: #"{"cart_id":"c","cart_token":"t0k3n","items":[{"sku":"BENCH-1","quantity":1,"unit_price":2500,"total":2500}],"total":2500,"currency":"EUR"}"#)))
}
bareRouter.put("/api/cart/address") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"cart_id":"c","total":2500,"currency":"EUR"}"#)))
}
bareRouter.post("/api/order/checkout") { _, _ in
    Response(status: .created, headers: [.contentType: "application/json"],
             body: .init(byteBuffer: ByteBuffer(string: #"{"order_id":"o","number":"1","status":"confirmed","payment_status":"authorized","total":2500,"currency":"EUR"}"#)))
}
let bare = Application(router: bareRouter, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                       onServerRunning: { ports.set("bare", $0.localAddress?.port ?? 0) })
let gateway = Gateway(plugins: host, configuration: .init(host: "127.0.0.1", port: 0, principals: BenchPrincipals())).application { ports.set("shop", $0) }

var clientConfiguration = HTTPClient.Configuration()
clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = concurrency
let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)

/// One request; returns the status, the headers and the body.
func call(_ method: HTTPMethod, _ url: String, _ json: String?, _ headers: [(String, String)] = []) async throws -> (Int, HTTPHeaders, String) {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let json {
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
    }
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    let response = try await client.execute(request, timeout: .seconds(30))
    let body = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), response.headers, String(buffer: body))
}

func millis(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }

/// What one run measured.
struct Run {
    var latencies: [Double] = []   // ms per complete checkout
    var steps: [String: Double] = [:]  // ms summed per step
    var errors = 0
    var firstError = ""
    var seconds = 0.0
}

/// `total` checkouts by `concurrency` guests against `base`, each the three steps in order.
func checkouts(_ base: String, variantID: String) async throws -> Run {
    let started = ContinuousClock.now
    let results = try await withThrowingTaskGroup(of: Run.self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var run = Run()
                var n = worker
                while n < total {
                    defer { n += concurrency }
                    let t0 = ContinuousClock.now
                    do {
                        let (added, headers, addBody) = try await call(.POST, base + "/api/cart/items", #"{"variant_id":"\#(variantID)","quantity":1}"#)
                        guard added == 200 || added == 201, let token = headers.first(name: "x-cart-token") else { throw BenchError("add: \(added) \(addBody.prefix(300))") }
                        let t1 = ContinuousClock.now
                        let (addressed, _, addressBody) = try await call(.PUT, base + "/api/cart/address", #"""
                            {"email":"guest\#(n)@bench.test","shipping_address":{"name":"Guest \#(n)","line1":"1 Bench Road","city":"Dhaka","postal_code":"1207","country":"BD"}}
                            """#, [("x-cart-token", token)])
                        guard addressed == 200 else { throw BenchError("address: \(addressed) \(addressBody.prefix(300))") }
                        let t2 = ContinuousClock.now
                        let (placed, _, placedBody) = try await call(.POST, base + "/api/order/checkout", #"{"payment_method":"cod"}"#,
                                                                     [("x-cart-token", token), ("idempotency-key", "bench-\(n)-\(UUID().uuidString)")])
                        guard placed == 201 else { throw BenchError("checkout: \(placed) \(placedBody.prefix(300))") }
                        let t3 = ContinuousClock.now
                        run.steps["add", default: 0] += millis(t0.duration(to: t1))
                        run.steps["address", default: 0] += millis(t1.duration(to: t2))
                        run.steps["checkout", default: 0] += millis(t2.duration(to: t3))
                        run.latencies.append(millis(t0.duration(to: t3)))
                    } catch {
                        run.errors += 1
                        if run.firstError.isEmpty { run.firstError = "\(error)" }
                    }
                }
                return run
            }
        }
        var all = Run()
        for try await part in group {
            all.latencies += part.latencies
            all.errors += part.errors
            if all.firstError.isEmpty { all.firstError = part.firstError }
            for (k, v) in part.steps { all.steps[k, default: 0] += v }
        }
        return all
    }
    var run = results
    let elapsed = started.duration(to: .now)
    run.seconds = millis(elapsed) / 1000
    return run
}

func report(_ name: String, _ run: Run, baseline: String? = nil) {
    let sorted = run.latencies.sorted()
    func pct(_ p: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
    var fields: [String: Any] = ["per_second": Double(sorted.count) / max(run.seconds, 0.001), "p50_ms": pct(0.50), "p99_ms": pct(0.99),
                                 "errors": run.errors > 0, "error_count": run.errors, "checkouts": sorted.count]
    for (step, sum) in run.steps { fields["avg_\(step)_ms"] = sorted.isEmpty ? Double.nan : sum / Double(sorted.count) }
    if let baseline { fields["baseline"] = baseline }
    if !run.firstError.isEmpty { fields["first_error"] = run.firstError }
    emit(name, fields)
}

try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await bare.runService() }
    group.addTask { try await gateway.runService() }
    while ports.get("bare") == nil || ports.get("shop") == nil { try await Task.sleep(for: .milliseconds(20)) }
    let shop = "http://127.0.0.1:\(ports.get("shop")!)"

    let (created, _, productBody) = try await call(.POST, shop + "/api/catalog/products", #"""
        {"name": "Bench Lamp", "slug": "bench-lamp", "status": "active", "variants": [{"sku": "BENCH-1", "price": 2500, "currency": "EUR"}]}
        """#, [("x-bench-staff", "1")])
    guard created == 201, let product = try JSONSerialization.jsonObject(with: Data(productBody.utf8)) as? [String: Any],
          let variantID = (product["variants"] as? [[String: Any]])?.first?["id"] as? String else {
        throw BenchError("product: \(created) \(productBody.prefix(400))")
    }

    let baseline = "baseline: bare Hummingbird, the same three requests with canned JSON"
    _ = try await checkouts("http://127.0.0.1:\(ports.get("bare")!)", variantID: variantID)  // warm up
    report(baseline, try await checkouts("http://127.0.0.1:\(ports.get("bare")!)", variantID: variantID))
    report("checkout: guest cart → address → cash on delivery (\(concurrency) at a time)", try await checkouts(shop, variantID: variantID), baseline: baseline)
    group.cancelAll()
}
try await client.shutdown()
host.shutdown()
log.shutdown()
try await cluster.stop()
