import EOPSDK
import Foundation

/// A refusal the caller can act on: an HTTP status, the field at fault and why.
/// Routes answer it as RFC 9457 problem+json; the price query as its message.
struct CatalogError: Error, CustomStringConvertible {
    var status: UInt16
    var field: String?
    var reason: String

    init(_ status: UInt16, field: String? = nil, _ reason: String) {
        self.status = status
        self.field = field
        self.reason = reason
    }

    static func invalid(_ field: String, _ reason: String) -> CatalogError { CatalogError(400, field: field, reason) }
    static func notFound(_ what: String) -> CatalogError { CatalogError(404, "\(what) does not exist") }
    static func conflict(_ field: String, _ reason: String) -> CatalogError { CatalogError(409, field: field, reason) }

    var description: String { field.map { "\($0): \(reason)" } ?? reason }

    /// The problem+json answer.
    var answer: HTTPAnswer {
        let titles: [UInt16: String] = [400: "Bad Request", 404: "Not Found", 409: "Conflict", 415: "Unsupported Media Type"]
        var object: [String: Any] = ["type": "about:blank", "title": titles[status] ?? "Error", "status": Int(status), "detail": description]
        if let field { object["errors"] = [["field": field, "reason": reason]] }
        return HTTPAnswer(status: status, headers: [("content-type", "application/problem+json")], body: Array(JSON.data(object)))
    }
}

extension SQLError {
    /// A constraint PostgreSQL enforced, turned into the caller's error; other failures stay SQL errors.
    func asCatalogError(field: String, conflict: String) -> any Error {
        isUniqueViolation ? CatalogError.conflict(field, conflict) : self
    }
}
