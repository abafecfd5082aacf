import EOPABI
import EOPDispatch
import EOPLoader
import EOPStorage
import Foundation

/// `eop.sql.v1`: the plugin's SQL through the ABI. Statements run on the plugin's own
/// connection (its session role, `SET ROLE` to its owner role, its schema first on the
/// search path), inside the delivery's or the plugin's transaction when one is open on
/// this thread. Nothing of libpq crosses the boundary: results are copied into
/// `SQLRows`, handed out as an opaque pointer.
enum SQLExtension {
    /// The table handed out by get_extension; lives as long as the process.
    // Immutable after creation; only its address is shared.
    nonisolated(unsafe) static let table: UnsafePointer<eop_sql_v1_t> = {
        var t = eop_sql_v1_t()
        t.struct_size = UInt32(MemoryLayout<eop_sql_v1_t>.size)
        t.begin = { host, err in SQLExtension.run(host, err) { log, id in try log.begin(pluginID: id) } }
        t.commit = { host, err in SQLExtension.run(host, err) { log, id in try log.commit(pluginID: id) } }
        t.rollback = { host, err in SQLExtension.run(host, err) { log, id in try log.rollback(pluginID: id) } }
        t.execute = { host, sql, params, count, rows, err in
            var values: [PostgresValue?] = []
            for i in 0..<count {
                guard let p = params?[i] else { return SQLExtension.fail(err, EOP_ERR_INVALID, "execute: params is NULL but n_params is \(count)") }
                switch p.type {
                case EOP_SQL_NULL: values.append(nil)
                case EOP_SQL_TEXT: values.append(PostgresValue(p.text.string))
                case EOP_SQL_INT64: values.append(PostgresValue(p.int64))
                case EOP_SQL_DOUBLE: values.append(PostgresValue(p.number))
                case EOP_SQL_BOOL: values.append(PostgresValue(p.int64 != 0))
                case EOP_SQL_BYTES: values.append(PostgresValue(p.text.bytes))
                default: return SQLExtension.fail(err, EOP_ERR_INVALID, "execute: parameter $\(i + 1) has unknown type \(p.type)")
                }
            }
            let text = sql.string
            return SQLExtension.run(host, err) { log, id in
                let result = try log.execute(pluginID: id, sql: text, params: values)
                if let rows { rows.pointee = OpaquePointer(Unmanaged.passRetained(try SQLRows(result)).toOpaque()) }
            }
        }
        t.row_count = { rows in SQLRows.from(rows)?.rowCount ?? 0 }
        t.affected = { rows in Int64(SQLRows.from(rows)?.affected ?? 0) }
        t.column_count = { rows in SQLRows.from(rows)?.columns.count ?? 0 }
        t.column_name = { rows, column in
            guard let r = SQLRows.from(rows), column < r.columns.count else { return eop_str_t(ptr: nil, len: 0) }
            return r.cString(r.columns[column])
        }
        t.get_text = { rows, row, column, out, isNull in
            SQLRows.get(rows, row, column, isNull) { r, text in out?.pointee = r.cString(text); return EOP_OK }
        }
        t.get_int64 = { rows, row, column, out, isNull in
            SQLRows.get(rows, row, column, isNull) { _, text in
                guard let v = Int64(text) else { return EOP_ERR_INVALID }
                out?.pointee = v
                return EOP_OK
            }
        }
        t.get_double = { rows, row, column, out, isNull in
            SQLRows.get(rows, row, column, isNull) { _, text in
                guard let v = Double(text) else { return EOP_ERR_INVALID }
                out?.pointee = v
                return EOP_OK
            }
        }
        t.get_bool = { rows, row, column, out, isNull in
            SQLRows.get(rows, row, column, isNull) { _, text in
                switch text { case "t", "true": out?.pointee = 1; case "f", "false": out?.pointee = 0; default: return EOP_ERR_INVALID }
                return EOP_OK
            }
        }
        t.get_bytes = { rows, row, column, out, isNull in
            guard let r = SQLRows.from(rows) else { return EOP_ERR_INVALID }
            guard row < r.rowCount, column < r.columns.count else { return EOP_ERR_NOT_FOUND }
            guard let bytes = r.bytes[row][column] else { isNull?.pointee = 1; return EOP_OK }
            isNull?.pointee = 0
            out?.pointee = r.cBytes(bytes)
            return EOP_OK
        }
        t.rows_release = { rows in
            guard let rows else { return }
            Unmanaged<SQLRows>.fromOpaque(UnsafeRawPointer(rows)).release()
        }
        t.last_sqlstate = { _, out in
            guard let out else { return }
            let state = Array(TransactionScope.lastSQLState.utf8.prefix(5))
            for (i, b) in state.enumerated() { out[i] = CChar(bitPattern: b) }
            out[state.count] = 0
        }
        let pointer = UnsafeMutablePointer<eop_sql_v1_t>.allocate(capacity: 1)
        pointer.initialize(to: t)
        return UnsafePointer(pointer)
    }()

