import Foundation

/// Date text used in license and manifest files: timestamps as RFC 3339 UTC
/// (`2026-01-31T00:00:00Z`) and calendar days as `YYYY-MM-DD` (UTC midnight).
public enum LicenseDate {
    private static let utc: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    /// Parses `YYYY-MM-DD` to UTC midnight; nil if malformed.
    public static func parseDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        let comps = DateComponents(year: y, month: m, day: d)
        guard let date = utc.date(from: comps), utc.component(.day, from: date) == d else { return nil }
        return date
    }

    /// Formats a date as `YYYY-MM-DD` in UTC.
    public static func formatDay(_ date: Date) -> String {
        let c = utc.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    /// Parses an RFC 3339 timestamp (`Z` or offset, optional fractional seconds), or a bare
    /// `YYYY-MM-DD` as UTC midnight; nil if malformed.
    public static func parseTimestamp(_ text: String) -> Date? {
        if let day = parseDay(text) { return day }
        if let d = try? Date(text, strategy: .iso8601) { return d }
        if let d = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return d }
        return nil
    }

    /// Formats a timestamp as RFC 3339 UTC without fractional seconds.
    public static func formatTimestamp(_ date: Date) -> String {
        let c = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }
}

/// An integer from `JSONSerialization` output (which yields `NSNumber` on Linux); nil for non-integers.
func jsonInteger(_ value: Any?) -> Int64? {
    if let i = value as? Int { return Int64(i) }
    if let n = value as? NSNumber {
        let d = n.doubleValue
        if d == d.rounded(), abs(d) < 9e18 { return n.int64Value }
    }
    return nil
}
