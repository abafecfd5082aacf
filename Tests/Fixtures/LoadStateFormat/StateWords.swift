// State format 1 of the hot-swap fixtures, shared with Tests/HostTests/Fixtures/loadgen.c:
// little-endian u64 words. Compiled into each Swift twin (a source symlink: one file, no
// shared library between the two plugin images).
enum StateWords {
    static func encode(_ words: [UInt64]) -> [UInt8] {
        words.flatMap { w in (0..<8).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
    }

    static func decode(_ bytes: [UInt8], count: Int) -> [UInt64]? {
        guard bytes.count == count * 8 else { return nil }
        return (0..<count).map { i in (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[i * 8 + $1]) << (8 * $1) } }
    }
}
