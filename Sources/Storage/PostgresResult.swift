import CLibPQ
import Foundation

/// The rows of one executed statement, in text format.
///
/// Owns the libpq `PGresult` and frees it on deinit. Immutable once made, so
/// it may be read from any thread (libpq results are read-only).
///
/// Getters return `nil` for SQL `NULL` and throw a `.client` ``PostgresError``
/// when the text does not decode as the asked type. Row and column indices
/// are zero-based; an index out of range is a programming error (trap).
public final class PostgresResult: @unchecked Sendable {
    // Rationale: @unchecked because OpaquePointer is not Sendable, but a
    // PGresult is never mutated after PQexec* returns it.
    private let result: OpaquePointer

    /// Number of rows returned.
    public let rowCount: Int
    /// Column names, in select-list order.
    public let columnNames: [String]
    /// Rows touched by INSERT/UPDATE/DELETE/MERGE/COPY/FETCH/MOVE/SELECT
    /// (`PQcmdTuples`); `nil` for commands that report none (e.g. CREATE TABLE).
    public let affectedRows: Int?
    /// The command tag, e.g. `INSERT 0 1` or `CREATE TABLE`.
    public let commandTag: String
    /// Each column's type OID (`PQftype`), e.g. 17 for bytea.
    public let columnTypes: [UInt32]

    init(takingOwnershipOf result: OpaquePointer) {
        self.result = result
        rowCount = Int(PQntuples(result))
        columnNames = (0..<PQnfields(result)).map { String(cString: PQfname(result, $0)) }
        let tuples = String(cString: PQcmdTuples(result))
        affectedRows = tuples.isEmpty ? nil : Int(tuples)
        commandTag = String(cString: PQcmdStatus(result))
        columnTypes = (0..<PQnfields(result)).map { UInt32(PQftype(result, $0)) }
    }

    /// Whether a column is bytea (its text form is `\x…` hex).
    public func isBytea(column: Int) -> Bool { columnTypes[column] == 17 }

    deinit { PQclear(result) }

    /// Number of columns.
    public var columnCount: Int { columnNames.count }

    /// The index of the column with exactly this name (case-sensitive), or `nil`.
    public func column(named name: String) -> Int? { columnNames.firstIndex(of: name) }

    /// True if the value is SQL `NULL`.
    public func isNull(row: Int, column: Int) -> Bool {
        check(row, column)
        return PQgetisnull(result, Int32(row), Int32(column)) == 1
    }

    /// The value's text form, or `nil` for `NULL`.
    public func string(row: Int, column: Int) -> String? {
        guard !isNull(row: row, column: column) else { return nil }
        return String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }

    /// An integer column (`smallint`, `int`, `bigint`, or numeric text without fraction).
    public func int64(row: Int, column: Int) throws -> Int64? {
        try decode(row, column, "int64") { Int64($0) }
    }

    /// A `real`/`double precision` column (also `NaN`, `Infinity`, `-Infinity`).
    public func double(row: Int, column: Int) throws -> Double? {
        try decode(row, column, "double") { text in
            switch text {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: return Double(text)
            }
        }
    }

    /// A `boolean` column (`t`/`f`).
    public func bool(row: Int, column: Int) throws -> Bool? {
        try decode(row, column, "bool") { $0 == "t" ? true : $0 == "f" ? false : nil }
    }

    /// A `uuid` column.
    public func uuid(row: Int, column: Int) throws -> UUID? {
        try decode(row, column, "uuid") { UUID(uuidString: $0) }
    }

    /// A `bytea` column, decoded with `PQunescapeBytea`.
    public func bytes(row: Int, column: Int) throws -> [UInt8]? {
        guard !isNull(row: row, column: column) else { return nil }
        let raw = PQgetvalue(result, Int32(row), Int32(column))!
        var length = 0
        let decoded = raw.withMemoryRebound(to: UInt8.self, capacity: 1) { PQunescapeBytea($0, &length) }
        guard let decoded else {
            throw PostgresError.client("row \(row) column \(columnNames[column]): bytea does not decode")
        }
        defer { PQfreemem(decoded) }
        return Array(UnsafeBufferPointer(start: decoded, count: length))
    }

