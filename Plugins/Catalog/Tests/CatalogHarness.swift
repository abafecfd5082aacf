import EOPDispatch
import EOPEventLog
import EOPGateway
import EOPLoader
import EOPManifest
import EOPStorage
import EOPTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The built libCatalog.so loaded into a real host: facts and plugin SQL through a fresh
/// PostgreSQL database of the test cluster, routes through the real gateway on loopback.
/// Immutable after init, and host, log and gateway are safe to use from any task.
final class CatalogHarness: @unchecked Sendable {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    /// Where SwiftPM put libCatalog.so (EOP_BUILD_DIR overrides).
    static var buildDirectory: URL {
        ProcessInfo.processInfo.environment["EOP_BUILD_DIR"].map { URL(fileURLWithPath: $0) } ?? root.appendingPathComponent(".build/debug")
    }

    let target: DatabaseTarget
    let host: PluginHost
    let log: EventLog
    let gateway: Gateway
    private let images: URL

    init() async throws {
        let cluster = try await TestCluster.shared()
        let name = TestCluster.uniqueName("catalog")
        let admin = try await TestCluster.connect()
        _ = try admin.execute("CREATE DATABASE \(name)")
        admin.close()
        let password = try String(contentsOfFile: cluster.passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        target = DatabaseTarget(host: cluster.socketDirectory, port: cluster.port, database: name, user: cluster.superuser, password: password)
        images = FileManager.default.temporaryDirectory.appendingPathComponent("eop-catalog-\(UUID().uuidString.prefix(8))")
        log = try EventLog(target: target, retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5)))
        host = PluginHost(configuration: LoaderConfiguration(
            manifestPaths: [Self.root.appendingPathComponent("Manifests/catalog.json")],
            librarySearchPaths: [Self.buildDirectory], imageDirectory: images,
            events: try EventCatalog.load(directory: Self.root.appendingPathComponent("Manifests/events")), transport: log, storage: log))
        log.registerExtensions(on: host)
        host.boot()
        gateway = Gateway(plugins: host, configuration: .init(port: 0, principals: TestPrincipals()))
        try #require(host.plugin("catalog")?.state == .active, "catalog did not activate: \(host.plugin("catalog")?.reason ?? "not loaded")")
    }

    deinit {
        host.shutdown()
        log.shutdown()
        try? FileManager.default.removeItem(at: images)
    }

    /// One integer from a query run as superuser (for checks the plugin's API does not show).
    func count(_ sql: String) throws -> Int64 {
        let c = try PostgresConnection(target.conninfo)
        defer { c.close() }
        return try c.execute(sql).int64(row: 0, column: 0) ?? -1
    }

    /// Waits until the relay has moved `n` facts of `topic` into eop.events.
    func facts(_ topic: String, atLeast n: Int64) async throws -> Int64 {
        let query = "SELECT count(*) FROM eop.events WHERE topic = '\(topic)' AND source = 'catalog'"
        let deadline = Date().addingTimeInterval(20)
        while try count(query) < n, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return try count(query)
    }

    /// `catalog.price.quote` through the host, as Cart will ask it.
    func quote(_ payload: [String: Any]) throws -> [String: Any] {
        let data = try JSONSerialization.data(withJSONObject: payload)
        let r = host.request(topic: "catalog.price.quote", payload: data, source: "cart", timeout: .seconds(10))
        guard r.status == 0 else { throw QuoteError(status: r.status, message: r.message) }
        return try #require(try JSONSerialization.jsonObject(with: r.reply) as? [String: Any])
    }

    /// Runs `body` against the gateway on a live loopback port.
    func http(_ body: @escaping @Sendable (API) async throws -> Void) async throws {
        try await gateway.application().test(.live) { client in try await body(API(client: client)) }
    }
}

struct QuoteError: Error {
    let status: Int32
    let message: String
}

/// `x-test-principal: staff:<id>:<perm,perm>` picks the caller; no header is anonymous.
struct TestPrincipals: PrincipalResolver {
    func principal(for headers: HTTPFields) async -> GatewayPrincipal {
        guard let text = headers[HTTPField.Name("x-test-principal")!] else { return .anonymous }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        return GatewayPrincipal(kind: parts[0] == "staff" ? .staff : .customer, id: parts.count > 1 ? parts[1] : "",
                                permissions: Set(parts.count > 2 ? parts[2].split(separator: ",").map(String.init) : []))
    }
}

/// An HTTP answer: status, body text and the body as JSON when it is JSON.
struct Reply: @unchecked Sendable {
    let status: Int
    let text: String
    let contentType: String?
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    /// The first field named by a problem+json answer.
    var field: String? { (json["errors"] as? [[String: Any]])?.first?["field"] as? String }
}

/// Calls the catalog's routes as staff holding every catalog permission (unless told otherwise).
struct API: Sendable {
    let client: any TestClientProtocol
    static let staff = "staff:u1:catalog.product.read,catalog.product.write,catalog.price.write,catalog.taxonomy.write"

    func call(_ method: HTTPRequest.Method, _ uri: String, json: Any? = nil, body: String? = nil,
              contentType: String = "application/json", principal: String? = API.staff) async throws -> Reply {
        var headers: HTTPFields = [.contentType: contentType]
        if let principal { headers[HTTPField.Name("x-test-principal")!] = principal }
        let text = try json.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) } ?? body
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: text.map { ByteBuffer(string: $0) })
        return Reply(status: Int(response.status.code), text: String(buffer: response.body), contentType: response.headers[.contentType])
    }

    /// Creates a product and returns its JSON (fails the test on anything but 201).
    @discardableResult
    func product(_ body: [String: Any]) async throws -> [String: Any] {
        let r = try await call(.post, "/api/catalog/products", json: body)
        try #require(r.status == 201, "create \(body["name"] ?? ""): \(r.status) \(r.text)")
        return r.json
    }
}
