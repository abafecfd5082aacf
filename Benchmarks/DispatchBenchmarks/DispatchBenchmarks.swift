// In-process figures for the dispatch table, each beside its baseline in the same run:
//  - a direct call of a no-op C handler (the floor),
//  - one event through the table to 1, 10 and 100 no-op C subscribers,
//  - a libffi typed call vs the same function called directly,
//  - one event through a plugin's mailbox (thread hand-off) to one subscriber.
import Benchmark
import BenchSupport
import EOPABI
import EOPDispatch
import EOPManifest
import Foundation

let event = EventEnvelope(Event(topic: "bench.event.happened", payload: Data(#"{"sku":"SKU-1","qty":3}"#.utf8), id: UUID(), timeUnixMicros: 0, source: "bench"))
let noop = unsafeBitCast(bench_noop_handler as @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Int32, to: eop_event_handler_fn.self)

/// A table whose topic has `count` no-op C subscribers (one plugin each).
func table(subscribers count: Int) -> DispatchTable {
    let table = DispatchTable()
    for i in 0..<count {
        try! table.install(pluginID: "p\(i)", subscribers: [
            Subscriber(pluginID: "p\(i)", topic: "bench.event.happened", handlerName: "bench_noop_handler", invocation: .generic(noop, nil)),
        ], owners: [])
    }
    return table
}

let benchmarks: @Sendable () -> Void = {
    // A sample runs the body a million times (a thousand where the name says so in
    // scripts/bench-report.py's SCALE), so per-operation times are exact to 0.001 ns.
    Benchmark.defaultConfiguration = .init(metrics: [.throughput, .wallClock], scalingFactor: .mega, maxDuration: .seconds(4))

    Benchmark("baseline: direct C call of a no-op handler") { benchmark in
        let scratch = ErrorScratch()
        for _ in benchmark.scaledIterations {
            blackHole(bench_noop_handler(nil, event.cEvent, scratch.pointer))
        }
    }

    for count in [1, 10, 100] {
        let t = table(subscribers: count)
        // One iteration = one event delivered to every subscriber; per-subscriber time is this / count.
        Benchmark("table: 1 event to \(count) no-op subscriber(s)") { benchmark in
            let scratch = ErrorScratch()
            for _ in benchmark.scaledIterations {
                blackHole(t.deliverInline(event, scratch: scratch))
            }
        }
    }

    let signature = TypedSignature(parameters: [.init(field: "sku", type: .string), .init(field: "qty", type: .int64)], returns: .status)
    let typed = try! TypedCall(function: unsafeBitCast(bench_noop_typed as @convention(c) (UnsafePointer<CChar>?, Int64) -> Int32, to: UnsafeMutableRawPointer.self), signature: signature)
    let arguments: [ArgumentValue] = [.string("SKU-1"), .int64(3)]

    Benchmark("baseline: direct C call of a typed handler") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole("SKU-1".withCString { bench_noop_typed($0, 3) })
        }
    }

    Benchmark("libffi: typed call with converted arguments") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(typed.call(arguments))
        }
    }

    Benchmark("libffi: typed call from a JSON payload", configuration: .init(metrics: [.throughput, .wallClock], scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(typed.call(payload: event.event.payload))
        }
    }

    // Through a mailbox: publish N events, wait until the subscriber's thread has handled them all.
    let mailboxTable = table(subscribers: 1)
    Benchmark("mailbox: publish + deliver on the plugin's thread") { benchmark in
        for _ in benchmark.scaledIterations {
            mailboxTable.publish(event)
        }
        mailboxTable.drain(timeout: .seconds(60))
    }
}
