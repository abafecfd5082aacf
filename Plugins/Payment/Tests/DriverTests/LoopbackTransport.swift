import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PaymentDrivers

/// The `DriverContext.http` the driver tests use: a real HTTP client reaching the local fake
/// of a provider on 127.0.0.1, blocking the caller as the host's client does for a plugin
/// (an event-loop future waited for on the calling thread, as in `Sources/Outbound`).
enum LoopbackTransport {
    static func send(_ request: OutboundRequest) throws(DriverError) -> OutboundResponse {
        do {
            let outbound = try HTTPClient.Request(url: request.url, method: HTTPMethod(rawValue: request.method),
                                                  headers: HTTPHeaders(request.headers), body: request.body.isEmpty ? nil : .bytes(request.body))
            // A generous deadline: these tests prove behaviour, not speed, and share 2 cores with
            // every other suite (a fake's handler can wait seconds for a thread). A test that
            // sets a timeout of 5 s or less on purpose (an unreachable provider) keeps it.
            let milliseconds = request.timeoutMS <= 5_000 ? request.timeoutMS : max(request.timeoutMS, 60_000)
            let response = try HTTPClient.shared.execute(request: outbound, deadline: .now() + .milliseconds(Int64(milliseconds))).wait()
            return OutboundResponse(status: Int(response.status.code), headers: response.headers.map { ($0.name.lowercased(), $0.value) },
                                    body: response.body.map { Array($0.readableBytesView) } ?? [])
        } catch {
            throw .unavailable("\(request.method) \(request.url): \(error)")
        }
    }
}
