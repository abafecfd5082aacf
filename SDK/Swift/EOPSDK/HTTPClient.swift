import EOPABI
import Foundation

/// An outbound HTTP request sent through the host (`eop.http_client.v1`).
public struct HTTPClientRequest: Sendable {
    public var method: String
    /// Absolute http:// or https:// URL.
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// 0 = the host's default (30 s).
    public var timeoutMS: UInt32

    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8] = [], timeoutMS: UInt32 = 10_000) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMS = timeoutMS
    }
}

/// The answer to an outbound request.
public struct HTTPClientResponse: Sendable {
    public var status: Int
    /// Names in lower case, in the order the server sent them.
    public var headers: [(String, String)]
    public var body: [UInt8]

    /// The first header of that name.
    public func header(_ name: String) -> String? { headers.first { $0.0 == name.lowercased() }?.1 }
}

extension HostAPI {
    /// Sends a request through the host's HTTP client and waits for the answer. Any HTTP
    /// status returns normally; throws when the server cannot be reached, the timeout passes
    /// or the URL is not http(s). [any-thread] [may-block] up to the timeout.
    public func http(_ request: HTTPClientRequest) throws(PluginError) -> HTTPClientResponse {
        guard let table = extensionTable(EOP_EXT_HTTP_CLIENT_V1)?.assumingMemoryBound(to: eop_http_client_v1_t.self), let fetch = table.pointee.fetch else {
            throw PluginError("this host does not offer \(EOP_EXT_HTTP_CLIENT_V1)", status: EOP_ERR_UNAVAILABLE)
        }
        guard !request.method.isEmpty, !request.url.isEmpty else { throw PluginError("http: method and url must not be empty", status: EOP_ERR_INVALID) }
        // Every string the C request borrows lives in one byte array for the call's length.
        var storage: [UInt8] = []
        var spans: [(Int, Int)] = []
        func keep(_ text: String) { spans.append((storage.count, text.utf8.count)); storage.append(contentsOf: text.utf8) }
        keep(request.method)
        keep(request.url)
        for (name, value) in request.headers { keep(name); keep(value) }
        var response = eop_http_client_response_t()
        response.struct_size = UInt32(MemoryLayout<eop_http_client_response_t>.size)
        let status = storage.withUnsafeBufferPointer { bytes -> Status in
            func str(_ i: Int) -> eop_str_t {
                eop_str_t(ptr: UnsafeRawPointer(bytes.baseAddress!.advanced(by: spans[i].0)).assumingMemoryBound(to: CChar.self), len: spans[i].1)
            }
            let pairs = (0..<request.headers.count).map { eop_http_pair_t(name: str(2 + 2 * $0), value: str(3 + 2 * $0)) }
            return pairs.withUnsafeBufferPointer { headerPairs in
                request.body.withUnsafeBufferPointer { body in
                    var c = eop_http_client_request_t()
                    c.struct_size = UInt32(MemoryLayout<eop_http_client_request_t>.size)
                    c.method = str(0)
                    c.url = str(1)
                    c.headers = headerPairs.baseAddress
                    c.header_count = headerPairs.count
                    c.body = body.baseAddress
                    c.body_len = body.count
                    c.timeout_ms = request.timeoutMS
                    return ErrorBuffer.with { err in fetch(raw, &c, &response, err) }
                }
            }
        }
        defer {
            raw.pointee.buffer_release(raw, &response.headers)
            raw.pointee.buffer_release(raw, &response.body)
        }
        try status.check()
        let headerText = takeString(response.headers)
        let headers: [(String, String)] = headerText.split(separator: "\n").compactMap { line -> (String, String)? in
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            return (String(parts[0]), parts[1].trimmingCharacters(in: .whitespaces))
        }
        let body = response.body.data.map { Array(UnsafeBufferPointer(start: $0, count: response.body.len)) } ?? []
        return HTTPClientResponse(status: Int(response.status), headers: headers, body: body)
    }
}
