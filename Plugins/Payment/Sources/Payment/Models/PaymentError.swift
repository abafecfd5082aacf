import EOPABI
import EOPSDK
import Foundation

/// A refusal the caller can act on: an HTTP status, the field at fault and why. Routes
/// answer it as RFC 9457 problem+json; commands and queries as their error message.
struct PaymentError: Error, CustomStringConvertible {
    var status: UInt16
    var field: String?
    var reason: String

    init(_ status: UInt16, field: String? = nil, _ reason: String) {
        self.status = status
        self.field = field
        self.reason = reason
    }

    static func invalid(_ field: String, _ reason: String) -> PaymentError { PaymentError(400, field: field, reason) }
    static func notFound(_ field: String, _ what: String) -> PaymentError { PaymentError(404, field: field, "\(what) does not exist") }
    static func conflict(_ field: String, _ reason: String) -> PaymentError { PaymentError(409, field: field, reason) }
    /// Well-formed but not possible now (over-refund, insufficient balance, method not available).
    static func unprocessable(_ field: String, _ reason: String) -> PaymentError { PaymentError(422, field: field, reason) }
    /// The provider could not be reached; the same idempotency key may be retried.
    static func unavailable(_ reason: String) -> PaymentError { PaymentError(503, reason) }

    var description: String { field.map { "\($0): \(reason)" } ?? reason }

    /// The problem+json answer.
    var answer: HTTPAnswer {
        let titles: [UInt16: String] = [400: "Bad Request", 404: "Not Found", 409: "Conflict", 422: "Unprocessable Content", 503: "Service Unavailable"]
        var object: [String: Any] = ["type": "about:blank", "title": titles[status] ?? "Error", "status": Int(status), "detail": description]
        if let field { object["errors"] = [["field": field, "reason": reason]] }
        return HTTPAnswer(status: status, headers: [("content-type", "application/problem+json")], body: Array(JSON.data(object)))
    }

    /// The same refusal as a command's error, the message naming the field: EOP_ERR_TIMEOUT
    /// when the provider did not answer (the caller asks again with the same key; not
    /// EOP_ERR_UNAVAILABLE, which says Payment itself is not running), EOP_ERR_INVALID otherwise.
    var pluginError: PluginError {
        PluginError(status == 404 ? "not found: \(description)" : description, status: status == 503 ? EOP_ERR_TIMEOUT : EOP_ERR_INVALID)
    }
}
