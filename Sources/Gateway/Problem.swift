import Foundation
import HTTPTypes
import Hummingbird

/// An error answer in RFC 9457 form (`application/problem+json`): what went wrong,
/// for which request, and — for bad input — which field.
public struct Problem: Error, Sendable, HTTPResponseError {
    /// One field that failed.
    public struct FieldError: Sendable {
        public var field: String
        public var reason: String

        public init(field: String, reason: String) {
            self.field = field
            self.reason = reason
        }
    }

    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    public var errors: [FieldError]

    public init(_ status: HTTPResponse.Status, _ title: String, detail: String, errors: [FieldError] = []) {
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
    }

    /// The response, carrying the request id so the operator can find the log line.
    public func response(requestID: String, extraHeaders: HTTPFields = [:]) -> Response {
        var object: [String: Any] = [
            "type": "about:blank", "title": title, "status": Int(status.code), "detail": detail, "instance": "urn:eop:request:\(requestID)",
            "request_id": requestID,
        ]
        if !errors.isEmpty { object["errors"] = errors.map { ["field": $0.field, "reason": $0.reason] } }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        var headers = extraHeaders
        headers[.contentType] = "application/problem+json"
        headers[HTTPField.Name("X-Request-Id")!] = requestID
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Problem {
    /// Thrown from a route: answered as problem+json (the request id comes from the log middleware).
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response(requestID: request.headers[HTTPField.Name("X-Request-Id")!] ?? "unknown")
    }
}
