// The shop under bounded load (wrk, loopback): Storefront's product page and a category
// page with 10,000 products in Catalog (imported through Catalog's CSV route), each page
// built from Catalog's query topics over PostgreSQL. Baseline in the same run: a bare
// Hummingbird endpoint answering the very bytes of the product page. Needs the release
// builds of libCatalog.so and libStorefront.so (scripts/bench makes them).
// Prints JSON lines for scripts/bench-report.py.
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
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

LoggingSystem.bootstrap { var h = StreamLogHandler.standardError(label: $0); h.logLevel = .warning; return h }
let seconds = Int(ProcessInfo.processInfo.environment["EOP_BENCH_SECONDS"] ?? "") ?? 10
let productCount = Int(ProcessInfo.processInfo.environment["EOP_BENCH_PRODUCTS"] ?? "") ?? 10_000
let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL
let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("eop-shop-bench-\(UUID().uuidString.prefix(6))")
try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: root) }

/// Staff with every permission for the `x-bench-staff` header (the CSV import); anyone else is anonymous.
struct BenchPrincipals: PrincipalResolver {
    func principal(for headers: HTTPFields) async -> GatewayPrincipal {
        headers[HTTPField.Name("x-bench-staff")!] != nil ? GatewayPrincipal(kind: .staff, id: "bench", permissions: ["*"]) : .anonymous
    }
}