    /// A `timestamptz`/`timestamp` column in the server's ISO output
    /// (`2026-11-25 13:08:23.123456+00`, the default `DateStyle`); a
    /// `timestamp` without zone is read as UTC.
    public func date(row: Int, column: Int) throws -> Date? {
        try decode(row, column, "timestamp") { Self.parseTimestamp($0) }
    }

    // MARK: - By column name

    /// ``string(row:column:)`` by column name; throws if there is no such column.
    public func string(row: Int, _ name: String) throws -> String? { string(row: row, column: try index(name)) }
    /// ``int64(row:column:)`` by column name.
    public func int64(row: Int, _ name: String) throws -> Int64? { try int64(row: row, column: try index(name)) }
    /// ``double(row:column:)`` by column name.
    public func double(row: Int, _ name: String) throws -> Double? { try double(row: row, column: try index(name)) }
    /// ``bool(row:column:)`` by column name.
    public func bool(row: Int, _ name: String) throws -> Bool? { try bool(row: row, column: try index(name)) }
    /// ``uuid(row:column:)`` by column name.
    public func uuid(row: Int, _ name: String) throws -> UUID? { try uuid(row: row, column: try index(name)) }
    /// ``bytes(row:column:)`` by column name.
    public func bytes(row: Int, _ name: String) throws -> [UInt8]? { try bytes(row: row, column: try index(name)) }
    /// ``date(row:column:)`` by column name.
    public func date(row: Int, _ name: String) throws -> Date? { try date(row: row, column: try index(name)) }
    /// ``isNull(row:column:)`` by column name.
    public func isNull(row: Int, _ name: String) throws -> Bool { isNull(row: row, column: try index(name)) }

    // MARK: - Internals

    private func index(_ name: String) throws -> Int {
        guard let i = column(named: name) else {
            throw PostgresError.client("no column named \"\(name)\" (columns: \(columnNames.joined(separator: ", ")))")
        }
        return i
    }

    private func check(_ row: Int, _ column: Int) {
        precondition(row >= 0 && row < rowCount, "row \(row) out of range 0..<\(rowCount)")
        precondition(column >= 0 && column < columnNames.count, "column \(column) out of range 0..<\(columnNames.count)")
    }

    private func decode<T>(_ row: Int, _ column: Int, _ type: String, _ parse: (String) -> T?) throws -> T? {
        guard let text = string(row: row, column: column) else { return nil }
        guard let value = parse(text) else {
            throw PostgresError.client("row \(row) column \(columnNames[column]): '\(text)' is not a \(type)")
        }
        return value
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff][±HH[:MM[:SS]]]`.
    static func parseTimestamp(_ text: String) -> Date? {
        let b = Array(text.utf8)
        var i = 0
        func number(_ width: Int) -> Int? {
            guard i + width <= b.count else { return nil }
            var n = 0
            for k in i..<(i + width) {
                guard b[k] >= 48 && b[k] <= 57 else { return nil }
                n = n * 10 + Int(b[k] - 48)
            }
            i += width
            return n
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
              expect(32) || expect(84), let hour = number(2), expect(58), let minute = number(2), expect(58),
              let second = number(2) else { return nil }
        var fraction = 0.0
        if i < b.count, b[i] == 46 {
            i += 1
            var scale = 0.1
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        var offset = 0
        if i < b.count, b[i] == 43 || b[i] == 45 {
            let sign = b[i] == 45 ? -1 : 1
            i += 1
            guard let oh = number(2) else { return nil }
            var om = 0, os = 0
            if expect(58) { guard let m = number(2) else { return nil }; om = m }
            if expect(58) { guard let s = number(2) else { return nil }; os = s }
            offset = sign * (oh * 3600 + om * 60 + os)
        } else if expect(90) { offset = 0 }
        guard i == b.count else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let utc = timegm(&parts)
        return Date(timeIntervalSince1970: Double(utc - offset) + fraction)
    }
}
