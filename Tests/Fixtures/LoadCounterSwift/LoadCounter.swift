// Swift twin of loadgen.c's counter role (hot-swap tests): checks every load-source.tick.emitted is the
// next number of its stream, counting lost and doubled ones; the counts are its state
// and travel across swaps in format 1.
import EOPSDK
import Foundation
import Synchronization

final class LoadCounter: Plugin {
    static let id = "load-counter"
    static let version = "3.0.0"
    private let state = CarriedWords(count: 7, owner: "load-counter \(version)")  // next of 4 streams, received, lost, doubled

    init(host: HostAPI) throws {}

    func tick(_ event: IncomingEvent) throws -> HandlerResult {
        struct Tick: Decodable { let stream: Int; let seq: UInt64 }
        let t = try event.decode(Tick.self)
        state.words.withLock { w in
            let stream = t.stream % 4
            w[4] += 1
            if t.seq > w[stream] { w[5] += t.seq - w[stream] }
            if t.seq < w[stream] { w[6] += 1 } else { w[stream] = t.seq + 1 }
        }
        return .ok
    }

    func stats(_ query: IncomingEvent) throws -> String {
        let w = state.words.withLock { $0 }
        return "{\"received\":\(w[4]),\"lost\":\(w[5]),\"doubled\":\(w[6]),\"imported\":\(state.importedFlag),\"version\":\"\(Self.version)\"}"
    }

    func exportState() throws -> (format: UInt32, bytes: [UInt8])? { state.export() }

    func importState(_ bytes: [UInt8], format: UInt32, from version: String) throws { try state.load(bytes, format: format, from: version) }
}

@_cdecl("eop_plugin_entry")
public func eop_plugin_entry() -> UnsafeRawPointer { PluginExport.descriptor(for: LoadCounter.self) }

@_cdecl("load_on_tick")
public func load_on_tick(_ ctx: UnsafeMutableRawPointer?, _ event: UnsafeRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.handle(ctx, event, err) { (plugin: LoadCounter, event) in try plugin.tick(event) }
}

@_cdecl("load_stats")
public func load_stats(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ reply: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.answer(ctx, query, reply, err) { (plugin: LoadCounter, query) in try plugin.stats(query) }
}
