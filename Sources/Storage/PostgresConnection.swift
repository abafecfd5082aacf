import CLibPQ
import Foundation
import Logging

/// One libpq connection to PostgreSQL.
///
/// Threading: a connection is NOT thread-safe. Use it from one thread (or
/// task) at a time; it may move between threads between calls (the pool hands
/// it to one borrower at a time). It is deliberately not `Sendable`.
///
/// Every call blocks its thread until the server answers ([may-block]); from
/// async code, call it off the cooperative pool or through ``ConnectionPool``
/// from a thread you own.
///
/// Errors: every failure throws ``PostgresError``; server errors carry the
/// SQLSTATE, message, detail and hint.
public final class PostgresConnection {
    /// Transaction state of the session, from `PQtransactionStatus`.
    public enum TransactionStatus: Sendable, Equatable {
        /// Not in a transaction.
        case idle
        /// A command is in progress.
        case active
        /// Inside a valid transaction block.
        case inTransaction
        /// Inside a failed transaction block (only ROLLBACK works).
        case failedTransaction
        /// The connection is bad.
        case unknown
    }

    /// Isolation level for ``transaction(isolation:_:)``.
    public enum IsolationLevel: String, Sendable {
        /// READ COMMITTED (PostgreSQL's default).
        case readCommitted = "READ COMMITTED"
        /// REPEATABLE READ.
        case repeatableRead = "REPEATABLE READ"
        /// SERIALIZABLE.
        case serializable = "SERIALIZABLE"
    }

    private var conn: OpaquePointer?
    /// Statements `executeCached` prepared on this session, by SQL text.
    private var preparedStatements: [String: String] = [:]
    private var preparedCount = 0
    /// The schema generation the prepared statements were planned against.
    private var preparedGeneration = 0
    /// Receives server NOTICE/WARNING messages (instead of libpq printing them to stderr).
    public let logger: Logger

    /// Opens a connection. `conninfo` is a libpq keyword string
    /// (`host=/path/to/socketdir dbname=eop user=eop password=…`) or a URL
    /// (`postgresql://user:pass@host:5432/db`). Blocks until connected or failed.
    /// - Throws: ``PostgresError`` of kind `.connection` with libpq's message.
    public init(_ conninfo: String, logger: Logger = Logger(label: "eop.storage.connection")) throws {
        self.logger = logger
        guard let conn = PQconnectdb(conninfo) else {
            throw PostgresError(kind: .connection, message: "out of memory opening a connection")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let error = PostgresError.connection(conn, context: "could not connect")
            PQfinish(conn)
            throw error
        }
        self.conn = conn
        installNoticeReceiver()
    }

    /// Same as ``init(_:logger:)``.
    public static func connect(_ conninfo: String, logger: Logger = Logger(label: "eop.storage.connection")) throws -> PostgresConnection {
        try PostgresConnection(conninfo, logger: logger)
    }

    deinit { if let conn { PQfinish(conn) } }

