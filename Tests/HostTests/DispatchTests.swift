import EOPABI
import EOPDispatch
import EOPLoader
import Foundation
import Testing

@Suite("Delivery through the dispatch table")
struct DispatchTests {
    @Test("a handler that returns FAIL is dead-lettered with its message; other subscribers still get the event")
    func failDeadLetters() throws {
        let ws = try Workspace()
        try ws.schema("probe.thing.happened", #"{"topic": "probe.thing.happened", "kind": "fact", "owner": "probe", "version": 1, "payload": {"type": "object"}}"#)
        try ws.probe("failing")
        try ws.manifest("failing", probeManifest("failing", subscribes: #"[{"topic": "probe.thing.happened", "handler": "probe_fail"}]"#))
        try ws.probe("steady")
        try ws.manifest("steady", probeManifest("steady", subscribes: #"[{"topic": "probe.thing.happened", "handler": "probe_ok"}]"#))
        let host = try ws.host()
        defer { host.shutdown() }
        host.boot()
        let id = try host.publish(topic: "probe.thing.happened", payload: Data("{}".utf8), source: "operator")
        #expect(host.table.drain(timeout: .seconds(10)))
        let letters = host.table.deadLetters.all()
        #expect(letters.count == 1)
        #expect(letters.first?.pluginID == "failing")
        #expect(letters.first?.event.id == id)
        #expect(letters.first?.reason == "probe refuses this event")
        #expect(try host.probeState("steady")["ok"] as? Int == 1)
        #expect(try host.probeState("failing")["fail"] as? Int == 1)
    }

    @Test("a handler that returns RETRY twice then OK is called three times and delivered once")
    func retryThenOK() throws {
        let ws = try Workspace()
        try ws.schema("probe.thing.happened", #"{"topic": "probe.thing.happened", "kind": "fact", "owner": "probe", "version": 1, "payload": {"type": "object"}}"#)
        try ws.probe("flaky")
        try ws.manifest("flaky", probeManifest("flaky", subscribes: #"[{"topic": "probe.thing.happened", "handler": "probe_retry_twice"}]"#))
        let host = try ws.host()
        defer { host.shutdown() }
        host.boot()
        try host.publish(topic: "probe.thing.happened", payload: Data("{}".utf8), source: "operator")
        #expect(host.table.drain(timeout: .seconds(10)))
        let state = try host.probeState("flaky")
        #expect(state["retry_calls"] as? Int == 3)
        #expect(state["ok"] as? Int == 1)
        let slot = try #require(host.table.subscribers(of: "probe.thing.happened").first)
        #expect(slot.delivered.load(ordering: .relaxed) == 1)
        #expect(slot.retried.load(ordering: .relaxed) == 2)
        #expect(host.table.deadLetters.all().isEmpty)
    }

    @Test("a RETRY past the attempt limit is dead-lettered and says so")
    func retryGivesUp() throws {
        let ws = try Workspace()
        try ws.schema("probe.thing.happened", #"{"topic": "probe.thing.happened", "kind": "fact", "owner": "probe", "version": 1, "payload": {"type": "object"}}"#)
        try ws.probe("stubborn")
        try ws.manifest("stubborn", probeManifest("stubborn", subscribes: #"[{"topic": "probe.thing.happened", "handler": "probe_retry_twice"}]"#))
        let host = try ws.host(retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2)))
        defer { host.shutdown() }
        host.boot()
        try host.publish(topic: "probe.thing.happened", payload: Data("{}".utf8), source: "operator")
        #expect(host.table.drain(timeout: .seconds(10)))
        #expect(host.table.deadLetters.all().first?.reason == "gave up after 2 attempts: not yet")
    }

    @Test("a libffi-typed handler receives the payload's fields as C values")
    func typedHandler() throws {
        let ws = try Workspace()
        try ws.schema("probe.item.added", """
        {"topic": "probe.item.added", "kind": "fact", "owner": "probe", "version": 1,
         "payload": {"type": "object", "required": ["sku", "qty", "price", "gift"],
                     "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}, "price": {"type": "number"}, "gift": {"type": "boolean"}}}}
        """)
        try ws.probe("typed")
        try ws.manifest("typed", probeManifest("typed", subscribes: """
        [{"topic": "probe.item.added", "handler": "probe_typed", "signature": {"returns": "status", "params": [
          {"field": "sku", "type": "string"}, {"field": "qty", "type": "int64"},
          {"field": "price", "type": "double"}, {"field": "gift", "type": "bool"}]}}]
        """))
        let host = try ws.host()
        defer { host.shutdown() }
        host.boot()
        #expect(host.plugin("typed")?.state == .active, "\(host.reason("typed"))")
        try host.publish(topic: "probe.item.added", payload: Data(#"{"sku":"SKU-৳9","qty":9000000000,"price":12.5,"gift":true}"#.utf8), source: "operator")
        #expect(host.table.drain(timeout: .seconds(10)))
        let state = try host.probeState("typed")
        #expect(state["typed_sku"] as? String == "SKU-৳9")
        #expect(state["typed_qty"] as? Int == 9_000_000_000)
        #expect(state["typed_price"] as? Double == 12.5)
        #expect(state["typed_gift"] as? Int == 1)
    }

    @Test("a typed signature that disagrees with the event schema is refused at load")
    func typedMismatch() throws {
        let ws = try Workspace()
        try ws.probe("mismatch")
        try ws.manifest("mismatch", probeManifest("mismatch", subscribes: """
        [{"topic": "order.order.placed", "handler": "probe_typed", "signature": {"params": [{"field": "total", "type": "string"}]}}]
        """))
        try ws.probe("optional")
        try ws.manifest("optional", probeManifest("optional", subscribes: """
        [{"topic": "order.order.placed", "handler": "probe_typed", "signature": {"params": [{"field": "customer", "type": "string"}]}}]
        """))
        let host = try ws.host()
        host.boot()
        #expect(host.reason("mismatch").contains("parameter 'total' is string but the schema of 'order.order.placed' says integer"), "\(host.reason("mismatch"))")
        #expect(host.reason("optional").contains("optional in the schema"), "\(host.reason("optional"))")
    }

    @Test("a payload that breaks the topic's schema is refused naming the field")
    func payloadValidation() throws {
        let ws = try Workspace()
        let host = try ws.host()
        host.boot()
        #expect(throws: HostCallError.self) {
            try host.publish(topic: "order.order.placed", payload: Data(#"{"order_id":"o","total":"12","currency":"USD"}"#.utf8), source: "operator")
        }
        do {
            try host.publish(topic: "order.order.placed", payload: Data(#"{"order_id":"o","currency":"USD"}"#.utf8), source: "operator")
        } catch {
            #expect(error.message.contains("field 'total': is required"), "\(error.message)")
        }
        do {
            try host.publish(topic: "hello.greeting.compose", payload: Data(#"{"name":"x"}"#.utf8), source: "operator")
        } catch {
            #expect(error.message.contains("is a query"), "\(error.message)")
        }
    }

    @Test("a query past its deadline returns TIMEOUT; a query nobody answers returns NOT_FOUND")
    func queryDeadline() throws {
        let ws = try Workspace()
        try ws.probe("slow")
        try ws.manifest("slow", probeManifest("slow", extraAnswers: #", {"topic": "slow.probe.wait", "handler": "probe_slow"}"#))
        let host = try ws.host()
        defer { host.shutdown() }
        host.boot()
        let late = host.request(topic: "slow.probe.wait", payload: Data("{}".utf8), source: "test", timeout: .milliseconds(50))
        #expect(late.status == EOP_ERR_TIMEOUT, "\(late)")
        let ontime = host.request(topic: "slow.probe.wait", payload: Data("{}".utf8), source: "test", timeout: .seconds(5))
        #expect(ontime.status == EOP_OK)
        let nobody = host.request(topic: "nobody.thing.get", payload: Data("{}".utf8), source: "test", timeout: .seconds(1))
        #expect(nobody.status == EOP_ERR_NOT_FOUND)
    }

    @Test("events reach a subscriber in order per source, also on parallel lanes")
    func orderPerSource() throws {
        for parallel in [false, true] {
            let table = DispatchTable()
            let seen = Recorder()
            try table.install(pluginID: "counter", subscribers: [
                Subscriber(pluginID: "counter", topic: "t.x.happened", handlerName: "count", parallel: parallel) { seen.add($0.event); return .ok },
            ], owners: [])
            for i in 0..<2_000 {
                let source = "source-\(i % 4)"
                table.publish(EventEnvelope(Event(topic: "t.x.happened", payload: Data("\(i)".utf8), id: UUID(), timeUnixMicros: Int64(i), source: source)))
            }
            #expect(table.drain(timeout: .seconds(10)))
            let events = seen.events
            #expect(events.count == 2_000)
            for s in 0..<4 {
                let sequence = events.filter { $0.source == "source-\(s)" }.map(\.timeUnixMicros)
                #expect(sequence == sequence.sorted(), "order broken for source-\(s) (parallel: \(parallel))")
            }
            table.uninstall(pluginID: "counter")
        }
    }

    @Test("a paused mailbox holds events and delivers every one after resume")
    func pauseResume() throws {
        let table = DispatchTable()
        let seen = Recorder()
        try table.install(pluginID: "p", subscribers: [Subscriber(pluginID: "p", topic: "t.x.happened", handlerName: "h") { seen.add($0.event); return .ok }], owners: [])
        let box = try #require(table.mailbox(of: "p"))
        #expect(box.pause(timeout: .seconds(1)))
        for i in 0..<100 { table.publish(EventEnvelope(Event(topic: "t.x.happened", payload: Data(), id: UUID(), timeUnixMicros: Int64(i), source: "s"))) }
        Thread.sleep(forTimeInterval: 0.05)
        #expect(seen.events.isEmpty)
        #expect(box.depth == 100)
        box.resume()
        #expect(table.drain(timeout: .seconds(5)))
        #expect(seen.events.map(\.timeUnixMicros) == Array(0..<100))
    }

    @Test("a dead letter can be replayed to its subscriber")
    func replay() throws {
        let table = DispatchTable(retry: RetryPolicy(maxAttempts: 1))
        let calls = Recorder()
        try table.install(pluginID: "p", subscribers: [Subscriber(pluginID: "p", topic: "t.x.happened", handlerName: "h") { envelope in
            calls.add(envelope.event)
            return calls.events.count == 1 ? .fail("first time fails") : .ok
        }], owners: [])
        table.publish(EventEnvelope(Event(topic: "t.x.happened", payload: Data(), id: UUID(), timeUnixMicros: 1, source: "s")))
        #expect(table.drain(timeout: .seconds(5)))
        let letter = try #require(table.deadLetters.all().first)
        try table.replay(deadLetter: letter.id)
        #expect(table.drain(timeout: .seconds(5)))
        #expect(calls.events.count == 2)
        #expect(table.deadLetters.all().isEmpty)
    }
}
