import EOPABI

/// The plugin's database, through the host's `eop.sql.v1` extension (`eop/ext/sql.h`).
///
///     let sql = try SQL(host: host)
///     let rows = try sql.execute("SELECT name, price FROM products WHERE id = $1", id)
///     for row in rows { let name = try row.string("name") ... }
///     try sql.transaction { try sql.execute("UPDATE ...", 5) }
///
/// Every statement runs as the plugin's own role, in its own schema. Only parameterised
/// statements exist: values go as `$1, $2, …` and are never spliced into the text.
/// Thread rules are the extension's: any thread, may block; a transaction belongs to the
/// thread that opened it (inside an event handler it is a savepoint of the delivery's).
public struct SQL: @unchecked Sendable {
    // Rationale for @unchecked: both pointers are host-owned, immutable tables that
    // outlive the plugin, and every slot is [any-thread].
    private let host: UnsafePointer<eop_host_t>
    private let table: UnsafePointer<eop_sql_v1_t>

    /// The extension of this host; throws when the host runs without a database.
    public init(host: HostAPI) throws(SQLError) {
        guard let raw = host.extensionTable(EOP_EXT_SQL_V1) else {
            throw SQLError("this host offers no \(EOP_EXT_SQL_V1) (it runs without a database)", status: EOP_ERR_UNAVAILABLE)
        }
        self.host = host.raw
        self.table = raw.assumingMemoryBound(to: eop_sql_v1_t.self)
    }

    /// Runs one statement with `$1, $2, …` bound to `parameters`, and returns its rows
    /// (empty for a statement that returns none; `affected` counts changed rows).
    @discardableResult
    public func execute(_ sql: String, _ parameters: any SQLParameter...) throws(SQLError) -> SQLRows {
        try execute(sql, parameters: parameters.map(\.sqlValue))
    }

    /// Runs one statement with an array of values (for lists built at run time).
    @discardableResult
    public func execute(_ sql: String, parameters: [SQLValue]) throws(SQLError) -> SQLRows {
        // Keep every text/bytes parameter's bytes alive until the call returns (borrowed until return).
        let storage = parameters.map { value -> [UInt8] in
            switch value {
            case .text(let s): return Array(s.utf8)
            case .bytes(let b): return b
            default: return []
            }
        }
        var rows: OpaquePointer?
        let status = withByteBuffers(storage) { buffers in
            let values = zip(parameters, buffers).map { value, buffer -> eop_sql_value_t in
                var v = eop_sql_value_t()
                let text = eop_str_t(ptr: UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self), len: buffer.count)
                switch value {
                case .null: v.type = EOP_SQL_NULL
                case .text: v.type = EOP_SQL_TEXT; v.text = text
                case .bytes: v.type = EOP_SQL_BYTES; v.text = text
                case .int(let i): v.type = EOP_SQL_INT64; v.int64 = i
                case .double(let d): v.type = EOP_SQL_DOUBLE; v.number = d
                case .bool(let b): v.type = EOP_SQL_BOOL; v.int64 = b ? 1 : 0
                }
                return v
            }
            let sqlBytes = Array(sql.utf8)
            return sqlBytes.withUnsafeBufferPointer { s in
                values.withUnsafeBufferPointer { p in
                    ErrorBuffer.with { err in
                        table.pointee.execute(host, eop_str_t(ptr: UnsafeRawPointer(s.baseAddress)?.assumingMemoryBound(to: CChar.self), len: s.count),
                                              p.baseAddress, p.count, &rows, err)
                    }
                }
            }
        }
        guard status.code == EOP_OK else { throw failure(status) }
        guard let rows else { throw SQLError("execute returned OK without rows", status: EOP_FAIL) }
        return SQLRows(table: table, rows: rows)
    }

    /// Opens a transaction on this thread (a savepoint inside an event handler).
    public func begin() throws(SQLError) { try call(table.pointee.begin) }
    /// Commits the transaction opened with `begin()` (releases the savepoint in a handler).
    public func commit() throws(SQLError) { try call(table.pointee.commit) }
    /// Rolls it back (to the savepoint in a handler).
    public func rollback() throws(SQLError) { try call(table.pointee.rollback) }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws
    /// (the error is rethrown). Facts published inside commit with it.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try begin()
        let result: T
        do {
            result = try body()
        } catch {
            try? rollback()
            throw error
        }
        try commit()
        return result
    }

    private func call(_ slot: (@convention(c) (UnsafePointer<eop_host_t>?, UnsafeMutablePointer<eop_error_t>?) -> eop_status_t)?) throws(SQLError) {
        guard let slot else { throw SQLError("the host's \(EOP_EXT_SQL_V1) table lacks this slot", status: EOP_ERR_UNAVAILABLE) }
        let status = ErrorBuffer.with { err in slot(host, err) }
        guard status.code == EOP_OK else { throw failure(status) }
    }

    private func failure(_ status: Status) -> SQLError {
        var state = [CChar](repeating: 0, count: 6)
        state.withUnsafeMutableBufferPointer { table.pointee.last_sqlstate(host, $0.baseAddress) }
        let code = String(decoding: state.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return SQLError(status.message.isEmpty ? "SQL call failed with status \(status.code)" : status.message,
                        status: status.code, sqlState: code.isEmpty ? nil : code)
    }
}

