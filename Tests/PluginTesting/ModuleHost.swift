import EOPDispatch
import EOPEventLog
import EOPGateway
import EOPHost
import EOPIdentity
import EOPLoader
import EOPManifest
import EOPOutbound
import EOPStorage
import EOPTesting
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import Hummingbird
import HummingbirdTesting

/// Paths of this checkout: the manifests and the built plugin libraries.
public enum ModuleRepo {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let manifests = root.appendingPathComponent("Manifests")
    /// Where SwiftPM put the plugin libraries (EOP_BUILD_DIR overrides).
    public static var buildDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["EOP_BUILD_DIR"] { return URL(fileURLWithPath: dir) }
        return root.appendingPathComponent(".build/debug")
    }
}

/// A license stand-in that refuses the named modules, as the License module refuses a
/// module outside the tier (the loader sees only the gate's answer).
public struct RefusingGate: ActivationGate {
    public let refused: Set<String>
    public init(refused: Set<String>) { self.refused = refused }
    public func refusal(for manifest: PluginManifest) -> String? {
        refused.contains(manifest.id) ? "module '\(manifest.id)' is not in the license's tier" : nil
    }
    public var licenseSummary: [String: String] { ["tier": "starter", "licensee": "Test Shop", "expires_at": "2030-01-01T00:00:00Z"] }
}

/// A caller named by a test header `x-test-principal: kind:id:perm1,perm2` (tests only).
public struct TestPrincipals: PrincipalResolver {
    public init() {}
    public func principal(for headers: HTTPFields) async -> GatewayPrincipal {
        guard let text = headers[HTTPField.Name("x-test-principal")!] else { return .anonymous }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let kind: GatewayPrincipal.Kind = ["staff": .staff, "customer": .customer, "guest": .guest][parts[0]] ?? .anonymous
        return GatewayPrincipal(kind: kind, id: parts.count > 1 ? parts[1] : "", permissions: Set(parts.count > 2 ? parts[2].split(separator: ",").map(String.init) : []))
    }
}

/// Module plugins from `Manifests/<id>.json` loaded into a host whose facts and plugin
/// storage are a fresh database of the test process's PostgreSQL cluster, with a gateway.
public final class ModuleHost: @unchecked Sendable {
    public let host: PluginHost
    public let log: EventLog
    public let gateway: Gateway
    /// The identity store, when asked for.
    public let identity: IdentityStore?
    public let target: DatabaseTarget
    public let folder: URL

    /// - Parameters:
    ///   - modules: manifest ids under `Manifests/`.
    ///   - refused: modules the license refuses.
    ///   - settings: per plugin id, its settings as a JSON object text.
    ///   - extraManifests: more manifest files (e.g. a test's own).
    ///   - database: the database of an earlier ModuleHost (shut down by now) to start on
    ///     again, as a shop restarts on its data; nil for a fresh one.
    ///   - identity: the host's staff and customer store runs on the test database and
    ///     answers `platform.staff.first_owner`, as under `eop run`.
    public convenience init(modules: [String], refused: Set<String> = [], settings: [String: String] = [:], extraManifests: [URL] = [],
                            database: String? = nil, identity: Bool = false) async throws {
        // Module roles are cluster-wide (eop_s_<id>) and each new database gives them a new
        // password: two hosts loading the same module at once would lock each other out.
        await Self.turns.acquire()
        do {
            try await self.init(acquired: modules, refused: refused, settings: settings, extraManifests: extraManifests, database: database, identity: identity)
        } catch {
            await Self.turns.release()
            throw error
        }
    }

    /// One ModuleHost at a time in the test process.
    static let turns = Turns()
    private let stopped = Box(false)

