/// An HTTP route a plugin answers (manifest field `routes`).
public struct Route: Sendable {
    /// Who may call it.
    public enum Auth: String, Sendable {
        /// Anyone.
        case none
        /// A signed-in customer (or staff).
        case customer
        /// Signed-in staff, with `permission` when one is named.
        case staff
    }

    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    public var method: String
    /// A path pattern, e.g. `/api/hello/greetings/{name}`.
    public var path: String
    /// The exported handler symbol (`eop_route_handler_fn`).
    public var handler: String
    /// The authentication required.
    public var auth: Auth
    /// The staff permission required, e.g. `hello.greeting.write`.
    public var permission: String?
    /// The largest body accepted, in bytes (default 1 MiB).
    public var maxBodyBytes: Int
    /// Whether the handler never blocks and may run on the server's request thread.
    public var inline: Bool
    /// A handler tried first on the request thread (`inline_handler`): it answers from memory or
    /// passes with `EOP_WOULD_BLOCK` to `handler` on a worker thread.
    public var inlineHandler: String? = nil
    /// A JSON Schema subset the JSON body must match (a 400 names the field otherwise).
    public var body: SchemaNode?
    /// One line for the OpenAPI document.
    public var summary: String?

    /// Paths only the host serves.
    public static let reservedPrefixes = ["/admin", "/api/admin", "/health", "/ready", "/metrics", "/api/openapi.json", "/assets", "/api/account", "/api/notification"]
    static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    /// The `{name}` parameters of the path, in order.
    public var parameters: [String] {
        path.split(separator: "/").compactMap { s in s.hasPrefix("{") && s.hasSuffix("}") ? String(s.dropFirst().dropLast()) : nil }
    }

    static func parse(_ json: JSONFields, pluginID: String) throws -> Route {
        try json.rejectUnknownKeys(["method", "path", "handler", "auth", "permission", "max_body", "inline", "inline_handler", "body", "summary"])
        let method = try json.string("method").uppercased()
        guard methods.contains(method) else { throw json.error("method", "\"\(method)\" is not one of \(methods.sorted().joined(separator: ", "))") }
        let path = try json.string("path")
        guard path.hasPrefix("/"), !path.contains("//"), !path.contains("?") else {
            throw json.error("path", "\"\(path)\" must start with / and hold no query or empty segment")
        }
        for reserved in reservedPrefixes where path == reserved || path.hasPrefix(reserved + "/") {
            throw json.error("path", "\"\(path)\" is under \(reserved), which only the host serves")
        }
        if path.hasPrefix("/api/"), !path.hasPrefix("/api/\(pluginID)/"), path != "/api/\(pluginID)" {
            throw json.error("path", "\"\(path)\": a plugin's JSON API lives under /api/\(pluginID)/")
        }
        for segment in path.split(separator: "/") where segment.contains("{") || segment.contains("}") {
            let name = segment.dropFirst().dropLast()
            guard segment.hasPrefix("{"), segment.hasSuffix("}"), !name.isEmpty,
                  name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw json.error("path", "segment \"\(segment)\" is not a parameter like {name}")
            }
        }
        let handler = try json.string("handler")
        guard CSymbol.isValid(handler) else { throw json.error("handler", "\"\(handler)\" is not a C symbol name") }
        let authText = try json.optionalString("auth") ?? "none"
        guard let auth = Auth(rawValue: authText) else { throw json.error("auth", "\"\(authText)\" is not one of none, customer, staff") }
        let permission = try json.optionalString("permission")
        if permission != nil, auth != .staff { throw json.error("permission", "needs \"auth\": \"staff\"") }
        let maxBody = try json.int("max_body") ?? 1 << 20
        guard (0...(64 << 20)).contains(maxBody) else { throw json.error("max_body", "must be 0 … 64 MiB") }
        let inline = try json.bool("inline", default: false)
        let inlineHandler = try json.optionalString("inline_handler")
        if let inlineHandler {
            guard CSymbol.isValid(inlineHandler) else { throw json.error("inline_handler", "\"\(inlineHandler)\" is not a C symbol name") }
            guard !inline else { throw json.error("inline_handler", "a route with \"inline\": true runs its handler on the request thread already; give one or the other") }
            guard inlineHandler != handler else { throw json.error("inline_handler", "must differ from \"handler\": the inline one passes to it") }
        }
        return Route(method: method, path: path, handler: handler, auth: auth, permission: permission, maxBodyBytes: maxBody,
                     inline: inline, inlineHandler: inlineHandler, body: try json.nested("body").map(SchemaNode.parse),
                     summary: try json.optionalString("summary"))
    }
}
