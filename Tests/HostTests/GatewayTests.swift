import EOPGateway
import EOPLoader
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A caller named by a test header `x-test-principal: kind:id:perm1,perm2` (tests only).
struct HeaderPrincipals: PrincipalResolver {
    func principal(for headers: HTTPFields) async -> GatewayPrincipal {
        guard let text = headers[HTTPField.Name("x-test-principal")!] else { return .anonymous }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let kind: GatewayPrincipal.Kind = ["staff": .staff, "customer": .customer, "guest": .guest][parts[0]] ?? .anonymous
        return GatewayPrincipal(kind: kind, id: parts.count > 1 ? parts[1] : "", permissions: Set(parts.count > 2 ? parts[2].split(separator: ",").map(String.init) : []))
    }
}

@Suite("The HTTP gateway, over real HTTP on loopback")
struct GatewayTests {
    /// The two example plugins loaded in memory, and a gateway in front of them.
    static func examples() throws -> (Workspace, PluginHost, Gateway) {
        let ws = try Workspace()
        try ws.compileC(Repo.examples.appendingPathComponent("c-hello/hello.c"), library: "libc_hello.so")
        let host = try ws.host(extraManifestPaths: [Repo.examples])
        host.boot()
        let gateway = Gateway(plugins: host, configuration: .init(port: 0, principals: HeaderPrincipals(),
                                                                  readiness: { nil }, extraMetrics: { "eop_test_marker 1\n" }))
        return (ws, host, gateway)
    }

