// Swift twin of loadgen.c's source role (hot-swap tests): answers "load-source.emit"
// {"n": N} by publishing N load-source.tick.emitted facts, numbering each of 4 streams; the numbers
// are its state and travel across swaps in format 1.
import EOPSDK
import Foundation
import Synchronization

final class LoadSource: Plugin {
    static let id = "load-source"
    static let version = "3.0.0"
    private let host: HostAPI
    private let state = CarriedWords(count: 5, owner: "load-source \(version)")  // next seq of 4 streams, total

    init(host: HostAPI) throws { self.host = host }

    func emit(_ query: IncomingEvent) throws -> String {
        struct Ask: Decodable { let n: Int }
        let n = try query.decode(Ask.self).n
        let total = try state.words.withLock { w -> UInt64 in
            for _ in 0..<n {
                let stream = Int(w[4] % 4)
                try host.publish("load-source.tick.emitted", json: "{\"stream\":\(stream),\"seq\":\(w[stream])}")
                w[stream] += 1
                w[4] += 1
            }
            return w[4]
        }
        return "{\"published\":\(total),\"imported\":\(state.importedFlag)}"
    }

    func exportState() throws -> (format: UInt32, bytes: [UInt8])? { state.export() }

    func importState(_ bytes: [UInt8], format: UInt32, from version: String) throws { try state.load(bytes, format: format, from: version) }
}

@_cdecl("eop_plugin_entry")
public func eop_plugin_entry() -> UnsafeRawPointer { PluginExport.descriptor(for: LoadSource.self) }

@_cdecl("load_emit")
public func load_emit(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ reply: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.answer(ctx, query, reply, err) { (plugin: LoadSource, query) in try plugin.emit(query) }
}
