import EOPABI
import EOPDispatch
import EOPLoader
import EOPOutbound
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Hooks (eop.hook.v1) and outbound HTTP (eop.http_client.v1), driven from C plugins
/// through the ABI as a third-party plugin would.
@Suite("Hooks and the outbound HTTP client")
struct HookTests {
    static let source = Repo.root.appendingPathComponent("Tests/HostTests/Fixtures/hooks.c")

    /// `id` built from hooks.c, taking part in `shop.basket.collect` at `order` (nil: not at all).
    func plugin(_ ws: Workspace, _ id: String, order: Int?, requests: [String] = [], hookTopic: String = "shop.basket.collect") throws {
        let library = "libhooks_\(id).so"
        try ws.compileC(Self.source, library: library, defines: ["PLUGIN_ID=\"\(id)\""])
        let hooks = order.map { #"[{"topic": "\#(hookTopic)", "handler": "hooks_take_part", "order": \#($0)}]"# } ?? "[]"
        try ws.manifest(id, """
        {"id": "\(id)", "version": "1.0.0", "abi": "\(currentABI)", "library": "\(library)", "runtime": "c",
         "requests": [\(requests.map { "\"\($0)\"" }.joined(separator: ","))], "hooks": \(hooks),
         "answers": [{"topic": "\(id).hook.invoke", "handler": "hooks_invoke"}, {"topic": "\(id).http.fetch", "handler": "hooks_fetch"}]}
        """)
    }

    func basketSchema(_ ws: Workspace) throws {
        try ws.schema("shop.basket.collect", """
        {"topic": "shop.basket.collect", "kind": "hook", "owner": "caller", "version": 1, "description": "contributions to a basket",
         "payload": {"type": "object", "required": ["amount"], "properties": {"amount": {"type": "integer", "minimum": 0}, "veto": {"type": "string"}}}}
        """)
    }

    /// The caller's query: invokes the hook from inside the plugin and returns what it saw.
    func invoke(_ host: PluginHost, caller: String, args: String, topic: String = "shop.basket.collect") throws -> [String: Any] {
        let result = host.request(topic: "\(caller).hook.invoke", payload: Data(#"{"topic":"\#(topic)","args":\#(args)}"#.utf8), source: "test", timeout: .seconds(5))
        #expect(result.status == EOP_OK, "\(result.message)")
        return try #require(try JSONSerialization.jsonObject(with: result.reply) as? [String: Any])
    }

    @Test("every taking-part plugin answers in its declared order; a veto stops the chain and names the plugin")
    func orderAndVeto() throws {
        let ws = try Workspace()
        try basketSchema(ws)
        try plugin(ws, "alpha", order: 200)
        try plugin(ws, "beta", order: 100)
        try plugin(ws, "gamma", order: nil, requests: ["shop.basket.collect"])
        let host = try ws.host()
        defer { host.shutdown() }
        host.boot()
        for id in ["alpha", "beta", "gamma"] { #expect(host.plugin(id)?.state == .active, "\(host.reason(id))") }
        #expect(host.table.hookHandlers(of: "shop.basket.collect").map(\.call.pluginID) == ["beta", "alpha"])

        let answered = try invoke(host, caller: "gamma", args: #"{"amount":500}"#)
        #expect(answered["status"] as? Int == Int(EOP_OK))
        let replies = try #require((answered["replies"] as? [String: Any])?["replies"] as? [[String: Any]])
        #expect(replies.map { $0["plugin"] as? String } == ["beta", "alpha"], "lower order first")
        let first = try #require(replies.first?["reply"] as? [String: Any])
        #expect(first["plugin"] as? String == "beta")
        #expect((first["payload"] as? [String: Any])?["amount"] as? Int == 500, "each handler sees the caller's payload")

        let vetoed = try invoke(host, caller: "gamma", args: #"{"amount":500,"veto":"beta"}"#)
        #expect(vetoed["status"] as? Int == Int(EOP_ERR_DENIED))
        let message = vetoed["message"] as? String ?? ""
        #expect(message.contains("'beta' vetoed 'shop.basket.collect'") && message.contains("forbidden item"), "\(message)")
        // alpha comes after beta, so the veto kept it from being called: its count moved by one only.
        let again = try invoke(host, caller: "gamma", args: #"{"amount":1}"#)
        let alpha = try #require(((again["replies"] as? [String: Any])?["replies"] as? [[String: Any]])?.last?["reply"] as? [String: Any])
        #expect(alpha["calls"] as? Int == 2, "alpha ran for the first and third invocation, not the vetoed one")
    }

    @Test("a hook is refused unless the caller requests it, and its payload is checked against the schema")
    func permissionAndSchema() throws {
        let ws = try Workspace()
        try basketSchema(ws)
        try plugin(ws, "alpha", order: 100)
        try plugin(ws, "gamma", order: nil, requests: ["shop.basket.collect"])
        try plugin(ws, "delta", order: nil)
        let host = try ws.host()
        defer { host.shutdown() }
        host.boot()

        let denied = try invoke(host, caller: "delta", args: #"{"amount":1}"#)
        #expect(denied["status"] as? Int == Int(EOP_ERR_DENIED))
        #expect((denied["message"] as? String ?? "").contains("not listed under 'requests'"), "\(denied)")

        let invalid = try invoke(host, caller: "gamma", args: #"{"amount":-3}"#)
        #expect(invalid["status"] as? Int == Int(EOP_ERR_INVALID))
        #expect((invalid["message"] as? String ?? "").contains("amount"), "\(invalid)")

        // Nobody takes part in an unknown hook: an empty list, not an error.
        let nobody = host.invokeHook(topic: "shop.other.collect", payload: Data("{}".utf8), source: "test", timeout: .seconds(2))
        #expect(nobody.status == EOP_OK && nobody.replies.isEmpty)
    }

    @Test("a manifest that takes part in a query topic as a hook is refused, naming the field")
    func wrongKindRefused() throws {
        let ws = try Workspace()
        try plugin(ws, "alpha", order: 100, hookTopic: "catalog.price.quote")
        let host = try ws.host()
        defer { host.shutdown() }
        host.boot()
        #expect(host.plugin("alpha")?.state != .active)
        #expect(host.reason("alpha").contains("hooks[0].topic") && host.reason("alpha").contains("not a hook"), "\(host.reason("alpha"))")
    }

    @Test("a plugin's outbound request reaches a loopback server through the host's client; bad URLs and dead ports are named")
    func outboundHTTP() async throws {
        let ws = try Workspace()
        try plugin(ws, "gamma", order: nil)
        let host = try ws.host()
        defer { host.shutdown() }
        HTTPClientExtension.register(on: host)
        host.boot()

        let router = Router()
        router.post("/echo") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1024)
            let probe = request.headers[.init("x-probe")!] ?? "-"
            return Response(status: .accepted, headers: [.init("x-seen")!: probe],
                            body: .init(byteBuffer: ByteBuffer(string: "got \(String(buffer: body)) from \(probe)")))
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            let port = try #require(client.port)
            func fetch(_ url: String) async throws -> (head: [String: Any], body: String) {
                // The blocking request waits on a thread of its own, not on one of the few
                // cooperative threads the loopback server's handlers need.
                let result = await withCheckedContinuation { continuation in
                    Thread { continuation.resume(returning: host.request(topic: "gamma.http.fetch", payload: Data(url.utf8), source: "test", timeout: .seconds(5))) }.start()
                }
                #expect(result.status == EOP_OK, "\(result.message)")
                let text = String(decoding: result.reply, as: UTF8.self)
                let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
                let head = try #require(try JSONSerialization.jsonObject(with: Data(parts[0].utf8)) as? [String: Any])
                return (head, parts.count > 1 ? String(parts[1]) : "")
            }
            let ok = try await fetch("http://127.0.0.1:\(port)/echo")
            #expect(ok.head["status"] as? Int == Int(EOP_OK))
            #expect(ok.head["http"] as? Int == 202)
            #expect(ok.body == "got ping from gamma", "method, header and body arrived")

            let notFound = try await fetch("http://127.0.0.1:\(port)/nothing")
            #expect(notFound.head["http"] as? Int == 404, "any HTTP status is an answer, not an error")

            let badScheme = try await fetch("ftp://127.0.0.1/file")
            #expect(badScheme.head["status"] as? Int == Int(EOP_ERR_INVALID))

            let dead = try await fetch("http://127.0.0.1:1/pay?api_key=sk_live_secret")
            #expect(dead.head["status"] as? Int == Int(EOP_ERR_UNAVAILABLE))
            let message = dead.head["message"] as? String ?? ""
            #expect(message.contains("127.0.0.1:1/pay") && !message.contains("sk_live_secret"), "names the host and path, never the query: \(message)")
        }
    }
}