    /// True while the connection is open and libpq reports `CONNECTION_OK`.
    /// libpq notices a dead server only when a call fails, so this can stay
    /// true until the next statement.
    public var isAlive: Bool { conn.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// The session's transaction state.
    public var transactionStatus: TransactionStatus {
        guard let conn else { return .unknown }
        switch PQtransactionStatus(conn) {
        case PQTRANS_IDLE: return .idle
        case PQTRANS_ACTIVE: return .active
        case PQTRANS_INTRANS: return .inTransaction
        case PQTRANS_INERROR: return .failedTransaction
        default: return .unknown
        }
    }

    /// The server backend's process id (for `pg_terminate_backend`, logs).
    public var backendProcessID: Int32 { conn.map { PQbackendPID($0) } ?? 0 }

    /// Closes and reopens the connection with the same parameters (`PQreset`).
    /// Prepared statements and LISTENs are lost.
    public func reset() throws {
        let conn = try open()
        preparedStatements.removeAll()
        PQreset(conn)
        guard PQstatus(conn) == CONNECTION_OK else {
            throw PostgresError.connection(conn, context: "could not reconnect")
        }
    }

    /// Closes the connection. Further calls throw. Idempotent.
    public func close() {
        if let conn { PQfinish(conn) }
        conn = nil
    }

    // MARK: - Statements

    /// Runs ONE parameterised statement (`$1`, `$2`, …) with text-format
    /// parameters; `nil` is SQL NULL. Several statements in one string are
    /// refused by the server (42601): use ``executeScript(_:)`` for those.
    public func execute(_ sql: String, _ parameters: [PostgresValue?] = []) throws -> PostgresResult {
        let conn = try open()
        return try withParameters(parameters) { count, values in
            try check(PQexecParams(conn, sql, count, nil, values, nil, nil, 0))
        }
    }

    /// Most statements one session keeps prepared for `executeCached`; past it they are all
    /// dropped and prepared again as used.
    public static let preparedStatementLimit = 256

    /// Runs ONE parameterised statement like ``execute(_:_:)``, but prepares it on this
    /// session the first time and reuses it, so the server parses and plans each distinct
    /// statement text once per session rather than on every call (PostgreSQL still plans
    /// with the values for the first calls and re-plans when tables change).
    ///
    /// `schemaGeneration` is the caller's count of schema changes (migrations): when it
    /// differs from the one the statements were prepared under, they are dropped first, so
    /// no cached `SELECT *` outlives a column it did not know. A prepared statement that went
    /// stale anyway (its result shape changed under another host's migration, or the session
    /// dropped it) is forgotten, and retried once when no transaction is open; inside one,
    /// the caller sees the error once and the next call prepares afresh.
    public func executeCached(_ sql: String, _ parameters: [PostgresValue?] = [], schemaGeneration: Int = 0) throws -> PostgresResult {
        try executeCached(sql, parameters, schemaGeneration: schemaGeneration, mayRetry: true)
    }

    private func executeCached(_ sql: String, _ parameters: [PostgresValue?], schemaGeneration: Int, mayRetry: Bool) throws -> PostgresResult {
        let conn = try open()
        let isNew = preparedStatements[sql] == nil
        if schemaGeneration != preparedGeneration || (isNew && preparedStatements.count >= Self.preparedStatementLimit) {
            // DEALLOCATE is refused inside a failed transaction; then the next call tries again.
            guard transactionStatus != .failedTransaction else { return try execute(sql, parameters) }
            if !preparedStatements.isEmpty { _ = try check(PQexec(conn, "DEALLOCATE ALL")) }
            preparedStatements.removeAll()
            preparedGeneration = schemaGeneration
        }
        let name: String
        if let known = preparedStatements[sql] {
            name = known
        } else {
            preparedCount += 1
            name = "eop_stmt_\(preparedCount)"
            _ = try check(PQprepare(conn, name, sql, 0, nil))
            preparedStatements[sql] = name
        }
        do {
            return try withParameters(parameters) { count, values in try check(PQexecPrepared(conn, name, count, values, nil, nil, 0)) }
        } catch let error as PostgresError where Self.isStalePreparedStatement(error) {
            preparedStatements[sql] = nil
            guard mayRetry, transactionStatus == .idle else { throw error }
            return try executeCached(sql, parameters, schemaGeneration: schemaGeneration, mayRetry: false)
        }
    }

    /// A prepared statement that no longer fits: a table it reads changed shape (another
    /// host's migration) or the session dropped it (`DEALLOCATE`, `DISCARD ALL`).
    static func isStalePreparedStatement(_ error: PostgresError) -> Bool {
        (error.sqlState == "0A000" && error.message.contains("cached plan must not change result type")) || error.sqlState == "26000"
    }

    /// Prepares a named statement on this session (`PQprepare`); parameter types are inferred.
    public func prepare(_ name: String, _ sql: String) throws {
        let conn = try open()
        _ = try check(PQprepare(conn, name, sql, 0, nil))
    }

    /// Runs a statement made by ``prepare(_:_:)``.
    public func executePrepared(_ name: String, _ parameters: [PostgresValue?] = []) throws -> PostgresResult {
        let conn = try open()
        return try withParameters(parameters) { count, values in
            try check(PQexecPrepared(conn, name, count, values, nil, nil, 0))
        }
    }

    /// Runs a script of several statements with no parameters (simple query
    /// protocol), e.g. a migration file. Unless the script has its own
    /// BEGIN/COMMIT, the server runs it as one implicit transaction; the first
    /// error stops it and is thrown.
    public func executeScript(_ sql: String) throws {
        let conn = try open()
        guard PQsendQuery(conn, sql) == 1 else { throw PostgresError.connection(conn, context: "could not send script") }
        var firstError: PostgresError?
        while let result = PQgetResult(conn) {
            let status = PQresultStatus(result)
            if status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE || status == PGRES_NONFATAL_ERROR {
                if firstError == nil { firstError = PostgresError.from(result: result, connection: conn) }
            }
            PQclear(result)
            if abandonCopy(conn, status), firstError == nil {
                firstError = PostgresError.client("COPY is not supported through executeScript()")
            }
        }
        if let firstError { throw firstError }
        if PQstatus(conn) != CONNECTION_OK { throw PostgresError.connection(conn, context: "connection lost") }
    }

    /// Runs `body` inside BEGIN … COMMIT, and ROLLBACK if it throws (the
    /// original error is rethrown). Not nestable: throws if a transaction is
    /// already open. If COMMIT fails (e.g. 40001) its error is thrown.
    public func transaction<T>(
        isolation: IsolationLevel? = nil, _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        guard transactionStatus == .idle else {
            throw PostgresError.client("transaction() called while a transaction is already open (\(transactionStatus))")
        }
        _ = try execute(isolation.map { "BEGIN ISOLATION LEVEL \($0.rawValue)" } ?? "BEGIN")
        let value: T
        do {
            value = try body(self)
        } catch {
            if isAlive { _ = try? execute("ROLLBACK") }
            throw error
        }
        _ = try execute("COMMIT")
        return value
    }

    // MARK: - Internals

    /// The live handle, or an error if closed.
    func open() throws -> OpaquePointer {
        guard let conn else { throw PostgresError(kind: .connection, message: "connection is closed") }
        return conn
    }

    /// Quotes an identifier with libpq's rules (`"My Channel"`).
    public func quoteIdentifier(_ identifier: String) throws -> String {
        let conn = try open()
        guard let quoted = PQescapeIdentifier(conn, identifier, identifier.utf8.count) else {
            throw PostgresError.connection(conn, context: "could not quote identifier")
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    private func check(_ result: OpaquePointer?) throws -> PostgresResult {
        guard let result else { throw PostgresError.connection(conn, context: "no result") }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresResult(takingOwnershipOf: result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            let status = PQresultStatus(result)
            PQclear(result)
            // Leave COPY mode so the connection stays usable.
            if let conn {
                _ = abandonCopy(conn, status)
                while let r = PQgetResult(conn) { let s = PQresultStatus(r); PQclear(r); _ = abandonCopy(conn, s) }
            }
            throw PostgresError.client("COPY is not supported through execute()")
        default:
            let error = PostgresError.from(result: result, connection: conn)
            PQclear(result)
            throw error
        }
    }

    /// If `status` is a COPY state, ends it (COPY IN is failed, COPY OUT drained); returns true if it was one.
    private func abandonCopy(_ conn: OpaquePointer, _ status: ExecStatusType) -> Bool {
        switch status {
        case PGRES_COPY_IN, PGRES_COPY_BOTH:
            _ = PQputCopyEnd(conn, "COPY is not supported by EOPStorage")
            return true
        case PGRES_COPY_OUT:
            var buffer: UnsafeMutablePointer<CChar>?
            while PQgetCopyData(conn, &buffer, 0) > 0 { PQfreemem(buffer) }
            return true
        default:
            return false
        }
    }

    private func withParameters<R>(
        _ parameters: [PostgresValue?],
        _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?) throws -> R
    ) throws -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = []
        pointers.reserveCapacity(parameters.count)
        defer { for p in pointers { free(p) } }
        for (index, parameter) in parameters.enumerated() {
            guard let parameter else { pointers.append(nil); continue }
            if parameter.text.utf8.contains(0) {
                throw PostgresError.client("parameter $\(index + 1) contains a NUL byte, which PostgreSQL text cannot hold (use bytea)")
            }
            pointers.append(strdup(parameter.text))
        }
        return try pointers.withUnsafeBufferPointer { buffer in
            try buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(1, buffer.count)) {
                try body(Int32(parameters.count), parameters.isEmpty ? nil : $0)
            }
        }
    }

    private func installNoticeReceiver() {
        guard let conn else { return }
        let context = Unmanaged.passUnretained(self).toOpaque()
        PQsetNoticeReceiver(conn, { context, result in
            guard let context, let result else { return }
            let connection = Unmanaged<PostgresConnection>.fromOpaque(context).takeUnretainedValue()
            let error = PostgresError.from(result: result, connection: nil)
            connection.logger.notice("postgres notice", metadata: [
                "sqlstate": .string(error.sqlState ?? ""), "message": .string(error.message),
            ])
        }, context)
    }
}
