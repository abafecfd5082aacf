import EOPGateway
import EOPLoader
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Routes with an `inline_handler` (eop/http.h): tried first on the server's request thread,
/// passed with EOP_WOULD_BLOCK to the route's handler on a worker thread.
@Suite("Inline-first routes")
struct InlineFirstRouteTests {
    static let source = Repo.root.appendingPathComponent("Tests/HostTests/Fixtures/inline_first.c")

    /// The fixture plugin with `routes` (JSON array text) as its routes.
    func workspace(routes: String) throws -> Workspace {
        let ws = try Workspace()
        try ws.compileC(Self.source, library: "libinline_first.so")
        try ws.manifest("inline-first", """
        {"id": "inline-first", "version": "1.0.0", "abi": "\(currentABI)", "library": "libinline_first.so", "runtime": "c", "routes": \(routes)}
        """)
        return ws
    }

    static func body(_ buffer: ByteBuffer) throws -> [String: String] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: String])
    }

    @Test("a kept answer comes from the request thread; a pass goes to the handler on a worker thread, with nothing of the pass left")
    func keptAndPassed() async throws {
        let ws = try workspace(routes: """
        [{"method": "GET", "path": "/pages/{name}", "handler": "inline_render", "inline_handler": "inline_kept"},
         {"method": "GET", "path": "/wrong", "handler": "inline_wrong", "inline": true},
         {"method": "GET", "path": "/worker-wrong/{name}", "handler": "inline_wrong", "inline_handler": "inline_kept"}]
        """)
        let host = try ws.host()
        defer { host.shutdown() }
        host.boot()
        #expect(host.plugin("inline-first")?.state == .active, "\(host.reason("inline-first"))")
        let gateway = Gateway(plugins: host, configuration: .init(port: 0))
        try await gateway.application().test(.live) { client in
            try await client.execute(uri: "/pages/kept", method: .get) { r in
                #expect(r.status == .ok)
                let answer = try Self.body(r.body)
                #expect(answer["from"] == "inline")
                #expect(answer["thread"]?.hasPrefix("eop-routes") == false, "answered on \(answer["thread"] ?? "?")")
            }
            try await client.execute(uri: "/pages/other", method: .get) { r in
                #expect(r.status == .ok)
                let answer = try Self.body(r.body)
                #expect(answer["from"] == "worker")
                #expect(answer["name"] == "other")
                #expect(answer["thread"]?.hasPrefix("eop-routes.") == true, "answered on \(answer["thread"] ?? "?")")
            }
            // The inline handler set 418 and wrote a body before passing: none of it reaches the client.
            try await client.execute(uri: "/pages/scribble", method: .get) { r in
                #expect(r.status == .ok)
                let answer = try Self.body(r.body)
                #expect(answer["from"] == "worker")
            }
            // EOP_WOULD_BLOCK from a handler with nothing to pass to is a failure, not a loop.
            try await client.execute(uri: "/wrong", method: .get) { r in #expect(r.status == .internalServerError) }
            try await client.execute(uri: "/worker-wrong/other", method: .get) { r in #expect(r.status == .internalServerError) }
        }
    }

    @Test("a manifest naming a bad inline_handler is refused, naming the field")
    func refusedManifests() throws {
        let cases: [(routes: String, reason: String)] = [
            (#"[{"method": "GET", "path": "/p", "handler": "inline_render", "inline_handler": "inline_kept", "inline": true}]"#, "routes[0].inline_handler"),
            (#"[{"method": "GET", "path": "/p", "handler": "inline_render", "inline_handler": "inline_render"}]"#, "must differ"),
            (#"[{"method": "GET", "path": "/p", "handler": "inline_render", "inline_handler": "not a symbol"}]"#, "not a C symbol"),
            (#"[{"method": "GET", "path": "/p", "handler": "inline_render", "inline_handler": "inline_missing"}]"#, "'inline_missing'"),
        ]
        for (routes, reason) in cases {
            let ws = try workspace(routes: routes)
            let host = try ws.host()
            defer { host.shutdown() }
            host.boot()
            #expect(host.plugin("inline-first")?.state != .active)
            #expect(host.reason("inline-first").contains(reason), "\(host.reason("inline-first"))")
        }
    }
}
