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
    private let words = Mutex<[UInt64]>(Array(repeating: 0, count: 5))  // next seq of 4 streams, total
    private let imported = Atomic<Bool>(false)

    init(host: HostAPI) throws { self.host = host }

    func emit(_ query: IncomingEvent) throws -> String {
        struct Ask: Decodable { let n: Int }
        let n = try query.decode(Ask.self).n
        let total = try words.withLock { w -> UInt64 in
            for _ in 0..<n {
                let stream = Int(w[4] % 4)
                try host.publish("load-source.tick.emitted", json: "{\"stream\":\(stream),\"seq\":\(w[stream])}")
                w[stream] += 1
                w[4] += 1
            }
            return w[4]
        }
        return "{\"published\":\(total),\"imported\":\(imported.load(ordering: .relaxed) ? 1 : 0)}"
    }

    func exportState() throws -> (format: UInt32, bytes: [UInt8])? {
        (1, StateWords.encode(words.withLock { $0 }))
    }

    func importState(_ bytes: [UInt8], format: UInt32, from version: String) throws {
        guard format == 1, let decoded = StateWords.decode(bytes, count: 5) else {
            throw PluginError("load-source \(Self.version) cannot read state format \(format) (\(bytes.count) bytes) from \(version)")
        }
        words.withLock { $0 = decoded }
        imported.store(true, ordering: .relaxed)
    }
}

@_cdecl("eop_plugin_entry")
public func eop_plugin_entry() -> UnsafeRawPointer { PluginExport.descriptor(for: LoadSource.self) }

@_cdecl("load_emit")
public func load_emit(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ reply: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.answer(ctx, query, reply, err) { (plugin: LoadSource, query) in try plugin.emit(query) }
}
