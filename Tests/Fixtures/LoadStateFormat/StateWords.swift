// State format 1 of the hot-swap fixtures, shared with Tests/HostTests/Fixtures/loadgen.c:
// little-endian u64 words. Compiled into each Swift twin (a source symlink: one file, no
// shared library between the two plugin images).
import EOPSDK
import Synchronization

/// A plugin's numbers, carried across swaps in format 1.
final class CarriedWords: Sendable {
    let words: Mutex<[UInt64]>
    let imported = Atomic<Bool>(false)
    private let owner: String

    init(count: Int, owner: String) {
        words = Mutex(Array(repeating: 0, count: count))
        self.owner = owner
    }

    /// For `exportState()`.
    func export() -> (format: UInt32, bytes: [UInt8]) {
        (1, words.withLock { $0 }.flatMap { w in (0..<8).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } })
    }

    /// For `importState(_:format:from:)`: format 1 of the same length, or a refusal naming what came.
    func load(_ bytes: [UInt8], format: UInt32, from version: String) throws {
        let count = words.withLock { $0.count }
        guard format == 1, bytes.count == count * 8 else {
            throw PluginError("\(owner) cannot read state format \(format) (\(bytes.count) bytes) from \(version)")
        }
        let decoded = (0..<count).map { i in (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[i * 8 + $1]) << (8 * $1) } }
        words.withLock { $0 = decoded }
        imported.store(true, ordering: .relaxed)
    }

    var importedFlag: Int { imported.load(ordering: .relaxed) ? 1 : 0 }
}