    private init(acquired modules: [String], refused: Set<String>, settings: [String: String], extraManifests: [URL], database: String?,
                 identity withIdentity: Bool) async throws {
        let cluster = try await TestCluster.shared()
        let name = database ?? TestCluster.uniqueName("m")
        if database == nil {
            let admin = try await TestCluster.connect()
            defer { admin.close() }
            _ = try admin.execute("CREATE DATABASE \(name)")
        }
        let password = try String(contentsOfFile: cluster.passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        target = DatabaseTarget(host: cluster.socketDirectory, port: cluster.port, database: name, user: cluster.superuser, password: password)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("eop-module-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let log = try EventLog(target: target, retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5)))
        let configuration = LoaderConfiguration(
            manifestPaths: modules.map { ModuleRepo.manifests.appendingPathComponent("\($0).json") } + extraManifests,
            librarySearchPaths: [ModuleRepo.buildDirectory],
            imageDirectory: folder.appendingPathComponent("images"),
            events: try EventCatalog.load(directory: ModuleRepo.manifests.appendingPathComponent("events")),
            settings: settings.mapValues { Data($0.utf8) },
            gate: RefusingGate(refused: refused), transport: log, storage: log, swapHistory: log)
        let host = PluginHost(configuration: configuration)
        log.registerExtensions(on: host)
        HTTPClientExtension.register(on: host)
        if withIdentity {
            let target = target
            let store = IdentityStore(pool: ConnectionPool(name: "identity", maxConnections: 2) { try PostgresConnection(target.conninfo) })
            try store.bootstrap()
            try FirstOwnerAnswer.install(on: host, identity: store)
            identity = store
        } else {
            identity = nil
        }
        self.log = log
        self.host = host
        gateway = Gateway(plugins: host, configuration: .init(port: 0, principals: TestPrincipals()))
        host.boot()
    }

    /// Stops the plugins and the log, and removes the temporary folder.
    /// Safe to call twice (the second call does nothing); the next ModuleHost may start after it.
    public func shutdown() {
        guard !stopped.value else { return }
        stopped.value = true
        host.shutdown()
        log.shutdown()
        try? FileManager.default.removeItem(at: folder)
        Task { await Self.turns.release() }
    }

    /// The reason a plugin is not active, for failure messages.
    public func reason(_ id: String) -> String { host.plugin(id)?.reason ?? "(state \(host.plugin(id)?.state.rawValue ?? "unknown"))" }

    /// The PostgreSQL schema a module's tables live in.
    public func schema(of pluginID: String) -> String { ModuleDatabase.identifier(for: pluginID) }

    /// A superuser connection to the database (for checks the plugins cannot make).
    public func connect() throws -> PostgresConnection { try PostgresConnection(target.conninfo) }

    /// Runs `body` against the gateway over real HTTP on loopback.
    public func http(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await gateway.application().test(.live) { client in try await body(client) }
    }
}

/// Request headers: JSON, and a test principal when given (`staff:u1:*`).
public func testHeaders(_ principal: String?) -> HTTPFields {
    var fields: HTTPFields = [.contentType: "application/json"]
    if let principal { fields[HTTPField.Name("x-test-principal")!] = principal }
    return fields
}

/// A JSON object body, or a failure naming what came instead.
public func jsonObject(_ buffer: ByteBuffer) throws -> [String: Any] {
    guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
        throw HarnessError("not a JSON object: \(String(buffer: buffer))")
    }
    return object
}

public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A loopback TCP port nothing listens on (bound, then closed).
public func closedLoopbackPort() throws -> Int {
    let listener = try LoopbackListener()
    let port = listener.port
    listener.close()
    return port
}

/// A TCP socket listening on loopback (accepts nothing; the kernel completes handshakes).
public final class LoopbackListener: @unchecked Sendable {
    private var fd: Int32
    public let port: Int

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        guard fd >= 0 else { throw HarnessError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 16) == 0 else { Glibc.close(fd); throw HarnessError("bind/listen: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    public func close() {
        if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
    }

    deinit { close() }
}

/// Carries a value out of a `@Sendable` test closure (the closure runs before it is read).
public final class Box<Value>: @unchecked Sendable {
    public var value: Value
    public init(_ value: Value) { self.value = value }
}

/// A first-come lock that async tests can wait on without blocking a thread.
actor Turns {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard busy else { busy = true; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}

/// The field a 400 problem names: the plugin's `field`, or the gateway's first `errors[].field`
/// (the gateway checks a route's declared body schema before the plugin sees it).
public func problemField(_ buffer: ByteBuffer) -> String? {
    guard let object = try? jsonObject(buffer) else { return nil }
    if let field = object["field"] as? String { return field }
    return (object["errors"] as? [[String: Any]])?.first?["field"] as? String
}
