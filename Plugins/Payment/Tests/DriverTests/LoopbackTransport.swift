import AsyncHTTPClient
import Foundation
import NIOCore
import PaymentDrivers

/// The `DriverContext.http` the driver tests use: a real HTTP client reaching the local fake
/// of a provider on 127.0.0.1, blocking the caller as the host's client does for a plugin.
enum LoopbackTransport {
    static func send(_ request: OutboundRequest) throws(DriverError) -> OutboundResponse {
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                var outbound = HTTPClientRequest(url: request.url)
                outbound.method = .init(rawValue: request.method)
                for (name, value) in request.headers { outbound.headers.add(name: name, value: value) }
                if !request.body.isEmpty { outbound.body = .bytes(ByteBuffer(bytes: request.body)) }
                let response = try await HTTPClient.shared.execute(outbound, timeout: .milliseconds(Int64(request.timeoutMS)))
                let body = try await response.body.collect(upTo: 16 << 20)
                box.result = .success(OutboundResponse(status: Int(response.status.code),
                                                       headers: response.headers.map { ($0.name.lowercased(), $0.value) },
                                                       body: Array(body.readableBytesView)))
            } catch {
                box.result = .failure(.unavailable("\(request.method) \(request.url): \(error)"))
            }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }

    private final class ResultBox: @unchecked Sendable {
        var result: Result<OutboundResponse, DriverError>?
    }
}
