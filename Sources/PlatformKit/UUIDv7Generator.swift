import Foundation
import Synchronization

/// Produces RFC 9562 version 7 UUIDs that sort strictly increasing, in process order.
///
/// Layout (RFC 9562 §5.7): 48-bit big-endian Unix milliseconds, 4-bit version `0111`,
/// 12-bit `rand_a`, 2-bit variant `10`, 62 random bits. `rand_a` is a counter (RFC 9562 §6.2
/// method 1): seeded randomly when the millisecond changes and incremented for each id in
/// the same millisecond. If it overflows, or the clock steps back, the generator keeps
/// using its last timestamp plus one millisecond, so ids never go backwards.
/// Thread-safe: state is held in a `Mutex`.
public final class UUIDv7Generator: Sendable {
    private struct State {
        var lastMillis: UInt64 = 0
        var counter: UInt16 = 0
    }

    private let clock: any WallClock
    private let state = Mutex(State())

    /// Creates a generator reading time from `clock`.
    public init(clock: any WallClock = SystemClock()) {
        self.clock = clock
    }

    /// Returns the next id.
    public func next() -> UUID {
        UUIDv7.uuid(fromBytes: nextBytes())
    }

    /// Returns the next id as 16 raw bytes in network order.
    public func nextBytes() -> [UInt8] {
        let nowMillis = Self.millis(clock.now())
        let (millis, counter) = state.withLock { state -> (UInt64, UInt16) in
            if nowMillis > state.lastMillis {
                state.lastMillis = nowMillis
                state.counter = Self.seed()
            } else if state.counter >= 0x0FFF {
                state.lastMillis += 1
                state.counter = Self.seed()
            } else {
                state.counter += 1
            }
            return (state.lastMillis, state.counter)
        }
        var random = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 {
            bytes[index] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - index)))
        }
        bytes[6] = 0x70 | UInt8(counter >> 8)
        bytes[7] = UInt8(truncatingIfNeeded: counter)
        let tail = random.next() as UInt64
        bytes[8] = 0x80 | (UInt8(truncatingIfNeeded: tail) & 0x3F)
        for index in 9..<16 {
            bytes[index] = UInt8(truncatingIfNeeded: tail >> (8 * (index - 8)))
        }
        return bytes
    }

    /// Rationale: seeding below 0x800 leaves at least 2,048 ids per millisecond before
    /// the counter overflows, while keeping the start unpredictable.
    private static func seed() -> UInt16 {
        UInt16.random(in: 0..<0x800)
    }

    private static func millis(_ date: Date) -> UInt64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard value > 0 else { return 0 }
        return min(UInt64(value), 0xFFFF_FFFF_FFFF)
    }
}
