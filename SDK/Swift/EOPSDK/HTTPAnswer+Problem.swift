import Foundation

extension HTTPAnswer {
    /// A JSON answer from a Foundation object (dictionaries, arrays, strings, numbers), keys sorted.
    public static func json(object: Any, status: UInt16 = 200) -> HTTPAnswer {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return HTTPAnswer(status: status, headers: [("content-type", "application/json")], body: Array(data))
    }

    /// An RFC 9457 problem (`application/problem+json`) whose detail names what was wrong.
    public static func problem(_ status: UInt16, _ title: String, detail: String, field: String? = nil) -> HTTPAnswer {
        var object: [String: Any] = ["type": "about:blank", "title": title, "status": Int(status), "detail": detail]
        if let field { object["field"] = field }
        var answer = json(object: object, status: status)
        answer.headers = [("content-type", "application/problem+json")]
        return answer
    }

    /// An HTML page.
    public static func html(_ text: String, status: UInt16 = 200) -> HTTPAnswer {
        HTTPAnswer(status: status, headers: [("content-type", "text/html; charset=utf-8")], body: Array(text.utf8))
    }
}

extension HTTPRequest {
    /// The body as a JSON object; throws a problem-ready error naming the reason.
    public func jsonObject() throws(RequestError) -> [String: Any] {
        if body.isEmpty { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw RequestError(field: "body", reason: "must be a JSON object")
        }
        return object
    }

    /// The first query parameter named `name`.
    public func queryValue(_ name: String) -> String? { query.first { $0.0 == name }?.1 }
}

/// A request field that is missing or wrong; answered as a 400 problem naming the field.
public struct RequestError: Error, Sendable, CustomStringConvertible {
    public var field: String
    public var reason: String
    public var status: UInt16

    public init(field: String, reason: String, status: UInt16 = 400) {
        self.field = field
        self.reason = reason
        self.status = status
    }

    public var description: String { "\(field): \(reason)" }

    /// The problem answer.
    public var answer: HTTPAnswer {
        .problem(status, Self.titles[status] ?? "Bad Request", detail: description, field: field)
    }

    /// The problem title of each status a request error takes.
    static let titles: [UInt16: String] = [
        400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
        413: "Content Too Large", 422: "Unprocessable Content", 500: "Internal Server Error", 503: "Service Unavailable",
    ]
}

extension PluginExport {
    /// Like `route`, but a thrown `RequestError` becomes its problem answer (400, 404, 409)
    /// instead of a 500; any other error is still the host's 500.
    public static func serve<P: Plugin>(
        _ ctx: UnsafeMutableRawPointer?, _ request: UnsafeRawPointer?, _ response: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?,
        _ body: (P, HTTPRequest) throws -> HTTPAnswer
    ) -> Int32 {
        route(ctx, request, response, err) { (plugin: P, request) in
            do { return try body(plugin, request) } catch let error as RequestError { return error.answer }
        }
    }
}
