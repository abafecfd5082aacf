import EOPDispatch
import EOPPlatformKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import Synchronization

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
        let (counter, timer) = RequestMetrics.shared.handles(route: route, method: request.method.rawValue, status: status)
        counter.increment()
        timer.recordNanoseconds(Int64(elapsed.seconds * 1e9))
        return response
    }
}

/// The request counter and latency timer of each route, method and status, made once:
/// making a metric looks it up in the Prometheus registry under a lock and builds its
/// label text, too much to do on every request. Routes are patterns, so the set is bounded.
final class RequestMetrics: Sendable {
    static let shared = RequestMetrics()
    private let made = Mutex<[String: (Counter, Metrics.Timer)]>([:])

    func handles(route: String, method: String, status: Int) -> (Counter, Metrics.Timer) {
        let key = "\(method) \(route) \(status)"
        if let found = made.withLock({ $0[key] }) { return found }
        let counter = Counter(label: "eop_http_requests_total", dimensions: [("route", route), ("method", method), ("status", String(status))])
        let timer = Metrics.Timer(label: "eop_http_request_duration_seconds", dimensions: [("route", route)])
        made.withLock { $0[key] = (counter, timer) }
        return (counter, timer)
    }
}
