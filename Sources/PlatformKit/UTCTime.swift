import Foundation

/// UTC timestamp helpers: RFC 3339 / ISO 8601 text with microseconds, and Unix microseconds.
///
/// Formatting always produces `YYYY-MM-DDTHH:MM:SS.ffffffZ` (six fraction digits, UTC).
/// Parsing accepts `Z` or a `±HH:MM` offset and 0–9 fraction digits (beyond microseconds
/// is truncated). Stateless and thread-safe; uses no `DateFormatter`.
public enum UTCTime {
    /// Microseconds since 1970-01-01T00:00:00Z, rounded to the nearest microsecond.
    public static func unixMicroseconds(from date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// The instant `microseconds` after 1970-01-01T00:00:00Z.
    public static func date(fromUnixMicroseconds microseconds: Int64) -> Date {
        let seconds = floorDiv(microseconds, 1_000_000)
        let fraction = microseconds - seconds * 1_000_000
        return Date(timeIntervalSince1970: Double(seconds) + Double(fraction) / 1_000_000)
    }

    /// Milliseconds since 1970-01-01T00:00:00Z, rounded down.
    public static func unixMilliseconds(from date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000).rounded(.down))
    }

    /// `2024-05-01T12:34:56.789012Z`.
    public static func format(_ date: Date) -> String {
        let micros = unixMicroseconds(from: date)
        let seconds = floorDiv(micros, 1_000_000)
        let fraction = micros - seconds * 1_000_000
        let days = floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
            + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
            + "." + pad(fraction, 6) + "Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    /// - Throws: `UTCTimeError` naming the input and the problem.
    public static func parse(_ text: String) throws(UTCTimeError) -> Date {
        let bytes = Array(text.utf8)
        var index = 0
        func fail(_ reason: String) -> UTCTimeError { UTCTimeError(value: text, reason: reason) }
        func number(_ count: Int, _ field: String) throws(UTCTimeError) -> Int64 {
            guard index + count <= bytes.count else { throw fail("expected \(field)") }
            var value: Int64 = 0
            for byte in bytes[index..<index + count] {
                guard byte >= 48 && byte <= 57 else { throw fail("expected \(field)") }
                value = value * 10 + Int64(byte - 48)
            }
            index += count
            return value
        }
        func expect(_ allowed: [UInt8], _ what: String) throws(UTCTimeError) {
            guard index < bytes.count, allowed.contains(bytes[index]) else { throw fail("expected \(what)") }
            index += 1
        }
        let year = try number(4, "a 4-digit year")
        try expect([UInt8(ascii: "-")], "'-' after the year")
        let month = try number(2, "a 2-digit month")
        try expect([UInt8(ascii: "-")], "'-' after the month")
        let day = try number(2, "a 2-digit day")
        try expect([UInt8(ascii: "T"), UInt8(ascii: "t")], "'T' between date and time")
        let hour = try number(2, "a 2-digit hour")
        try expect([UInt8(ascii: ":")], "':' after the hour")
        let minute = try number(2, "a 2-digit minute")
        try expect([UInt8(ascii: ":")], "':' after the minute")
        let second = try number(2, "2-digit seconds")
        var micros: Int64 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                if digits < 6 { micros = micros * 10 + Int64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            guard (1...9).contains(digits) else { throw fail("expected 1 to 9 fraction digits") }
            for _ in min(digits, 6)..<6 { micros *= 10 }
        }
        var offsetSeconds: Int64 = 0
        guard index < bytes.count else { throw fail("expected 'Z' or a UTC offset") }
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            let offsetHour = try number(2, "a 2-digit offset hour")
            try expect([UInt8(ascii: ":")], "':' in the UTC offset")
            let offsetMinute = try number(2, "a 2-digit offset minute")
            guard offsetHour < 24, offsetMinute < 60 else { throw fail("UTC offset out of range") }
            offsetSeconds = sign * (offsetHour * 3600 + offsetMinute * 60)
        default:
            throw fail("expected 'Z' or a UTC offset")
        }
        guard index == bytes.count else { throw fail("unexpected text after the timestamp") }
        guard (1...12).contains(month) else { throw fail("month \(month) is out of range") }
        guard (1...daysInMonth(year: year, month: month)).contains(day) else {
            throw fail("day \(day) is out of range for the month")
        }
        guard hour < 24, minute < 60, second < 60 else { throw fail("time of day is out of range") }
        let days = days(fromCivil: year, month, day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return date(fromUnixMicroseconds: seconds * 1_000_000 + micros)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value.magnitude)
        let padded = String(repeating: "0", count: max(0, width - text.count)) + text
        return value < 0 ? "-" + padded : padded
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Rationale: Howard Hinnant's `days_from_civil`, exact for the proleptic Gregorian calendar.
    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
