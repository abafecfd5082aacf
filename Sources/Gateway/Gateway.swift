import EOPABI
import EOPDispatch
import EOPLoader
import EOPManifest
import EOPPlatformKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import Synchronization

/// The host's HTTP server (Hummingbird 2): plugin routes through the ABI, and the host's
/// own endpoints — `/health`, `/ready`, `/metrics`, `/api/openapi.json`.
public final class Gateway: Sendable {
    /// What the gateway needs from the rest of the host.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Finds the caller from cookies or a bearer token.
        public var principals: PrincipalResolver
        /// `/ready`: nil when ready, else why not.
        public var readiness: @Sendable () -> String?
        /// Extra Prometheus text for `/metrics` (plugin states, mailboxes, events).
        public var extraMetrics: @Sendable () -> String
        /// Host routes added by other modules (admin API, console), registered before plugin routes.
        public var hostRoutes: @Sendable (Router<BasicRequestContext>) -> Void
        /// Host operations described in the OpenAPI document (path → method → operation).
        public var hostOpenAPIPaths: [String: [String: [String: String]]]

        public init(host: String = "127.0.0.1", port: Int = 8080, principals: PrincipalResolver = AnonymousResolver(),
                    readiness: @escaping @Sendable () -> String? = { nil }, extraMetrics: @escaping @Sendable () -> String = { "" },
                    hostRoutes: @escaping @Sendable (Router<BasicRequestContext>) -> Void = { _ in },
                    hostOpenAPIPaths: [String: [String: [String: String]]] = [:]) {
            self.host = host
            self.port = port
            self.principals = principals
            self.readiness = readiness
            self.extraMetrics = extraMetrics
            self.hostRoutes = hostRoutes
            self.hostOpenAPIPaths = hostOpenAPIPaths
        }
    }

    let plugins: PluginHost
    let configuration: Configuration
    let logger: Logger
    private let matcher = Mutex<(version: Int, matcher: RouteMatcher)>((-1, RouteMatcher([])))
    /// Route handlers that may block run here, never on the request thread.
    /// Where non-inline plugin routes run: they may block (SQL, queries to other plugins).
    private let workers = BlockingPool(name: "eop-routes")

    public init(plugins: PluginHost, configuration: Configuration, logger: Logger = Logger(label: "eop.gateway")) {
        self.plugins = plugins
        self.configuration = configuration
        self.logger = logger
        Self.bootstrapMetrics()
    }

    // MARK: Metrics

    /// One Prometheus registry for the process (swift-metrics is bootstrapped once).
    static let registry = PrometheusCollectorRegistry()
    private static let metricsBootstrapped = Mutex(false)
    static func bootstrapMetrics() {
        metricsBootstrapped.withLock { done in
            guard !done else { return }
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            done = true
        }
    }

    // MARK: The application

    /// The Hummingbird application; `onRunning` receives the bound port.
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestLogMiddleware(logger: logger))
        router.add(middleware: PluginRouteMiddleware(gateway: self))
        router.get("/health") { _, _ in Self.json(["status": "ok"]) }
        router.get("/ready") { [configuration] _, _ in
            if let reason = configuration.readiness() { return Self.json(["status": "not ready", "reason": reason], status: .serviceUnavailable) }
            return Self.json(["status": "ready"])
        }
        router.get("/metrics") { [configuration] _, _ in
            var text = Self.registry.emitToString()
            text += configuration.extraMetrics()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/api/openapi.json") { [self] _, _ in
            Self.json(OpenAPIDocument.build(routes: plugins.routeBindings, hostPaths: configuration.hostOpenAPIPaths))
        }
        let assets = PluginAssets(plugins: plugins)
        router.get("/assets/{plugin}/**") { request, context in
            let plugin = try context.parameters.require("plugin")
            let rest = context.parameters.getCatchAll().joined(separator: "/")
            return assets.respond(pluginID: plugin, path: rest, headers: request.headers, requestID: RequestInfo.current?.id ?? "")
        }
        configuration.hostRoutes(router)
        return Application(router: router, configuration: .init(address: .hostname(configuration.host, port: configuration.port)),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }, logger: logger)
    }

    /// How long a request waits for a plugin a swap holds before answering 503.
    static let swapWait: TimeInterval = 10

    /// A JSON response (keys sorted).
    public static func json(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: Plugin routes

    private func currentMatcher() -> RouteMatcher {
        let version = plugins.routesVersion
        return matcher.withLock { m in
            if m.version != version { m = (version, RouteMatcher(plugins.routeBindings)) }
            return m.matcher
        }
    }

    /// The plugin response for a request a plugin route matches; nil lets the host's own routes answer.
    func servePlugin(_ request: Request, _ context: BasicRequestContext) async throws -> Response? {
        let info = RequestInfo.current
        let requestID = info?.id ?? UUIDv7.generate().uuidString.lowercased()
        let method = request.method.rawValue, path = request.uri.path
        // A `{param}` route must never shadow the host's own pages (/admin, /health, …).
        if Route.reservedPrefixes.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) { return nil }
        let match: RouteMatcher.Match
        switch currentMatcher().match(method: method, path: path) {
        case .found(let m): match = m
        case .notFound:
            return nil
        case .methodNotAllowed(let allowed):
            return Problem(.methodNotAllowed, "Method Not Allowed", detail: "\(path) answers \(allowed.joined(separator: ", "))")
                .response(requestID: requestID, extraHeaders: [.allow: allowed.joined(separator: ", ")])
        }
        let route = match.binding.route
        info?.route = "\(route.method) \(route.path)"

        let principal = await configuration.principals.principal(for: request.headers)
        if let problem = Self.authProblem(route: route, principal: principal) { return problem.response(requestID: requestID) }

        var request = request
        let body: Data
        do {
            // A request that declares no body (most GETs) is not waited on for one.
            let declaresBody = request.headers[.transferEncoding] != nil || (request.headers[.contentLength].map { $0 != "0" } ?? false)
            body = declaresBody ? Data(buffer: try await request.collectBody(upTo: route.maxBodyBytes)) : Data()
        } catch {
            return Self.tooLarge(route).response(requestID: requestID)
        }
        if let problem = Self.bodyProblem(body, contentType: request.headers[.contentType], schema: route.body) {
            return problem.response(requestID: requestID)
        }

        // HTTP/1's Host header arrives as the authority pseudo-header, not among the fields;
        // plugins that build absolute links (canonical URLs, sitemaps) need it.
        let authority = request.head.authority.map { [("host", $0)] } ?? []
        let headers = request.headers.map { ($0.name.canonicalName.lowercased(), $0.value) } + authority
        let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        var binding = match.binding, parameters = match.parameters
        var outcome: PluginCall.Outcome?
        // Counted in at the instance's gate, so a stop or swap waits for this call before
        // destroying it; while a swap holds the gate the call waits, then goes to the new
        // instance (a retired gate sends it back to the matcher).
        let storage = plugins.configuration.storage
        while outcome == nil {
            let b = binding, p = parameters
            let attempt: @Sendable (eop_route_handler_fn, Date) -> (CallGate.Entry, PluginCall.Outcome?) = { handler, deadline in
                let entry = b.calls.enter(until: deadline)
                guard entry == .entered else { return (entry, nil) }
                defer { b.calls.leave() }
                let called = PluginCall.run(b, handler, method: method, path: path, parameters: p, query: query, headers: headers,
                                            body: body, principal: principal, requestID: requestID)
                // On the thread that called: a transaction the handler left open is per thread.
                storage?.endCall(pluginID: b.pluginID)
                return (entry, called)
            }
            let waitUntil = Date().addingTimeInterval(Self.swapWait)
            // On the event loop first when the route allows it: an inline route's handler, or an
            // inline_handler that answers from memory. Not entered at once (a swap holds the
            // gate), or passed with EOP_WOULD_BLOCK: a worker thread calls `handler`.
            var result: (CallGate.Entry, PluginCall.Outcome?) = (.timedOut, nil)
            if let onLoop = b.route.inline ? b.handler : b.inlineHandler {
                result = attempt(onLoop, Date())
                if !b.route.inline, result.1?.status == EOP_WOULD_BLOCK { result = (.timedOut, nil) }
            }
            if result.0 == .timedOut {
                result = await withCheckedContinuation { continuation in workers.run { continuation.resume(returning: attempt(b.handler, waitUntil)) } }
            }
            switch result.0 {
            case .entered:
                outcome = result.1
            case .retired:
                guard case .found(let again) = currentMatcher().match(method: method, path: path) else {
                    return Problem(.serviceUnavailable, "Service Unavailable", detail: "'\(binding.pluginID)' is stopping").response(requestID: requestID)
                }
                // The new version's route may ask more of the caller than the one checked above.
                if let problem = Self.authProblem(route: again.binding.route, principal: principal) { return problem.response(requestID: requestID) }
                guard body.count <= again.binding.route.maxBodyBytes else { return Self.tooLarge(again.binding.route).response(requestID: requestID) }
                binding = again.binding
                parameters = again.parameters
            case .timedOut:
                return Problem(.serviceUnavailable, "Service Unavailable", detail: "'\(binding.pluginID)' is being swapped; retry shortly")
                    .response(requestID: requestID, extraHeaders: [.retryAfter: "1"])
            }
        }
        guard let outcome else { return nil }
        guard outcome.status == EOP_OK else {
            logger.error("plugin route failed", metadata: ["request": "\(requestID)", "plugin": "\(binding.pluginID)", "route": "\(route.method) \(route.path)",
                                                          "status": "\(outcome.status)", "message": "\(outcome.message)"])
            return Problem(.internalServerError, "Internal Server Error", detail: "the plugin '\(binding.pluginID)' failed to answer; the request id is in the host log")
                .response(requestID: requestID)
        }
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        guard (200...599).contains(outcome.sink.status) else {
            logger.error("plugin answered an invalid status", metadata: ["plugin": "\(binding.pluginID)", "status": "\(outcome.sink.status)", "request": "\(requestID)"])
            return Problem(.internalServerError, "Internal Server Error", detail: "the plugin '\(binding.pluginID)' answered an invalid status").response(requestID: requestID)
        }
        for (name, value) in outcome.sink.headers {
            guard let field = HTTPField.Name(name) else { continue }
            if field == .contentType { fields[field] = value } else { fields.append(HTTPField(name: field, value: value)) }
        }
        fields[HTTPField.Name("X-Request-Id")!] = requestID
        let status = HTTPResponse.Status(code: Int(outcome.sink.status))
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: outcome.sink.body)))
    }

    /// 413: the body is over the route's `max_body`.
    static func tooLarge(_ route: Route) -> Problem {
        Problem(.contentTooLarge, "Content Too Large", detail: "the body is larger than this route's limit of \(route.maxBodyBytes) bytes",
                errors: [.init(field: "(body)", reason: "larger than \(route.maxBodyBytes) bytes")])
    }

    static func authProblem(route: Route, principal: GatewayPrincipal) -> Problem? {
        switch route.auth {
        case .none:
            return nil
        case .customer:
            guard principal.kind == .customer || principal.kind == .staff else {
                return Problem(.unauthorized, "Unauthorized", detail: "sign in as a customer to use \(route.method) \(route.path)")
            }
            return nil
        case .staff:
            guard principal.kind == .staff else {
                return principal.kind == .anonymous || principal.kind == .guest
                    ? Problem(.unauthorized, "Unauthorized", detail: "staff sign-in or an API token is required")
                    : Problem(.forbidden, "Forbidden", detail: "only staff may use \(route.method) \(route.path)")
            }
            if let permission = route.permission, !principal.can(permission) {
                return Problem(.forbidden, "Forbidden", detail: "the permission \(permission) is required")
            }
            return nil
        }
    }

    /// A JSON body that does not parse, or breaks the route's schema, names the field.
    static func bodyProblem(_ body: Data, contentType: String?, schema: SchemaNode?) -> Problem? {
        let isJSON = contentType.map { $0.lowercased().hasPrefix("application/json") || $0.lowercased().contains("+json") } ?? (schema != nil)
        if schema != nil, !isJSON {
            return Problem(.unsupportedMediaType, "Unsupported Media Type", detail: "this route takes application/json",
                           errors: [.init(field: "(content-type)", reason: "must be application/json")])
        }
        guard isJSON, !body.isEmpty || schema != nil else { return nil }
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        } catch {
            let reason = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "not valid JSON"
            return Problem(.badRequest, "Bad Request", detail: "the body is not valid JSON: \(reason)", errors: [.init(field: "(body)", reason: reason)])
        }
        guard let schema else { return nil }
        do {
            try schema.validate(value)
        } catch {
            return Problem(.badRequest, "Bad Request", detail: "\(error.field): \(error.reason)", errors: [.init(field: error.field, reason: error.reason)])
        }
        return nil
    }
}

/// Serves plugin routes before the host's router looks at the request.
struct PluginRouteMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let gateway: Gateway

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let response = try await gateway.servePlugin(request, context) { return response }
        return try await next(request, context)
    }
}
