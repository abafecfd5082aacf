// TEMPORARY: stands in for the SDK's `HostAPI.http` (eop.http_client.v1) until that lands on
// main; same types and signature, so this file is deleted at the merge and nothing else changes.
import EOPABI
import EOPSDK
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

public struct HTTPClientRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var timeoutMS: UInt32
    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8] = [], timeoutMS: UInt32 = 10_000) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMS = timeoutMS
    }
}

public struct HTTPClientResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
}

extension HostAPI {
    public func http(_ request: HTTPClientRequest) throws(PluginError) -> HTTPClientResponse {
        guard let url = URL(string: request.url) else { throw PluginError("http: bad url", status: EOP_ERR_INVALID) }
        var r = URLRequest(url: url, timeoutInterval: Double(request.timeoutMS) / 1000)
        r.httpMethod = request.method
        for (n, v) in request.headers { r.addValue(v, forHTTPHeaderField: n) }
        if !request.body.isEmpty { r.httpBody = Data(request.body) }
        final class Box: @unchecked Sendable { var result: Result<HTTPClientResponse, PluginError>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: r) { data, response, error in
            if let http = response as? HTTPURLResponse {
                let headers = http.allHeaderFields.map { ("\($0.key)".lowercased(), "\($0.value)") }
                box.result = .success(HTTPClientResponse(status: http.statusCode, headers: headers, body: Array(data ?? Data())))
            } else {
                box.result = .failure(PluginError("http: \(url.host ?? "server") unreachable: \(error.map { "\($0)" } ?? "no response")", status: EOP_ERR_UNAVAILABLE))
            }
            done.signal()
        }.resume()
        done.wait()
        return try box.result!.get()
    }
}
