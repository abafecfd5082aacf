import EOPDispatch
import EOPPlatformKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics

/// Per-request facts shared between the middleware and the route that answers.
final class RequestInfo: @unchecked Sendable {
    let id: String
    /// The matched route pattern (set by the responder), for logs and metric labels.
    var route: String?

    init(id: String) { self.id = id }

    @TaskLocal static var current: RequestInfo?
}

/// Gives every request an id (UUIDv7, echoed in `X-Request-Id`), logs one line with
/// id, route, status and duration, and records request counts and latency.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let info = RequestInfo(id: UUIDv7.generate().uuidString.lowercased())
        let start = ContinuousClock.now
        var response: Response
        var thrown: Error?
        do {
            response = try await RequestInfo.$current.withValue(info) { try await next(request, context) }
        } catch let problem as Problem {
            response = problem.response(requestID: info.id)
        } catch {
            thrown = error
            let status = (error as? HTTPResponseError)?.status ?? .internalServerError
            let detail = switch status {
            case .notFound: "no route for \(request.method.rawValue) \(request.uri.path)"
            case .internalServerError: "the host failed to answer; the request id is in the host log"
            default: status.reasonPhrase
            }
            response = Problem(status, status.reasonPhrase, detail: detail).response(requestID: info.id)
        }
        response.headers[HTTPField.Name("X-Request-Id")!] = info.id
        let elapsed = start.duration(to: .now)
        // Never the raw path: every scanned URL would become a new metric series.
        let route = info.route ?? context.endpointPath ?? "unmatched"
        let status = response.status.code
        logger.info("request", metadata: [
            "request": "\(info.id)", "method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(status)",
            "ms": "\(String(format: "%.2f", elapsed.seconds * 1000))",
        ] .merging(thrown.map { ["error": "\($0)"] } ?? [:]) { a, _ in a })
        let dimensions = [("route", route), ("method", request.method.rawValue), ("status", String(status))]
        Counter(label: "eop_http_requests_total", dimensions: dimensions).increment()
        Metrics.Timer(label: "eop_http_request_duration_seconds", dimensions: [("route", route)]).recordNanoseconds(Int64(elapsed.seconds * 1e9))
        return response
    }
}
