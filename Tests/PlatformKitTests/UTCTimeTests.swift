import EOPPlatformKit
import Foundation
import Testing

@Suite("UTCTime and clocks")
struct UTCTimeTests {
    @Test("formats UTC with six fraction digits")
    func formatsWithMicroseconds() {
        #expect(UTCTime.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
        #expect(UTCTime.format(UTCTime.date(fromUnixMicroseconds: 1_714_566_896_789_012)) == "2024-05-01T12:34:56.789012Z")
        #expect(UTCTime.format(UTCTime.date(fromUnixMicroseconds: 951_782_400_000_000)) == "2000-02-29T00:00:00.000000Z")
        #expect(UTCTime.format(UTCTime.date(fromUnixMicroseconds: -1)) == "1969-12-31T23:59:59.999999Z")
    }

    @Test("parses Z and offsets to the same instant")
    func parsesZuluAndOffsets() throws {
        let zulu = try UTCTime.parse("2024-05-01T12:34:56.789012Z")
        #expect(UTCTime.unixMicroseconds(from: zulu) == 1_714_566_896_789_012)
        let offset = try UTCTime.parse("2024-05-01T18:04:56.789012+05:30")
        #expect(UTCTime.unixMicroseconds(from: offset) == 1_714_566_896_789_012)
        let noFraction = try UTCTime.parse("2024-05-01T12:34:56Z")
        #expect(UTCTime.unixMicroseconds(from: noFraction) == 1_714_566_896_000_000)
        let nanos = try UTCTime.parse("2024-05-01T12:34:56.123456789Z")
        #expect(UTCTime.unixMicroseconds(from: nanos) == 1_714_566_896_123_456)
    }

    @Test("parse rejects malformed timestamps, naming the input", arguments: [
        "2024-05-01", "2024-05-01T12:34:56", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
        "2024-05-01T24:00:00Z", "2024-05-01T12:34:56.Z", "2024-05-01T12:34:56Zjunk", "not a date",
    ])
    func parseRejectsMalformed(text: String) {
        let error = #expect(throws: UTCTimeError.self) { try UTCTime.parse(text) }
        #expect(error?.value == text)
        #expect(error?.description.hasPrefix("invalid timestamp '\(text)'") == true)
    }

    @Test("format and parse round trip at microsecond precision")
    func formatParseRoundTrip() throws {
        for micros: Int64 in [0, 1, 999_999, 1_714_566_896_789_012, 4_102_444_799_999_999, -86_400_000_001] {
            let date = UTCTime.date(fromUnixMicroseconds: micros)
            #expect(UTCTime.unixMicroseconds(from: date) == micros)
            #expect(UTCTime.unixMicroseconds(from: try UTCTime.parse(UTCTime.format(date))) == micros)
        }
    }

    @Test("FixedClock returns the set instant until moved")
    func fixedClockIsSettable() {
        let clock = FixedClock(Date(timeIntervalSince1970: 100))
        #expect(clock.now() == Date(timeIntervalSince1970: 100))
        clock.advance(by: 1.5)
        #expect(clock.now() == Date(timeIntervalSince1970: 101.5))
        clock.set(Date(timeIntervalSince1970: 7))
        #expect(clock.now() == Date(timeIntervalSince1970: 7))
    }

    @Test("SystemClock tracks real time")
    func systemClockTracksNow() {
        let clock: any WallClock = SystemClock()
        #expect(abs(clock.now().timeIntervalSinceNow) < 1)
    }
}