    /// Finds the caller's event log, runs `body`, and turns errors into status + message.
    static func run(_ host: UnsafePointer<eop_host_t>?, _ err: UnsafeMutablePointer<eop_error_t>?, _ body: (EventLog, String) throws -> Void) -> eop_status_t {
        guard let caller = PluginHost.caller(of: host) else { return fail(err, EOP_ERR_INVALID, "unknown host table") }
        guard let log = caller.storage as? EventLog else { return fail(err, EOP_ERR_UNAVAILABLE, "this host runs without a database") }
        do {
            try body(log, caller.id)
            TransactionScope.lastSQLState = ""
            return EOP_OK
        } catch let error as PostgresError {
            TransactionScope.lastSQLState = error.sqlState ?? ""
            return fail(err, EOP_FAIL, error.description)
        } catch {
            TransactionScope.lastSQLState = ""
            return fail(err, EOP_ERR_INVALID, "\(error)")
        }
    }

    static func fail(_ err: UnsafeMutablePointer<eop_error_t>?, _ status: eop_status_t, _ message: String) -> eop_status_t {
        err?.fail(status, message) ?? status
    }
}

/// A copied result: text values (NULL as nil) and decoded bytea, owned until rows_release().
final class SQLRows {
    let columns: [String]
    let values: [[String?]]
    let bytes: [[Data?]]
    let affected: Int
    private var retained: [UnsafeMutableRawPointer] = []

    var rowCount: Int { values.count }

    init(_ r: PostgresResult) throws {
        columns = r.columnNames
        affected = r.affectedRows ?? 0
        var values: [[String?]] = [], bytes: [[Data?]] = []
        for row in 0..<r.rowCount {
            var v: [String?] = [], b: [Data?] = []
            for column in 0..<columns.count {
                if r.isNull(row: row, column: column) { v.append(nil); b.append(nil); continue }
                v.append(try r.text(row, column))
                b.append(r.isBytea(column: column) ? try r.data(row, column) : Data((try r.text(row, column)).utf8))
            }
            values.append(v)
            bytes.append(b)
        }
        self.values = values
        self.bytes = bytes
    }

    deinit { retained.forEach { $0.deallocate() } }

    static func from(_ rows: OpaquePointer?) -> SQLRows? {
        rows.map { Unmanaged<SQLRows>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
    }

    /// A C view of `text` that lives until the rows are released.
    func cString(_ text: String) -> eop_str_t { cBytes(Data(text.utf8)) }

    func cBytes(_ data: Data) -> eop_str_t {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(data.count, 1), alignment: 1)
        data.copyBytes(to: memory.assumingMemoryBound(to: UInt8.self), count: data.count)
        retained.append(memory)
        return eop_str_t(ptr: memory.assumingMemoryBound(to: CChar.self), len: data.count)
    }

    static func get(_ rows: OpaquePointer?, _ row: Int, _ column: Int, _ isNull: UnsafeMutablePointer<Int32>?,
                    _ body: (SQLRows, String) -> eop_status_t) -> eop_status_t {
        guard let r = from(rows) else { return EOP_ERR_INVALID }
        guard row < r.rowCount, column < r.columns.count else { return EOP_ERR_NOT_FOUND }
        guard let text = r.values[row][column] else { isNull?.pointee = 1; return EOP_OK }
        isNull?.pointee = 0
        return body(r, text)
    }
}

