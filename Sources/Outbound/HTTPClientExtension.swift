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
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                var outbound = HTTPClientRequest(url: call.url)
                outbound.method = HTTPMethod(rawValue: call.method)
                for (name, value) in call.headers { outbound.headers.add(name: name, value: value) }
                if !call.body.isEmpty { outbound.body = .bytes(ByteBuffer(bytes: call.body)) }
                let response = try await HTTPClient.shared.execute(outbound, timeout: .milliseconds(Int64(call.timeoutMS)))
                let body = try await response.body.collect(upTo: maxBody)
                let headerText = response.headers.map { "\($0.name.lowercased()): \($0.value)\n" }.joined()
                box.result = .success(Answer(status: UInt16(response.status.code), headers: Data(headerText.utf8), body: Data(body.readableBytesView)))
            } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                box.result = .failure(Failure(status: EOP_ERR_TIMEOUT, message: "fetch: \(target) took longer than \(call.timeoutMS) ms"))
            } catch let error as NIOTooManyBytesError {
                box.result = .failure(Failure(status: EOP_ERR_UNAVAILABLE, message: "fetch: \(target) answered more than \(error.maxBytes.map(String.init) ?? "16 MiB") bytes"))
            } catch {
                box.result = .failure(Failure(status: EOP_ERR_UNAVAILABLE, message: "fetch: \(target) could not be reached (\(error))"))
            }
            done.signal()
        }
        done.wait()
        let result = box.result ?? .failure(Failure(status: EOP_ERR_INTERNAL, message: "fetch: no answer"))
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

    private final class ResultBox: @unchecked Sendable {
        var result: Result<Answer, Failure>?
    }
}
