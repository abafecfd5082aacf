import EOPABI
import EOPDispatch
import EOPLoader
import Foundation
import Testing

@Suite("Loading real plugin libraries")
struct LoaderTests {
    @Test("the Swift and C examples load, talk through events, and answer queries")
    func examplesTalk() throws {
        let ws = try Workspace()
        try ws.compileC(Repo.examples.appendingPathComponent("c-hello/hello.c"), library: "libc_hello.so")
        let host = try ws.host(extraManifestPaths: [Repo.examples])
        defer { host.shutdown() }
        let records = host.boot()
        #expect(host.plugin("hello")?.state == .active, "\(host.reason("hello"))")
        #expect(host.plugin("c-hello")?.state == .active, "\(host.reason("c-hello"))")
        // c-hello depends on hello, so hello is activated first.
        let order = records.map(\.id)
        #expect(try #require(order.firstIndex(of: "hello")) < (try #require(order.firstIndex(of: "c-hello"))))

        let greetings = Recorder()
        try host.table.install(pluginID: "observer", subscribers: [
            Subscriber(pluginID: "observer", topic: "hello.greeting.sent", handlerName: "test") { greetings.add($0.event); return .ok },
        ], owners: [])

        let orderID = try host.publish(topic: "order.order.placed",
                                       payload: Data(#"{"order_id":"o-1","customer":"Ada","total":123456,"currency":"BDT"}"#.utf8), source: "operator")
        #expect(host.table.drain(timeout: .seconds(10)))

        let greeting = try #require(greetings.events.first)
        let text = try #require((try JSONSerialization.jsonObject(with: greeting.payload) as? [String: Any])?["text"] as? String)
        #expect(text == "Hello, Ada! Your order o-1 of ৳1,234.56 is placed.")
        #expect(greeting.source == "hello")
        #expect(greeting.causationID == orderID, "the host fills causation from the event being handled")
        #expect(greeting.correlationID == orderID)

        let stats = try host.probeStateLike("c-hello.stats.get")
        #expect(stats["greetings"] as? Int == 1)
        #expect(stats["orders"] as? Int == 1, "the libffi-typed handler counted the order")
        #expect(stats["last_order"] as? String == "o-1")
        #expect(stats["last_total"] as? Int == 123456)

        let composed = host.request(topic: "hello.greeting.compose", payload: Data(#"{"name":"Grace"}"#.utf8), source: "test", timeout: .seconds(5))
        #expect(composed.status == EOP_OK, "\(composed.message)")
        #expect(String(decoding: composed.reply, as: UTF8.self) == #"{"text":"Hello, Grace!"}"#)
    }

    @Test("settings from the operator reach the plugin; a wrong type refuses it naming the setting")
    func settings() throws {
        let ws = try Workspace()
        try ws.compileC(Repo.examples.appendingPathComponent("c-hello/hello.c"), library: "libc_hello.so")
        let host = try ws.host(extraManifestPaths: [Repo.examples], settings: ["hello": #"{"greeting": "Salaam"}"#, "c-hello": #"{"prefix": 5}"#])
        defer { host.shutdown() }
        host.boot()
        #expect(host.plugin("hello")?.state == .active)
        let composed = host.request(topic: "hello.greeting.compose", payload: Data(#"{"name":"Rahim"}"#.utf8), source: "test", timeout: .seconds(5))
        #expect(String(decoding: composed.reply, as: UTF8.self) == #"{"text":"Salaam, Rahim!"}"#)
        #expect(host.plugin("c-hello")?.state == .refused)
        #expect(host.reason("c-hello").contains("setting 'prefix'"), "\(host.reason("c-hello"))")
    }

    @Test("a plugin built against ABI major+1 is refused, naming both versions")
    func abiMajorRefused() throws {
        let ws = try Workspace()
        try ws.probe("future", defines: ["PROBE_ABI_MAJOR=\(EOP_ABI_VERSION_MAJOR + 1)"])
        try ws.manifest("future", probeManifest("future"))
        let host = try ws.host()
        host.boot()
        #expect(host.plugin("future")?.state == .refused)
        let reason = host.reason("future")
        #expect(reason.contains("ABI \(EOP_ABI_VERSION_MAJOR + 1).\(EOP_ABI_VERSION_MINOR).0"), "\(reason)")
        #expect(reason.contains("ABI \(EOP_ABI_VERSION_MAJOR).\(EOP_ABI_VERSION_MINOR).\(EOP_ABI_VERSION_PATCH)"), "\(reason)")
    }

    @Test("a manifest declaring another ABI major is refused before the library is opened")
    func manifestAbiRefused() throws {
        let ws = try Workspace()
        try ws.manifest("later", probeManifest("later", abi: "\(EOP_ABI_VERSION_MAJOR + 1).0"))
        let host = try ws.host()
        host.boot()
        #expect(host.plugin("later")?.state == .refused)
        #expect(host.reason("later").contains("field 'abi'"), "\(host.reason("later"))")
        #expect(host.reason("later").contains("this host speaks ABI"), "\(host.reason("later"))")
    }

    @Test("a plugin built against a newer minor is refused; the same minor loads")
    func newerMinorRefused() throws {
        let ws = try Workspace()
        try ws.probe("newer", defines: ["PROBE_ABI_MINOR=\(EOP_ABI_VERSION_MINOR + 1)"])
        try ws.manifest("newer", probeManifest("newer", abi: "1.\(EOP_ABI_VERSION_MINOR + 1)"))
        try ws.probe("same")
        try ws.manifest("same", probeManifest("same"))
        let host = try ws.host()
        defer { host.shutdown() }
        host.boot()
        #expect(host.plugin("newer")?.state == .refused)
        #expect(host.reason("newer").contains("newer than this host's ABI"), "\(host.reason("newer"))")
        #expect(host.plugin("same")?.state == .active, "\(host.reason("same"))")
    }

    @Test("a missing handler symbol refuses activation and names the symbol")
    func missingSymbol() throws {
        let ws = try Workspace()
        try ws.probe("gappy")
        try ws.manifest("gappy", probeManifest("gappy", subscribes: #"[{"topic": "order.order.placed", "handler": "probe_does_not_exist"}]"#))
        let host = try ws.host()
        host.boot()
        #expect(host.plugin("gappy")?.state == .refused)
        #expect(host.reason("gappy").contains("'probe_does_not_exist'"), "\(host.reason("gappy"))")
        #expect(host.table.subscribers(of: "order.order.placed").isEmpty)
    }

    @Test("a malformed manifest is refused naming the file and the field; others still load")
    func malformedManifest() throws {
        let ws = try Workspace()
        try ws.manifest("broken", #"{"id": "broken", "version": "1.x", "abi": "1.0", "library": "libbroken.so"}"#)
        try ws.manifest("garbage", #"{"id": "garbage", "#)
        try ws.probe("fine")
        try ws.manifest("fine", probeManifest("fine"))
        let host = try ws.host()
        defer { host.shutdown() }
        host.boot()
        let broken = try #require(host.plugins.first { $0.file.hasSuffix("broken.json") })
        #expect(broken.state == .refused)
        #expect(broken.reason?.contains("broken.json: field 'version': \"1.x\" is not a semantic version") == true, "\(broken.reason ?? "")")
        let garbage = try #require(host.plugins.first { $0.file.hasSuffix("garbage.json") })
        #expect(garbage.reason?.contains("garbage.json: not valid JSON") == true, "\(garbage.reason ?? "")")
        #expect(host.plugin("fine")?.state == .active)
    }

    @Test("publishing a topic the manifest does not declare is refused; a declared one is accepted")
    func undeclaredPublish() throws {
        let ws = try Workspace()
        try ws.probe("talker")
        try ws.manifest("talker", probeManifest("talker", publishes: ["talker.thing.happened"]))
        let host = try ws.host()
        defer { host.shutdown() }
        host.boot()
        func tryPublish(_ topic: String) throws -> [String: Any] {
            let r = host.request(topic: "talker.probe.publish", payload: Data(topic.utf8), source: "test", timeout: .seconds(5))
            return try #require(try JSONSerialization.jsonObject(with: r.reply) as? [String: Any])
        }
        let denied = try tryPublish("order.order.placed")
        #expect(denied["status"] as? Int == Int(EOP_ERR_DENIED))
        #expect((denied["message"] as? String)?.contains("'talker' may not publish 'order.order.placed'") == true, "\(denied)")
        let allowed = try tryPublish("talker.thing.happened")
        #expect(allowed["status"] as? Int == Int(EOP_OK), "\(allowed)")
    }

    @Test("a dependency cycle refuses every module in it, naming them")
    func dependencyCycle() throws {
        let ws = try Workspace()
        try ws.manifest("alpha", probeManifest("alpha", dependencies: #"[{"id": "beta", "version": "^1.0"}]"#))
        try ws.manifest("beta", probeManifest("beta", dependencies: #"[{"id": "alpha"}]"#))
        try ws.manifest("gamma", probeManifest("gamma", dependencies: #"[{"id": "delta", "version": ">=1.0.0 <2.0.0"}]"#))
        let host = try ws.host()
        host.boot()
        for id in ["alpha", "beta"] {
            #expect(host.plugin(id)?.state == .refused)
            #expect(host.reason(id).contains("dependency cycle"), "\(host.reason(id))")
            #expect(host.reason(id).contains("alpha") && host.reason(id).contains("beta"), "\(host.reason(id))")
        }
        #expect(host.reason("gamma") == "needs 'delta' >=1.0.0 <2.0.0, which is not installed")
    }

    @Test("deactivating a module that active modules depend on is refused, naming them")
    func dependantsBlockDeactivation() throws {
        let ws = try Workspace()
        try ws.probe("base")
        try ws.manifest("base", probeManifest("base"))
        try ws.probe("upper")
        try ws.manifest("upper", probeManifest("upper", dependencies: #"[{"id": "base", "version": "^1"}]"#))
        let host = try ws.host()
        defer { host.shutdown() }
        host.boot()
        #expect(throws: PluginControlError.self) { try host.deactivate("base") }
        do { try host.deactivate("base") } catch { #expect(error.description == "cannot deactivate 'base': active modules depend on it: upper") }
        try host.deactivate("upper")
        #expect(host.plugin("upper")?.state == .resolved)
        try host.deactivate("base")
        #expect(host.plugin("base")?.state == .resolved)
    }
}

/// Collects events a host-side subscriber receives.
final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Event] = []
    func add(_ e: Event) { lock.lock(); list.append(e); lock.unlock() }
    var events: [Event] { lock.lock(); defer { lock.unlock() }; return list }
}

extension Subscriber {
    /// A host-side subscriber running `body`.
    convenience init(pluginID: String, topic: String, handlerName: String, parallel: Bool = false, _ body: @escaping @Sendable (EventEnvelope) -> HandlerOutcome) {
        self.init(pluginID: pluginID, topic: topic, handlerName: handlerName, parallel: parallel, invocation: .swift(body))
    }
}

extension PluginHost {
    func probeStateLike(_ topic: String) throws -> [String: Any] {
        let r = request(topic: topic, payload: Data("{}".utf8), source: "test", timeout: .seconds(5))
        guard r.status == EOP_OK else { throw FixtureError("\(topic): \(r.status) \(r.message)") }
        return try #require(try JSONSerialization.jsonObject(with: r.reply) as? [String: Any])
    }
}
