import EOPSDK
import Foundation

/// A refusal the caller can act on: an HTTP status, the field at fault and why. Routes
/// answer it as RFC 9457 problem+json; commands as their failure message.
/// Rationale for @unchecked Sendable: `extra` holds JSON values made and thrown on one thread.
struct GalleryError: Error, CustomStringConvertible, @unchecked Sendable {
    var status: UInt16
    var field: String?
    var reason: String
    /// Extra members of the problem object (e.g. the references that block a delete).
    var extra: [String: Any] = [:]

    static func badRequest(_ field: String, _ reason: String) -> GalleryError { GalleryError(status: 400, field: field, reason: reason) }
    static func notFound(_ what: String) -> GalleryError { GalleryError(status: 404, field: nil, reason: "\(what) does not exist") }
    static func tooLarge(_ field: String, _ reason: String) -> GalleryError { GalleryError(status: 413, field: field, reason: reason) }
    static func unsupportedMediaType(_ field: String, _ reason: String) -> GalleryError { GalleryError(status: 415, field: field, reason: reason) }
    static func unprocessable(_ field: String, _ reason: String) -> GalleryError { GalleryError(status: 422, field: field, reason: reason) }
    static func unavailable(_ reason: String) -> GalleryError { GalleryError(status: 503, field: nil, reason: reason) }

    var description: String { field.map { "\($0): \(reason)" } ?? reason }

    /// The problem+json answer.
    var answer: HTTPAnswer {
        let titles: [UInt16: String] = [400: "Bad Request", 404: "Not Found", 409: "Conflict", 413: "Content Too Large",
                                        415: "Unsupported Media Type", 422: "Unprocessable Content", 503: "Service Unavailable"]
        var object: [String: Any] = ["type": "about:blank", "title": titles[status] ?? "Error", "status": Int(status), "detail": description]
        if let field { object["errors"] = [["field": field, "reason": reason]] }
        object.merge(extra) { mine, _ in mine }
        return HTTPAnswer(status: status, headers: [("content-type", "application/problem+json")], body: JSON.bytes(object))
    }
}

/// JSON in and out with Foundation (sorted keys, so answers are stable).
enum JSON {
    static func bytes(_ object: Any) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8))
    }
    static func text(_ object: Any) -> String { String(decoding: bytes(object), as: UTF8.self) }
    static func answer(_ object: Any, status: UInt16 = 200) -> HTTPAnswer { HTTPAnswer(status: status, body: bytes(object)) }

    /// A JSON object from bytes; the error names the field "(body)".
    static func object(_ bytes: [UInt8]) throws(GalleryError) -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw .badRequest("(body)", "must be a JSON object")
        }
        return object
    }
}
