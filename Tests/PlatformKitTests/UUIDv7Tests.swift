import EOPPlatformKit
import Foundation
import Testing

@Suite("UUIDv7")
struct UUIDv7Tests {
    @Test("generated ids carry version 7 and variant 10")
    func versionAndVariantBits() {
        for _ in 0..<100 {
            let bytes = UUIDv7.bytes(of: UUIDv7.generate())
            #expect(bytes.count == 16)
            #expect(bytes[6] >> 4 == 0x7)
            #expect(bytes[8] >> 6 == 0b10)
        }
        let raw = UUIDv7.generateBytes()
        #expect(raw.count == 16 && raw[6] >> 4 == 7 && raw[8] >> 6 == 2)
    }

    @Test("10,000 ids generated in a tight loop are strictly increasing")
    func tightLoopIsStrictlyIncreasing() {
        let ids = (0..<10_000).map { _ in UUIDv7.bytes(of: UUIDv7.generate()) }
        for index in 1..<ids.count {
            #expect(ids[index - 1].lexicographicallyPrecedes(ids[index]), "id \(index) not after id \(index - 1)")
        }
    }

    @Test("a stopped clock still yields increasing ids and advances the timestamp on counter overflow")
    func stoppedClockOverflowAdvancesTimestamp() throws {
        let clock = FixedClock(Date(timeIntervalSince1970: 1_700_000_000))
        let generator = UUIDv7Generator(clock: clock)
        let ids = (0..<10_000).map { _ in generator.next() }
        let bytes = ids.map(UUIDv7.bytes(of:))
        for index in 1..<bytes.count {
            #expect(bytes[index - 1].lexicographicallyPrecedes(bytes[index]))
        }
        let first = try #require(UUIDv7.timestamp(of: ids.first!))
        let last = try #require(UUIDv7.timestamp(of: ids.last!))
        #expect(first == clock.now())
        // 10,000 ids need at least 3 rollovers of a counter seeded below 0x800 with 0x1000 slots.
        #expect(last.timeIntervalSince(first) >= 0.002)
    }

    @Test("ids stay increasing when the clock steps backwards")
    func clockSteppingBackKeepsOrder() {
        let clock = FixedClock(Date(timeIntervalSince1970: 1_700_000_000))
        let generator = UUIDv7Generator(clock: clock)
        let before = UUIDv7.bytes(of: generator.next())
        clock.advance(by: -5)
        let after = UUIDv7.bytes(of: generator.next())
        #expect(before.lexicographicallyPrecedes(after))
    }

    @Test("timestamp round trips through the id to the millisecond")
    func timestampRoundTrip() throws {
        let instant = Date(timeIntervalSince1970: 1_715_000_123.456)
        let id = UUIDv7Generator(clock: FixedClock(instant)).next()
        let stamp = try #require(UUIDv7.timestamp(of: id))
        #expect(UTCTime.unixMilliseconds(from: stamp) == UTCTime.unixMilliseconds(from: instant))
        let bytes = UUIDv7.bytes(of: id)
        let millis = bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(millis == 1_715_000_123_456)
        let live = try #require(UUIDv7.timestamp(of: UUIDv7.generate()))
        #expect(abs(live.timeIntervalSinceNow) < 5)
    }

    @Test("timestamp is nil for non-v7 UUIDs")
    func timestampNilForOtherVersions() throws {
        #expect(UUIDv7.timestamp(of: UUID()) == nil)  // Foundation makes v4
        let wrongVariant = UUIDv7.uuid(fromBytes: [0, 0, 0, 0, 0, 1, 0x70, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0])
        #expect(UUIDv7.timestamp(of: wrongVariant) == nil)
        let valid = UUIDv7.uuid(fromBytes: [0, 0, 0, 0, 0, 1, 0x70, 0, 0x80, 0, 0, 0, 0, 0, 0, 0])
        #expect(UUIDv7.timestamp(of: valid) == Date(timeIntervalSince1970: 0.001))
    }

    @Test("concurrent generation yields unique ids")
    func concurrentGenerationIsUnique() async {
        let generator = UUIDv7Generator()
        let ids = await withTaskGroup(of: [UUID].self) { group in
            for _ in 0..<4 { group.addTask { (0..<2_000).map { _ in generator.next() } } }
            var all: [UUID] = []
            for await batch in group { all += batch }
            return all
        }
        #expect(ids.count == 8_000)
        #expect(Set(ids).count == 8_000)
    }

    @Test("bytes round trip through UUID")
    func bytesRoundTrip() {
        let raw = UUIDv7.generateBytes()
        #expect(UUIDv7.bytes(of: UUIDv7.uuid(fromBytes: raw)) == raw)
    }
}