extension eop_str_t {
    var bytes: Data {
        guard let ptr, len > 0 else { return Data() }
        return Data(bytes: ptr, count: len)
    }
}

extension EventLog {
    /// Offers `eop.sql.v1` to the plugins of `host`.
    public func registerExtensions(on host: PluginHost) {
        host.extensions.register(EOP_EXT_SQL_V1, table: UnsafeRawPointer(SQLExtension.table))
    }

    func begin(pluginID: String) throws {
        if let tx = TransactionScope.current(pluginID) {
            guard tx.kind == .delivery else { throw SQLUsageError("begin: a transaction is already open on this thread") }
            try tx.enterHandlerSavepoint()
            tx.userSavepoints.append(tx.pending.count)
            _ = try tx.connection.execute("SAVEPOINT eop_user_\(tx.userSavepoints.count)", [])
            return
        }
        guard let module = module(pluginID) else { throw SQLUsageError("'\(pluginID)' has no database module") }
        let pool = sessions(for: module)
        let connection = try pool.checkOut()
        do { _ = try connection.execute("BEGIN", []) } catch { pool.checkIn(connection); throw error }
        TransactionScope.set(ActiveTransaction(pluginID: pluginID, connection: connection, kind: .explicit, finish: { pool.checkIn(connection) }), for: pluginID)
    }

    func commit(pluginID: String) throws { try end(pluginID: pluginID, commit: true) }
    func rollback(pluginID: String) throws { try end(pluginID: pluginID, commit: false) }

    private func end(pluginID: String, commit: Bool) throws {
        guard let tx = TransactionScope.current(pluginID) else { throw SQLUsageError("\(commit ? "commit" : "rollback"): no transaction is open on this thread") }
        if tx.kind == .delivery {
            guard let mark = tx.userSavepoints.last else { throw SQLUsageError("\(commit ? "commit" : "rollback"): no begin() inside this handler") }
            let name = "eop_user_\(tx.userSavepoints.count)"
            _ = try tx.connection.execute(commit ? "RELEASE SAVEPOINT \(name)" : "ROLLBACK TO SAVEPOINT \(name)", [])
            tx.userSavepoints.removeLast()
            if !commit { tx.pending.removeLast(tx.pending.count - mark) }
            return
        }
        TransactionScope.set(nil, for: pluginID)
        defer { tx.finish?() }
        if commit, tx.connection.transactionStatus == .failedTransaction {
            _ = try? tx.connection.execute("ROLLBACK", [])
            throw SQLUsageError("commit: a statement in this transaction failed, so PostgreSQL rolled it back; nothing was written")
        }
        if commit {
            do { try flush(tx.pending, on: tx.connection) } catch {
                _ = try? tx.connection.execute("ROLLBACK", [])
                throw error
            }
        }
        _ = try tx.connection.execute(commit ? "COMMIT" : "ROLLBACK", [])
        if commit && !tx.pending.isEmpty { relay.wake() }
    }

    /// A plugin's statement. On the module's own sessions (no transaction, or one the plugin
    /// began) it is prepared once per session and reused; a delivery's connection is the
    /// host's, shared by modules, so there it runs unprepared.
    func execute(pluginID: String, sql: String, params: [PostgresValue?]) throws -> PostgresResult {
        if let tx = TransactionScope.current(pluginID) {
            try tx.enterHandlerSavepoint()
            do {
                return tx.kind == .explicit && preparedStatements
                    ? try tx.connection.executeCached(sql, params, schemaGeneration: schemaGeneration(pluginID)) : try tx.connection.execute(sql, params)
            } catch {
                if tx.failedStatement == nil { tx.failedStatement = "\(error)" }
                throw error
            }
        }
        guard let module = module(pluginID) else { throw SQLUsageError("'\(pluginID)' has no database module") }
        return try sessions(for: module).withConnection { c in
            preparedStatements ? try c.executeCached(sql, params, schemaGeneration: schemaGeneration(pluginID)) : try c.execute(sql, params)
        }
    }
}

/// A misuse of the SQL extension (begin twice, commit without begin).
struct SQLUsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
