import Foundation

/// One statement parameter in PostgreSQL's text format.
///
/// A parameter list is `[PostgresValue?]`: `nil` is SQL `NULL`. The server
/// converts the text to the parameter's type (inferred from the statement or
/// given by a cast such as `$1::uuid`), so the encodings below are the
/// canonical text forms PostgreSQL accepts.
public struct PostgresValue: Sendable, Hashable, CustomStringConvertible {
    /// The text form sent to the server.
    public var text: String

    /// A value from its PostgreSQL text form, verbatim.
    public init(text: String) { self.text = text }

    /// A `text`/`varchar` value.
    public init(_ value: String) { self.text = value }
    /// A `bigint` value.
    public init(_ value: Int64) { self.text = String(value) }
    /// A `bigint` value.
    public init(_ value: Int) { self.text = String(value) }
    /// An `int`/`smallint`/`bigint` value.
    public init(_ value: Int32) { self.text = String(value) }
    /// A `double precision` value; NaN and infinities use PostgreSQL's spelling.
    public init(_ value: Double) {
        if value.isNaN { text = "NaN" }
        else if value == .infinity { text = "Infinity" }
        else if value == -.infinity { text = "-Infinity" }
        else { text = "\(value)" }  // shortest text that round-trips
    }
    /// A `boolean` value (`t`/`f`).
    public init(_ value: Bool) { self.text = value ? "t" : "f" }
    /// A `bytea` value in hex form (`\x0aff…`).
    public init(_ value: [UInt8]) { self.text = Self.hex(value) }
    /// A `bytea` value in hex form (`\x0aff…`).
    public init(_ value: Data) { self.text = Self.hex(value) }
    /// A `uuid` value (lower-case canonical form).
    public init(_ value: UUID) { self.text = value.uuidString.lowercased() }
    /// A `timestamptz` value in ISO 8601, UTC, microsecond precision
    /// (`2026-11-25T13:08:23.123456Z`); finer fractions are truncated.
    public init(_ value: Date) { self.text = Self.iso8601(value) }

    /// The text form.
    public var description: String { text }

    private static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(2 + bytes.count * 2)
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "x"))
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func iso8601(_ date: Date) -> String {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded(.down)
        var seconds = Int((micros / 1_000_000).rounded(.down))
        var fraction = Int(micros - Double(seconds) * 1_000_000)
        if fraction < 0 { fraction += 1_000_000; seconds -= 1 }
        if fraction >= 1_000_000 { fraction -= 1_000_000; seconds += 1 }
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ n: Int32, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let frac = String(fraction)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 6 - frac.count) + frac + "Z"
    }
}

extension PostgresValue: ExpressibleByStringLiteral {
    /// A `text` literal.
    public init(stringLiteral value: String) { self.text = value }
}

extension PostgresValue: ExpressibleByIntegerLiteral {
    /// An integer literal.
    public init(integerLiteral value: Int64) { self.text = String(value) }
}

extension PostgresValue: ExpressibleByFloatLiteral {
    /// A floating-point literal.
    public init(floatLiteral value: Double) { self.init(value) }
}

extension PostgresValue: ExpressibleByBooleanLiteral {
    /// A boolean literal.
    public init(booleanLiteral value: Bool) { self.init(value) }
}
