import CLibPQ
import Foundation

/// An error from PostgreSQL or from the libpq client, carrying what the server said.
///
/// `sqlState` is the five-character SQLSTATE code (`"42501"`, `"23505"`) when
/// the server reported one; it is `nil` for client-side failures (connection
/// refused, a value that does not decode, misuse of the API).
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// Where the error arose.
    public enum Kind: Sendable, Equatable {
        /// The server rejected a statement (it carries a SQLSTATE).
        case server
        /// The connection could not be opened, or broke.
        case connection
        /// A client-side problem: a value that does not decode, an argument that cannot be sent.
        case client
    }

    /// Where the error arose.
    public var kind: Kind
    /// SQLSTATE, e.g. `"42501"` (insufficient privilege); `nil` if PostgreSQL gave none.
    public var sqlState: String?
    /// Severity as the server reported it (`ERROR`, `FATAL`, `PANIC`); `nil` for client errors.
    public var severity: String?
    /// The primary, human-readable message.
    public var message: String
    /// The server's optional DETAIL line.
    public var detail: String?
    /// The server's optional HINT line.
    public var hint: String?

    /// Makes an error by hand (used by this module for client errors; also useful in fakes).
    public init(
        kind: Kind, sqlState: String? = nil, severity: String? = nil,
        message: String, detail: String? = nil, hint: String? = nil
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.severity = severity
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    /// `ERROR 42501: permission denied for table x`, then DETAIL and HINT lines if present.
    public var description: String {
        var text: String
        switch (severity, sqlState) {
        case let (severity?, state?): text = "\(severity) \(state): \(message)"
        case let (nil, state?): text = "ERROR \(state): \(message)"
        case let (severity?, nil): text = "\(severity): \(message)"
        case (nil, nil): text = "\(kind == .connection ? "connection error" : "client error"): \(message)"
        }
        if let detail { text += "\nDETAIL: \(detail)" }
        if let hint { text += "\nHINT: \(hint)" }
        return text
    }

    /// Builds the error from a failed `PGresult`, falling back to the connection's message.
    static func from(result: OpaquePointer?, connection: OpaquePointer?) -> PostgresError {
        func field(_ code: UInt8) -> String? {
            guard let result, let raw = PQresultErrorField(result, Int32(code)) else { return nil }
            return String(cString: raw)
        }
        let primary = field(UInt8(ascii: "M"))
        let state = field(UInt8(ascii: "C"))
        if let primary {
            return PostgresError(
                kind: .server, sqlState: state,
                severity: field(UInt8(ascii: "V")) ?? field(UInt8(ascii: "S")),
                message: primary, detail: field(UInt8(ascii: "D")), hint: field(UInt8(ascii: "H")))
        }
        // No structured fields: the failure happened on the client side of libpq
        // (lost connection, out of memory). Use the connection's message.
        let text = connection.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? ""
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let broken = connection.map { PQstatus($0) != CONNECTION_OK } ?? true
        return PostgresError(
            kind: broken ? .connection : .client, sqlState: state,
            message: trimmed.isEmpty ? "unknown libpq error" : trimmed)
    }

    /// A connection-level error from the connection's current message.
    static func connection(_ conn: OpaquePointer?, context: String) -> PostgresError {
        let text = conn.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? "out of memory"
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresError(kind: .connection, message: trimmed.isEmpty ? context : "\(context): \(trimmed)")
    }

    /// A client-side error.
    static func client(_ message: String) -> PostgresError {
        PostgresError(kind: .client, message: message)
    }
}

extension PostgresError {
    /// `23505`: unique_violation.
    public static let uniqueViolation = "23505"
    /// `42501`: insufficient_privilege (e.g. `permission denied for table x`).
    public static let insufficientPrivilege = "42501"
    /// `42601`: syntax_error.
    public static let syntaxError = "42601"
    /// `40001`: serialization_failure (retry the transaction).
    public static let serializationFailure = "40001"
    /// `40P01`: deadlock_detected (retry the transaction).
    public static let deadlockDetected = "40P01"
}