/// Calls `body` with stable pointers to each byte array.
private func withByteBuffers<R>(_ arrays: [[UInt8]], _ body: ([UnsafeBufferPointer<UInt8>]) -> R) -> R {
    func go(_ index: Int, _ acc: [UnsafeBufferPointer<UInt8>]) -> R {
        guard index < arrays.count else { return body(acc) }
        return arrays[index].withUnsafeBufferPointer { go(index + 1, acc + [$0]) }
    }
    return go(0, [])
}

/// A value bound to a `$n` parameter.
public enum SQLValue: Sendable, Equatable {
    case null
    case text(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case bytes([UInt8])
}

/// A Swift value that can be bound to a parameter: `String`, `Int`, `Int64`, `Int32`,
/// `Double`, `Bool`, `[UInt8]` (bytea), `SQLValue`, and an `Optional` of any of them (nil is NULL).
public protocol SQLParameter {
    /// The value sent to the host.
    var sqlValue: SQLValue { get }
}

extension SQLValue: SQLParameter { public var sqlValue: SQLValue { self } }
extension String: SQLParameter { public var sqlValue: SQLValue { .text(self) } }
extension Substring: SQLParameter { public var sqlValue: SQLValue { .text(String(self)) } }
extension Int: SQLParameter { public var sqlValue: SQLValue { .int(Int64(self)) } }
extension Int64: SQLParameter { public var sqlValue: SQLValue { .int(self) } }
extension Int32: SQLParameter { public var sqlValue: SQLValue { .int(Int64(self)) } }
extension Double: SQLParameter { public var sqlValue: SQLValue { .double(self) } }
extension Bool: SQLParameter { public var sqlValue: SQLValue { .bool(self) } }
extension Array: SQLParameter where Element == UInt8 { public var sqlValue: SQLValue { .bytes(self) } }
extension Optional: SQLParameter where Wrapped: SQLParameter { public var sqlValue: SQLValue { self?.sqlValue ?? .null } }

/// A failed SQL call: PostgreSQL's message, the ABI status and the SQLSTATE when PostgreSQL gave one.
public struct SQLError: Error, Sendable, CustomStringConvertible {
    /// The message (PostgreSQL's, or the host's for a misuse).
    public var message: String
    /// The ABI status (`EOP_FAIL`, `EOP_ERR_*`).
    public var status: Int32
    /// The five-character SQLSTATE, e.g. `23505`; nil when the failure is not PostgreSQL's.
    public var sqlState: String?

    /// Creates an error.
    public init(_ message: String, status: Int32 = EOP_FAIL, sqlState: String? = nil) {
        self.message = message
        self.status = status
        self.sqlState = sqlState
    }

    /// A unique constraint refused the row (23505).
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// A foreign key refused the row (23503).
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    /// A check constraint refused the row (23514).
    public var isCheckViolation: Bool { sqlState == "23514" }
    /// The message.
    public var description: String { sqlState.map { "\(message) (SQLSTATE \($0))" } ?? message }
}

/// The rows of one statement. Values are read through the host's typed getters and
/// copied into Swift values; the host's result is released when the last reference goes.
public final class SQLRows: RandomAccessCollection, @unchecked Sendable {
    // Rationale for @unchecked: the host's rows are immutable and its getters [any-thread];
    // the handle is released once, in deinit.
    private let table: UnsafePointer<eop_sql_v1_t>
    private let rows: OpaquePointer
    /// The column names, in order.
    public let columns: [String]
    private let columnIndex: [String: Int]
    /// Rows returned.
    public let count: Int
    /// Rows changed by INSERT/UPDATE/DELETE.
    public let affected: Int64