    /// JSON content type, and a test principal when given.
    static func headers(_ principal: String?) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json"]
        if let principal { fields[HTTPField.Name("x-test-principal")!] = principal }
        return fields
    }

    static func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any])
    }

    @Test("a Swift plugin route and a C plugin route answer through the ABI")
    func pluginRoutes() async throws {
        let (_, host, gateway) = try Self.examples()
        defer { host.shutdown() }
        try await gateway.application().test(.live) { client in
            try await client.execute(uri: "/api/hello/greetings/Ada%20L", method: .get) { r in
                #expect(r.status == .ok)
                let parsed = try Self.json(r.body)
                #expect(parsed["text"] as? String == "Hello, Ada L!")
                #expect(r.headers[HTTPField.Name("X-Request-Id")!] != nil)
            }
            try await client.execute(uri: "/api/c-hello/ping", method: .get) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body) == #"{"pong":true}"#)
                #expect(r.headers[.contentType] == "application/json")
            }
        }
    }

    @Test("auth is required where declared: 401 without a principal, 403 without the permission")
    func auth() async throws {
        let (_, host, gateway) = try Self.examples()
        defer { host.shutdown() }
        let body = ByteBuffer(string: #"{"message":"hi"}"#)
        let json = Self.headers(nil)
        try await gateway.application().test(.live) { client in
            try await client.execute(uri: "/api/c-hello/echo", method: .post, headers: json, body: body) { r in
                #expect(r.status == .unauthorized)
                #expect(r.headers[.contentType] == "application/problem+json")
            }
            let customer = Self.headers("customer:c1:")
            try await client.execute(uri: "/api/c-hello/echo", method: .post, headers: customer, body: body) { r in #expect(r.status == .forbidden) }
            let staffWithout = Self.headers("staff:u1:catalog.product.write")
            try await client.execute(uri: "/api/c-hello/echo", method: .post, headers: staffWithout, body: body) { r in
                #expect(r.status == .forbidden)
                let parsed = try Self.json(r.body)
                #expect((parsed["detail"] as? String)?.contains("c-hello.echo.write") == true)
            }
            let staff = Self.headers("staff:u1:c-hello.echo.write")
            try await client.execute(uri: "/api/c-hello/echo", method: .post, headers: staff, body: body) { r in
                #expect(r.status == .created)
                #expect(String(buffer: r.body) == #"{"by":"u1","body":{"message":"hi"}}"#)
            }
        }
    }

    @Test("bad input gets problem+json naming the field; an oversized body gets 413")
    func badInput() async throws {
        let (_, host, gateway) = try Self.examples()
        defer { host.shutdown() }
        let staff = Self.headers("staff:u1:*")
        try await gateway.application().test(.live) { client in
            try await client.execute(uri: "/api/c-hello/echo", method: .post, headers: staff, body: ByteBuffer(string: #"{"message": "#)) { r in
                #expect(r.status == .badRequest)
                #expect(r.headers[.contentType] == "application/problem+json")
                let errors = try #require(try Self.json(r.body)["errors"] as? [[String: String]])
                #expect(errors.first?["field"] == "(body)")
            }
            try await client.execute(uri: "/api/c-hello/echo", method: .post, headers: staff, body: ByteBuffer(string: #"{"message": 5}"#)) { r in
                #expect(r.status == .badRequest)
                let problem = try Self.json(r.body)
                #expect((problem["errors"] as? [[String: String]])?.first?["field"] == "message")
                #expect(problem["detail"] as? String == "message: must be a string")
            }
            try await client.execute(uri: "/api/c-hello/echo", method: .post, headers: staff, body: ByteBuffer(string: #"{}"#)) { r in
                let errors = try Self.json(r.body)["errors"] as? [[String: String]]
                #expect(errors?.first?["field"] == "message")
            }
            let big = ByteBuffer(string: #"{"message":""# + String(repeating: "x", count: 2000) + #""}"#)
            try await client.execute(uri: "/api/c-hello/echo", method: .post, headers: staff, body: big) { r in
                #expect(r.status == .contentTooLarge)
                let parsed = try Self.json(r.body)
                #expect((parsed["detail"] as? String)?.contains("1024") == true)
            }
        }
    }

    @Test("a failing handler is answered 500 with the request id, and the next request succeeds")
    func failingHandler() async throws {
        let (_, host, gateway) = try Self.examples()
        defer { host.shutdown() }
        try await gateway.application().test(.live) { client in
            try await client.execute(uri: "/api/hello/fail", method: .post) { r in
                #expect(r.status == .internalServerError)
                let problem = try Self.json(r.body)
                #expect(problem["request_id"] as? String == r.headers[HTTPField.Name("X-Request-Id")!])
                #expect((problem["detail"] as? String)?.contains("this route always fails") == false, "the plugin's message stays in the log")
            }
            try await client.execute(uri: "/api/hello/greetings/Bo", method: .get) { r in #expect(r.status == .ok) }
        }
    }

    @Test("health, readiness, metrics and the OpenAPI document")
    func operations() async throws {
        let (_, host, gateway) = try Self.examples()
        defer { host.shutdown() }
        try await gateway.application().test(.live) { client in
            try await client.execute(uri: "/health", method: .get) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/ready", method: .get) { r in let parsed = try Self.json(r.body)
                #expect(parsed["status"] as? String == "ready") }
            try await client.execute(uri: "/api/c-hello/ping", method: .get) { _ in }
            try await client.execute(uri: "/metrics", method: .get) { r in
                let text = String(buffer: r.body)
                #expect(text.contains(#"eop_http_requests_total{route="GET /api/c-hello/ping",method="GET",status="200"}"#), "\(text.prefix(800))")
                #expect(text.contains("eop_http_request_duration_seconds_bucket"))
                #expect(text.contains("eop_test_marker 1"))
            }
            try await client.execute(uri: "/api/openapi.json", method: .get) { r in
                let doc = try Self.json(r.body)
                #expect(doc["openapi"] as? String == "3.1.0")
                let paths = try #require(doc["paths"] as? [String: Any])
                let echo = try #require((paths["/api/c-hello/echo"] as? [String: Any])?["post"] as? [String: Any])
                #expect(echo["x-eop-permission"] as? String == "c-hello.echo.write")
                #expect(echo["requestBody"] != nil)
                #expect(paths["/api/hello/greetings/{name}"] != nil)
            }
        }
    }

    @Test("a deactivated plugin's routes vanish at once")
    func routesFollowActivation() async throws {
        let (_, host, gateway) = try Self.examples()
        defer { host.shutdown() }
        try await gateway.application().test(.live) { client in
            try await client.execute(uri: "/api/c-hello/ping", method: .get) { r in #expect(r.status == .ok) }
            try host.deactivate("c-hello")
            try await client.execute(uri: "/api/c-hello/ping", method: .get) { r in #expect(r.status == .notFound) }
        }
    }

    @Test("two plugins declaring the same route: the second is refused, naming the first")
    func routeConflict() throws {
        let ws = try Workspace()
        try ws.probe("first")
        try ws.manifest("first", probeManifest("first").replacingOccurrences(of: #""answers""#, with: #""routes": [{"method": "GET", "path": "/shop/{slug}", "handler": "probe_state"}], "answers""#))
        try ws.probe("second")
        try ws.manifest("second", probeManifest("second").replacingOccurrences(of: #""answers""#, with: #""routes": [{"method": "GET", "path": "/shop/{id}", "handler": "probe_state"}], "answers""#))
        let host = try ws.host()
        defer { host.shutdown() }
        host.boot()
        #expect(host.plugin("first")?.state == .active)
        #expect(host.reason("second") == "route GET /shop/{id} is already served by 'first'")
    }
}

@Suite("Plugin assets")
struct PluginAssetTests {
    @Test("a plugin's static file is served with an ETag and caching headers; a matching If-None-Match gets 304; no escaping its folder")
    func assets() async throws {
        let (_, host, gateway) = try GatewayTests.examples()
        defer { host.shutdown() }
        try await gateway.application().test(.live) { client in
            let first = try await client.execute(uri: "/assets/c-hello/hello.css", method: .get)
            #expect(first.status == .ok)
            #expect(first.headers[.contentType] == "text/css; charset=utf-8")
            #expect(first.headers[.cacheControl] == "public, max-age=86400")
            let etag = try #require(first.headers[.eTag])
            #expect(String(buffer: first.body).contains("system-ui"))
            let again = try await client.execute(uri: "/assets/c-hello/hello.css", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(try await client.execute(uri: "/assets/c-hello/..%2Fmanifest.json", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/assets/c-hello/../manifest.json", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/assets/nobody/x.css", method: .get).status == .notFound)
        }
    }
}

@Suite("The gateway keeps its own paths")
struct GatewayReservedPathTests {
    @Test("a plugin's {param} routes never shadow /health, /admin or /metrics; a schema route refuses a non-JSON body with 415")
    func reserved() async throws {
        let ws = try Workspace()
        try ws.compileC(Repo.examples.appendingPathComponent("c-hello/hello.c"), library: "libc_hello.so")
        try ws.probe("shadow")
        try ws.manifest("shadow", probeManifest("shadow").replacingOccurrences(of: #""answers""#, with: #""routes": [{"method": "GET", "path": "/{slug}", "handler": "probe_route"}, {"method": "POST", "path": "/{a}/{b}", "handler": "probe_route"}], "answers""#))
        let host = try ws.host(extraManifestPaths: [Repo.examples])
        defer { host.shutdown() }
        host.boot()
        #expect(host.plugin("shadow")?.state == .active, "\(host.reason("shadow"))")
        let gateway = Gateway(plugins: host, configuration: .init(port: 0, principals: HeaderPrincipals()))
        try await gateway.application().test(.live) { client in
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(String(buffer: health.body) == #"{"status":"ok"}"#)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(!String(buffer: metrics.body).contains(#""probe""#))
            let login = try await client.execute(uri: "/admin/login", method: .post, body: ByteBuffer(string: "email=a&password=b"))
            #expect(!String(buffer: login.body).contains(#""probe""#), "the console's login form must never reach a plugin")
            let page = try await client.execute(uri: "/summer-sale", method: .get)
            #expect(String(buffer: page.body) == #"{"probe":"shadow"}"#)
            let text = try await client.execute(uri: "/api/c-hello/echo", method: .post,
                                                headers: [.contentType: "text/plain", HTTPField.Name("x-test-principal")!: "staff:u1:*"],
                                                body: ByteBuffer(string: #"{"message": 5}"#))
            #expect(text.status == .unsupportedMediaType)
        }
    }
}
