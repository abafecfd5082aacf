import EOPABI
import EOPSDK
import Foundation

/// A refusal the caller can act on: an HTTP status, the field at fault, why, and extra
/// problem members (the changed prices of a 409, the kept order of a 503). Routes answer
/// it as RFC 9457 problem+json; commands and queries as their error message.
struct OrderError: Error, CustomStringConvertible {
    var status: UInt16
    var field: String?
    var reason: String
    /// Extra members of the problem object (JSON values).
    var extra: JSONObject

    init(_ status: UInt16, field: String? = nil, _ reason: String, extra: [String: Any] = [:]) {
        self.status = status
        self.field = field
        self.reason = reason
        self.extra = JSONObject(extra)
    }

    static func invalid(_ field: String, _ reason: String) -> OrderError { OrderError(400, field: field, reason) }
    static func notFound(_ what: String) -> OrderError { OrderError(404, "\(what) does not exist") }
    static func conflict(_ field: String?, _ reason: String, extra: [String: Any] = [:]) -> OrderError { OrderError(409, field: field, reason, extra: extra) }
    static func unprocessable(_ field: String?, _ reason: String) -> OrderError { OrderError(422, field: field, reason) }
    /// A module this step needs is not active (or did not answer in time).
    static func unavailable(_ reason: String, extra: [String: Any] = [:]) -> OrderError { OrderError(503, reason, extra: extra) }

    var description: String { field.map { "\($0): \(reason)" } ?? reason }

    /// The problem+json answer.
    var answer: HTTPAnswer {
        let titles: [UInt16: String] = [400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
                                        410: "Gone", 422: "Unprocessable Content", 502: "Bad Gateway", 503: "Service Unavailable"]
        var object: [String: Any] = ["type": "about:blank", "title": titles[status] ?? "Error", "status": Int(status), "detail": description]
        if let field { object["errors"] = [["field": field, "reason": reason]] }
        object.merge(extra.value) { own, _ in own }
        return HTTPAnswer(status: status, headers: [("content-type", "application/problem+json")], body: Array(JSON.data(object)))
    }

    /// The status a command or query answers with this error.
    var eopStatus: Int32 {
        switch status {
        case 409: return EOP_ERR_CONFLICT
        case 503: return EOP_ERR_UNAVAILABLE
        default: return EOP_ERR_INVALID
        }
    }
}


/// A JSON object that crosses threads inside an error (its values are plain JSON).
struct JSONObject: @unchecked Sendable {
    let value: [String: Any]
    init(_ value: [String: Any]) { self.value = value }
}