    init(table: UnsafePointer<eop_sql_v1_t>, rows: OpaquePointer) {
        self.table = table
        self.rows = rows
        count = table.pointee.row_count(rows)
        affected = table.pointee.affected(rows)
        let names = (0..<table.pointee.column_count(rows)).map { table.pointee.column_name(rows, $0).swiftString }
        columns = names
        columnIndex = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    deinit { table.pointee.rows_release(rows) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    public subscript(position: Int) -> SQLRow { SQLRow(rows: self, index: position) }

    func column(_ name: String) throws(SQLError) -> Int {
        guard let i = columnIndex[name] else { throw SQLError("no column '\(name)' in the result (columns: \(columns.joined(separator: ", ")))", status: EOP_ERR_NOT_FOUND) }
        return i
    }

    func read<T>(_ row: Int, _ column: Int, _ kind: String,
                 _ getter: (OpaquePointer, Int, Int, UnsafeMutablePointer<T>, UnsafeMutablePointer<Int32>) -> eop_status_t,
                 initial: T) throws(SQLError) -> T? {
        var out = initial
        var isNull: Int32 = 0
        let status = getter(rows, row, column, &out, &isNull)
        switch status {
        case EOP_OK: return isNull != 0 ? nil : out
        case EOP_ERR_NOT_FOUND: throw SQLError("row \(row), column \(column) is out of range", status: status)
        default: throw SQLError("column '\(columns[column])' of row \(row) is not \(kind)", status: status)
        }
    }

    func text(_ row: Int, _ column: Int) throws(SQLError) -> String? {
        try read(row, column, "text", { table.pointee.get_text($0, $1, $2, $3, $4) }, initial: eop_str_t()).map(\.swiftString)
    }
    func int64(_ row: Int, _ column: Int) throws(SQLError) -> Int64? {
        try read(row, column, "an integer", { table.pointee.get_int64($0, $1, $2, $3, $4) }, initial: 0)
    }
    func double(_ row: Int, _ column: Int) throws(SQLError) -> Double? {
        try read(row, column, "a number", { table.pointee.get_double($0, $1, $2, $3, $4) }, initial: 0)
    }
    func bool(_ row: Int, _ column: Int) throws(SQLError) -> Bool? {
        try read(row, column, "a boolean", { table.pointee.get_bool($0, $1, $2, $3, $4) }, initial: 0).map { $0 != 0 }
    }
    func bytes(_ row: Int, _ column: Int) throws(SQLError) -> [UInt8]? {
        try read(row, column, "bytes", { table.pointee.get_bytes($0, $1, $2, $3, $4) }, initial: eop_str_t()).map { s in
            guard let p = s.ptr, s.len > 0 else { return [] }
            return Array(UnsafeRawBufferPointer(start: p, count: s.len))
        }
    }
}

/// One row of `SQLRows`. Columns by name or by position; each getter returns nil for SQL
/// NULL and throws for an unknown column or a value that does not convert.
public struct SQLRow: Sendable {
    let rows: SQLRows
    /// The row's position in its result.
    public let index: Int

    /// Text (any column: numbers, uuids and timestamps come as PostgreSQL prints them).
    public func string(_ column: String) throws(SQLError) -> String? { try rows.text(index, rows.column(column)) }
    /// A 64-bit integer.
    public func int64(_ column: String) throws(SQLError) -> Int64? { try rows.int64(index, rows.column(column)) }
    /// A double.
    public func double(_ column: String) throws(SQLError) -> Double? { try rows.double(index, rows.column(column)) }
    /// A boolean.
    public func bool(_ column: String) throws(SQLError) -> Bool? { try rows.bool(index, rows.column(column)) }
    /// The bytes of a bytea column.
    public func bytes(_ column: String) throws(SQLError) -> [UInt8]? { try rows.bytes(index, rows.column(column)) }

    /// Text of the column at `position`.
    public func string(at position: Int) throws(SQLError) -> String? { try rows.text(index, position) }
    /// The integer at `position`.
    public func int64(at position: Int) throws(SQLError) -> Int64? { try rows.int64(index, position) }

    /// Text that must not be NULL (throws naming the column otherwise).
    public func requiredString(_ column: String) throws(SQLError) -> String {
        guard let v = try string(column) else { throw SQLError("column '\(column)' is NULL", status: EOP_ERR_INVALID) }
        return v
    }
    /// An integer that must not be NULL.
    public func requiredInt64(_ column: String) throws(SQLError) -> Int64 {
        guard let v = try int64(column) else { throw SQLError("column '\(column)' is NULL", status: EOP_ERR_INVALID) }
        return v
    }
}
