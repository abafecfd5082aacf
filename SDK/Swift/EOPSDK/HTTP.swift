import EOPABI
import Foundation

/// An HTTP request handed to a Swift route handler, copied out of the C struct.
public struct HTTPRequest: Sendable {
    public let method: String
    public let path: String
    /// `{name}` segments of the route, by name.
    public let pathParameters: [String: String]
    /// Decoded query parameters, in order.
    public let query: [(String, String)]
    /// Headers with lower-case names.
    public let headers: [(String, String)]
    public let body: [UInt8]
    /// `staff`, `customer`, `guest` or `anonymous`.
    public let principalKind: String
    public let principalID: String
    public let permissions: Set<String>
    public let requestID: String

    init(_ r: UnsafePointer<eop_http_request_t>) {
        let c = r.pointee
        func pairs(_ p: UnsafePointer<eop_http_pair_t>?, _ n: Int) -> [(String, String)] {
            guard let p else { return [] }
            return (0..<n).map { (p[$0].name.swiftString, p[$0].value.swiftString) }
        }
        method = c.method.swiftString
        path = c.path.swiftString
        pathParameters = Dictionary(pairs(c.path_params, c.path_param_count), uniquingKeysWith: { a, _ in a })
        query = pairs(c.query, c.query_count)
        headers = pairs(c.headers, c.header_count)
        body = c.body.map { Array(UnsafeBufferPointer(start: $0, count: c.body_len)) } ?? []
        let p = c.principal?.pointee
        principalKind = ["anonymous", "staff", "customer", "guest"][Int(max(0, min(3, p?.kind ?? 0)))]
        principalID = p?.id.swiftString ?? ""
        permissions = Set((0..<(p?.permission_count ?? 0)).compactMap { p?.permissions?[$0].swiftString })
        requestID = c.request_id.swiftString
    }

    /// The body decoded as `T` from JSON.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(T.self, from: Data(body)) }
}

/// What a Swift route handler answers.
public struct HTTPAnswer: Sendable {
    public var status: UInt16
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: UInt16 = 200, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON answer.
    public static func json(_ text: String, status: UInt16 = 200) -> HTTPAnswer { HTTPAnswer(status: status, body: Array(text.utf8)) }
}

extension PluginExport {
    /// Calls a Swift route handler for a C route export:
    ///
    ///     @_cdecl("hello_http_greet")
    ///     public func greet(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    ///         PluginExport.route(ctx, req, resp, err) { (plugin: Hello, request) in .json("{}") }
    ///     }
    ///
    /// A thrown error makes the host answer 500 (the message goes to the host's log).
    public static func route<P: Plugin>(
        _ ctx: UnsafeMutableRawPointer?, _ request: UnsafeRawPointer?, _ response: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?,
        _ body: (P, HTTPRequest) throws -> HTTPAnswer
    ) -> Int32 {
        inlineRoute(ctx, request, response, err) { plugin, request -> HTTPAnswer? in try body(plugin, request) }
    }

    /// Calls a Swift `inline_handler` (see `eop/http.h`): it runs on the server's request thread
    /// and must not block. Return an answer kept in memory, or nil to pass the request to the
    /// route's `handler` on a worker thread (`EOP_WOULD_BLOCK`):
    ///
    ///     @_cdecl("shop_product_kept")
    ///     public func productKept(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    ///         PluginExport.inlineRoute(ctx, req, resp, err) { (shop: Shop, request) in shop.pages.kept(request) }
    ///     }
    public static func inlineRoute<P: Plugin>(
        _ ctx: UnsafeMutableRawPointer?, _ request: UnsafeRawPointer?, _ response: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?,
        _ body: (P, HTTPRequest) throws -> HTTPAnswer?
    ) -> Int32 {
        let errPointer = err?.assumingMemoryBound(to: eop_error_t.self)
        guard let plugin = instance(ctx) as? P, let request, let response else {
            return write(errPointer, "route handler called without a plugin instance, request or response", EOP_FAIL)
        }
        do {
            guard let answer = try body(plugin, HTTPRequest(request.assumingMemoryBound(to: eop_http_request_t.self))) else { return EOP_WOULD_BLOCK }
            let sink = response.assumingMemoryBound(to: eop_http_response_t.self)
            sink.pointee.set_status(sink, answer.status)
            for (name, value) in answer.headers {
                let n = Array(name.utf8), v = Array(value.utf8)
                let status = n.withUnsafeBufferPointer { nb in
                    v.withUnsafeBufferPointer { vb in
                        sink.pointee.add_header(sink, eop_str_t(ptr: UnsafeRawPointer(nb.baseAddress)?.assumingMemoryBound(to: CChar.self), len: nb.count),
                                                eop_str_t(ptr: UnsafeRawPointer(vb.baseAddress)?.assumingMemoryBound(to: CChar.self), len: vb.count))
                    }
                }
                guard status == EOP_OK else { return write(errPointer, "header \(name) was refused by the host", EOP_FAIL) }
            }
            return answer.body.withUnsafeBufferPointer { sink.pointee.write(sink, $0.baseAddress, $0.count) }
        } catch {
            return write(errPointer, String(describing: error), EOP_FAIL)
        }
    }
}
