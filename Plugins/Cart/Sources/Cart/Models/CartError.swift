import EOPABI
import EOPSDK
import Foundation

/// A refusal the caller can act on: an HTTP status, the field at fault and why, and for
/// some refusals more to show (the changed prices). Routes answer it as RFC 9457
/// problem+json; commands and queries as its message with an ABI status.
struct CartError: Error, CustomStringConvertible {
    var status: UInt16
    var field: String?
    var reason: String
    /// Extra members of the problem object (JSON text of an object), e.g. `price_changes`.
    var extra: String?

    init(_ status: UInt16, field: String? = nil, _ reason: String, extra: [String: Any]? = nil) {
        self.status = status
        self.field = field
        self.reason = reason
        self.extra = extra.map { JSON.text($0) }
    }

    static func invalid(_ field: String, _ reason: String) -> CartError { CartError(400, field: field, reason) }
    /// Well-formed but not possible for this cart (a quantity over the limit, a vetoed code).
    static func unprocessable(_ field: String, _ reason: String) -> CartError { CartError(422, field: field, reason) }
    static func notFound(_ what: String) -> CartError { CartError(404, "\(what) does not exist") }
    static func conflict(_ field: String?, _ reason: String, extra: [String: Any]? = nil) -> CartError { CartError(409, field: field, reason, extra: extra) }
    static func forbidden(_ field: String, _ reason: String) -> CartError { CartError(403, field: field, reason) }
    /// A module Cart needs does not answer.
    static func unavailable(_ reason: String, extra: [String: Any]? = nil) -> CartError { CartError(503, reason, extra: extra) }

    var description: String { field.map { "\($0): \(reason)" } ?? reason }

    /// The status a command or query answers with. Not EOP_ERR_NOT_FOUND for an unknown
    /// line or cart: the host answers that when no plugin serves the topic at all, and callers
    /// read it as "Cart is not active".
    var abiStatus: Int32 {
        switch status {
        case 409: EOP_ERR_CONFLICT
        case 403: EOP_ERR_DENIED
        case 503: EOP_ERR_UNAVAILABLE
        default: EOP_ERR_INVALID
        }
    }

    /// The message a command or query answers with.
    var message: String { status == 404 ? "not found: \(description)" : description }

    /// The problem+json answer.
    var answer: HTTPAnswer {
        let titles: [UInt16: String] = [400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 422: "Unprocessable Content",
                                        503: "Service Unavailable"]
        var object: [String: Any] = ["type": "about:blank", "title": titles[status] ?? "Error", "status": Int(status), "detail": description]
        if let field {
            object["field"] = field
            object["errors"] = [["field": field, "reason": reason]]
        }
        if let extra, let more = JSON.decode(extra) as? [String: Any] { object.merge(more) { old, _ in old } }
        return HTTPAnswer(status: status, headers: [("content-type", "application/problem+json")], body: Array(JSON.data(object)))
    }
}

extension SQLError {
    /// A constraint PostgreSQL enforced, turned into the caller's error; other failures stay SQL errors.
    func asCartError(field: String, conflict: String) -> any Error {
        isUniqueViolation ? CartError.conflict(field, conflict) : self
    }
}
