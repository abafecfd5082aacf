import AsyncHTTPClient
import EOPABI
import EOPDispatch
import EOPLoader
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// `eop.http_client.v1` (SDK/include/eop/ext/http_client.h): plugins reach providers'
/// APIs (payments, SMS, shipping) through the host's async-http-client, so every plugin
/// shares one connection pool and TLS setup and no plugin links its own HTTP stack.
/// The plugin's thread waits for the answer: route and query handlers run on the host's
/// blocking pool, never on the event loop.
public enum HTTPClientExtension {
    /// Largest body read back.
    static let maxBody = 16 << 20
    static let defaultTimeoutMS: UInt32 = 30_000
    static let logger = Logger(label: "eop.http-client")

    // Immutable after creation; only its address is shared.
    nonisolated(unsafe) static let table: UnsafePointer<eop_http_client_v1_t> = {
        var t = eop_http_client_v1_t()
        t.struct_size = UInt32(MemoryLayout<eop_http_client_v1_t>.size)
        t.fetch = { host, request, response, err in
            guard let request, let response else { return err?.fail(EOP_ERR_INVALID, "fetch: request or response is NULL") ?? EOP_ERR_INVALID }
            guard request.pointee.struct_size >= UInt32(MemoryLayout<eop_http_client_request_t>.size) else {
                return err?.fail(EOP_ERR_INVALID, "fetch: request struct_size \(request.pointee.struct_size) is smaller than ABI 1.1's") ?? EOP_ERR_INVALID
            }
            let caller = PluginHost.caller(of: host)?.id ?? "?"
            switch HTTPClientExtension.fetch(OutboundCall(request.pointee), caller: caller) {
            case .success(let answer):
                response.pointee.status = answer.status
                fill(&response.pointee.headers, answer.headers)
                fill(&response.pointee.body, answer.body)
                return EOP_OK
            case .failure(let failure):
                return err?.fail(failure.status, failure.message) ?? failure.status
            }
        }
        let pointer = UnsafeMutablePointer<eop_http_client_v1_t>.allocate(capacity: 1)
        pointer.initialize(to: t)
        return UnsafePointer(pointer)
    }()

    /// Offers the client to the plugins of `host`.
    public static func register(on host: PluginHost) {
        host.extensions.register(EOP_EXT_HTTP_CLIENT_V1, table: UnsafeRawPointer(table))
    }

    /// A request copied out of the C struct.
    struct OutboundCall {
        var method: String
        var url: String
        var headers: [(String, String)]
        var body: [UInt8]
        var timeoutMS: UInt32

        init(_ r: eop_http_client_request_t) {
            method = r.method.string
            url = r.url.string
            headers = (0..<r.header_count).compactMap { i in r.headers.map { ($0[i].name.string, $0[i].value.string) } }
            body = r.body.map { Array(UnsafeBufferPointer(start: $0, count: r.body_len)) } ?? []
            timeoutMS = r.timeout_ms == 0 ? HTTPClientExtension.defaultTimeoutMS : r.timeout_ms
        }
    }

    struct Answer {
        var status: UInt16
        var headers: Data
        var body: Data
    }

    struct Failure: Error {
        var status: eop_status_t
        var message: String
    }

    /// Sends the call and waits for the whole answer.
    static func fetch(_ call: OutboundCall, caller: String) -> Result<Answer, Failure> {
        guard let components = URLComponents(string: call.url), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let hostName = components.host, !hostName.isEmpty else {
            return .failure(Failure(status: EOP_ERR_INVALID, message: "fetch: url is not an absolute http:// or https:// URL"))
        }
        guard !call.method.isEmpty, call.method.allSatisfy({ $0.isUppercase && $0.isLetter }) else {
            return .failure(Failure(status: EOP_ERR_INVALID, message: "fetch: method '\(call.method)' is not an HTTP method"))
        }
        // Named in logs and errors without the query, which may carry credentials.
        let target = "\(call.method) \(scheme)://\(hostName)\(components.port.map { ":\($0)" } ?? "")\(components.path)"
        let started = ContinuousClock.now
        // Futures on NIO's event loops, waited for on the calling (pool) thread: no Swift
        // concurrency task is needed, so a caller that blocks a cooperative thread cannot
        // starve the call it waits for.
        let result: Result<Answer, Failure>
        do {
            let request = try HTTPClient.Request(url: call.url, method: HTTPMethod(rawValue: call.method),
                                                 headers: HTTPHeaders(call.headers), body: call.body.isEmpty ? nil : .bytes(call.body))
            let accumulator = ResponseAccumulator(request: request, maxBodySize: maxBody)
            let response = try HTTPClient.shared.execute(request: request, delegate: accumulator,
                                                         deadline: .now() + .milliseconds(Int64(call.timeoutMS))).futureResult.wait()
            let headerText = response.headers.map { "\($0.name.lowercased()): \($0.value)\n" }.joined()
            result = .success(Answer(status: UInt16(response.status.code), headers: Data(headerText.utf8),
                                     body: response.body.map { Data($0.readableBytesView) } ?? Data()))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            result = .failure(Failure(status: EOP_ERR_TIMEOUT, message: "fetch: \(target) took longer than \(call.timeoutMS) ms"))
        } catch is ResponseAccumulator.ResponseTooBigError {
            result = .failure(Failure(status: EOP_ERR_UNAVAILABLE, message: "fetch: \(target) answered more than \(maxBody) bytes"))
        } catch {
            result = .failure(Failure(status: EOP_ERR_UNAVAILABLE, message: "fetch: \(target) could not be reached (\(error))"))
        }
        let elapsed = started.duration(to: .now)
        switch result {
        case .success(let answer):
            logger.debug("outbound call", metadata: ["plugin": "\(caller)", "call": "\(target)", "status": "\(answer.status)", "elapsed": "\(elapsed)"])
        case .failure(let failure):
            logger.notice("outbound call failed", metadata: ["plugin": "\(caller)", "call": "\(target)", "reason": "\(failure.message)"])
        }
        return result
    }

    private static func fill(_ buffer: inout eop_buffer_t, _ data: Data) {
        let memory = malloc(max(data.count, 1))!.assumingMemoryBound(to: UInt8.self)
        data.copyBytes(to: memory, count: data.count)
        buffer.struct_size = UInt32(MemoryLayout<eop_buffer_t>.size)
        buffer.data = memory
        buffer.len = data.count
    }
}