// PostgreSQL, Catalog and Storefront (release libraries), prices in EUR.
let cluster = EmbeddedPostgres(directory: root.appendingPathComponent("db").path)
try await cluster.start()
let password = try String(contentsOfFile: cluster.passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
let target = DatabaseTarget(host: cluster.socketDirectory, port: cluster.port, database: cluster.database, user: cluster.superuser, password: password)
// EOP_SQL_PREPARED=false measures without prepared statements, as the host reads it.
let log = try EventLog(target: target, preparedStatements: ProcessInfo.processInfo.environment["EOP_SQL_PREPARED"] != "false")
let host = PluginHost(configuration: LoaderConfiguration(
    manifestPaths: ["catalog", "storefront"].map { repo.appendingPathComponent("Manifests/\($0).json") },
    librarySearchPaths: [repo.appendingPathComponent(".build/release")], imageDirectory: root.appendingPathComponent("images"),
    events: try EventCatalog.load(directory: repo.appendingPathComponent("Manifests/events")),
    settings: ["catalog": Data(#"{"currency": "EUR"}"#.utf8), "storefront": Data(#"{"currency": "EUR", "shop_name": "Bench Shop"}"#.utf8)],
    transport: log, storage: log))
log.registerExtensions(on: host)
host.boot()
for id in ["catalog", "storefront"] where host.plugin(id)?.state != .active {
    throw BenchError("\(id): \(host.plugin(id)?.reason ?? "not loaded") (scripts/bench builds the release libraries first)")
}

final class Ports: @unchecked Sendable {
    let lock = NSLock()
    var ports: [String: Int] = [:]
    var page = Data()
    func set(_ name: String, _ port: Int) { lock.withLock { ports[name] = port } }
    func get(_ name: String) -> Int? { lock.withLock { ports[name] } }
}
let ports = Ports()

let bareRouter = Router()
bareRouter.get("/products/{slug}") { _, _ in
    Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(data: ports.lock.withLock { ports.page })))
}
let bare = Application(router: bareRouter, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                       onServerRunning: { ports.set("bare", $0.localAddress?.port ?? 0) })
let gateway = Gateway(plugins: host, configuration: .init(host: "127.0.0.1", port: 0, principals: BenchPrincipals())).application { ports.set("shop", $0) }

func fetch(_ url: String, method: String = "GET", body: Data? = nil, headers: [String: String] = [:]) async throws -> (Int, Data) {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = method
    request.httpBody = body
    request.timeoutInterval = 600
    for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
}

try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await bare.runService() }
    group.addTask { try await gateway.runService() }
    while ports.get("bare") == nil || ports.get("shop") == nil { try await Task.sleep(for: .milliseconds(20)) }
    let shop = "http://127.0.0.1:\(ports.get("shop")!)"

    // 10,000 products in one category, through Catalog's own CSV import.
    var csv = "product,name,status,description,categories,sku,price,currency\n"
    for i in 1...productCount {
        csv += "product-\(i),Product \(i),active,Bench product number \(i),Lamps,SKU-\(i),\(10 + i % 90).99,EUR\n"
    }
    let started = Date()
    let (status, report) = try await fetch(shop + "/api/catalog/import", method: "POST", body: Data(csv.utf8),
                                           headers: ["Content-Type": "text/csv", "x-bench-staff": "1"])
    let imported = (try? JSONSerialization.jsonObject(with: report) as? [String: Any])?["imported_rows"] as? Int ?? -1
    guard status == 200, imported == productCount else { throw BenchError("import: \(status) \(String(decoding: report.prefix(600), as: UTF8.self))") }
    FileHandle.standardError.write(Data("imported \(imported) products in \(String(format: "%.1f", Date().timeIntervalSince(started))) s\n".utf8))

    let productURL = shop + "/products/product-\(productCount / 2)", categoryURL = shop + "/category/lamps"
    let (pageStatus, page) = try await fetch(productURL)
    let (categoryStatus, _) = try await fetch(categoryURL)
    guard pageStatus == 200, categoryStatus == 200 else { throw BenchError("pages: product \(pageStatus), category \(categoryStatus)") }
    ports.lock.withLock { ports.page = page }
    // One request at a time first: what a page costs without contention (to swap.log-like stderr).
    for (name, url) in [("product", productURL), ("category", categoryURL)] {
        let t = ContinuousClock.now
        for _ in 0..<20 { _ = try await fetch(url) }
        let each = t.duration(to: .now) / 20
        FileHandle.standardError.write(Data("\(name) page alone: \(each)\n".utf8))
    }

    // For profiling: EOP_BENCH_HOLD=<seconds> keeps the servers up before measuring (perf record, own wrk runs).
    if let hold = ProcessInfo.processInfo.environment["EOP_BENCH_HOLD"].flatMap(Int.init) {
        FileHandle.standardError.write(Data("holding \(hold) s: bare http://127.0.0.1:\(ports.get("bare")!)/products/x, shop \(productURL) \(categoryURL)\n".utf8))
        try await Task.sleep(for: .seconds(hold))
    }

    let baseline = "baseline: bare Hummingbird endpoint, the product page's bytes"
    _ = try wrk("http://127.0.0.1:\(ports.get("bare")!)/products/x", seconds: seconds)  // warm up
    emit(baseline, try wrk("http://127.0.0.1:\(ports.get("bare")!)/products/x", seconds: seconds))
    // Visitors without cookies get kept pages (Storefront's page cache); one with a cookie
    // gets a page rendered for them from Catalog's queries: both are measured.
    let visitor = ["Cookie: sf_wish=product-1"]
    emit("shop: product page, kept (no cookies; Catalog \(productCount) products)", try wrk(productURL, seconds: seconds).merging(["baseline": baseline, "bytes": page.count]) { $1 })
    emit("shop: product page, rendered (visitor with a cookie)", try wrk(productURL, seconds: seconds, headers: visitor).merging(["baseline": baseline]) { $1 })
    emit("shop: category page, kept (first page of \(productCount) products)", try wrk(categoryURL, seconds: seconds).merging(["baseline": baseline]) { $1 })
    emit("shop: category page, rendered (visitor with a cookie)", try wrk(categoryURL, seconds: seconds, headers: visitor).merging(["baseline": baseline]) { $1 })
    group.cancelAll()
}
host.shutdown()
log.shutdown()
try await cluster.stop()
