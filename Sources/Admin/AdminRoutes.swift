import EOPConsole
import EOPGateway
import EOPIdentity
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The admin API (`/api/admin/…`, JSON, staff with `admin.read` / `admin.write`) and the
/// operator console (`/admin`, HTML forms with CSRF tokens, session cookie).
public struct AdminRoutes: Sendable {
    let backend: AdminBackend
    let store: IdentityStore
    let renderer: ConsoleRenderer
    let principals: IdentityPrincipals
    /// Set `Secure` on cookies (when the host is served over TLS).
    let secureCookies: Bool
    /// The bearer token the local `eop` CLI presents (from `<home>/run/operator.token`,
    /// readable only by the host's user): full rights, recorded as "operator (cli)".
    let operatorToken: String?
    let logger: Logger

    public init(backend: AdminBackend, store: IdentityStore, renderer: ConsoleRenderer, secureCookies: Bool = false,
                operatorToken: String? = nil, logger: Logger = Logger(label: "eop.admin")) {
        self.operatorToken = operatorToken
        self.backend = backend
        self.store = store
        self.renderer = renderer
        self.principals = IdentityPrincipals(store: store)
        self.secureCookies = secureCookies
        self.logger = logger
    }

    /// The operations listed in the OpenAPI document.
    public static let openAPIPaths: [String: [String: [String: String]]] = [
        "/api/admin/plugins": ["get": ["summary": "Every plugin and product module: state, version, reason refused"]],
        "/api/admin/plugins/{id}/activate": ["post": ["summary": "Activate a stopped plugin"]],
        "/api/admin/plugins/{id}/deactivate": ["post": ["summary": "Deactivate a plugin (refused while active modules depend on it)"]],
        "/api/admin/plugins/{id}/swap": ["post": ["summary": "Hot-swap a plugin to the version at {\"source\": bundle or folder}; steps streamed as NDJSON with Accept: application/x-ndjson"]],
        "/api/admin/plugins/{id}/rollback": ["post": ["summary": "Swap a plugin back to the version it ran before its last swap"]],
        "/api/admin/plugins/{id}/swaps": ["get": ["summary": "A plugin's swap history: from, to, who, when, pause time, outcome, steps"]],
        "/api/admin/swaps": ["get": ["summary": "Every plugin's swap history"]],
        "/api/admin/license": ["get": ["summary": "The license in force, entitlements, days to expiry"]],
        "/api/admin/events/dead-letters": ["get": ["summary": "Facts a subscriber failed on"]],
        "/api/admin/events/dead-letters/{id}/replay": ["post": ["summary": "Replay a dead letter (at most one success)"]],
        "/api/admin/settings": ["get": ["summary": "Every plugin's settings (secrets redacted)"]],
        "/api/admin/settings/{plugin}": ["put": ["summary": "Validate and save a plugin's settings"]],
        "/api/admin/roles": ["get": ["summary": "Roles and their permissions"], "post": ["summary": "Create a role (declared permissions only)"]],
        "/api/admin/permissions": ["get": ["summary": "Every staff permission the installed plugins declare"]],
        "/api/admin/users": ["post": ["summary": "Create a staff user"]],
    ]

    /// Adds the routes.
    public func register(on router: Router<BasicRequestContext>) {
        registerAPI(router)
        registerConsole(router)
    }

    // MARK: Admin API

    private func registerAPI(_ router: Router<BasicRequestContext>) {
        let api = router.group("api/admin")
        api.get("plugins") { request, _ in
            try await staff(request, "admin.read")
            return json(backend.plugins().map { ["id": $0.id, "name": $0.name, "version": $0.version, "state": $0.state,
                                                 "reason": $0.reason as Any, "warnings": $0.warnings, "mailbox_depth": $0.mailboxDepth as Any] })
        }
        api.post("plugins/{id}/:action") { request, context in
            let principal = try await staff(request, "admin.write")
            let id = try context.parameters.require("id"), action = try context.parameters.require("action")
            if action == "swap" || action == "rollback" {
                return try await swap(request, id: id, rollback: action == "rollback", by: principal.id)
            }
            try await Blocking.perform { [backend] in
                switch action {
                case "activate": try backend.activate(id)
                case "deactivate": try backend.deactivate(id)
                default: throw Problem(.notFound, "Not Found", detail: "no action \(action); use activate, deactivate, swap or rollback")
                }
            }
            return json(["id": id, "done": action])
        }
        api.get("plugins/{id}/swaps") { request, context in
            try await staff(request, "admin.read")
            let id = try context.parameters.require("id")
            return json(try await Blocking.perform { [backend] in try backend.swapHistory(id) }.map(Self.swapJSON))
        }
        api.get("swaps") { request, _ in
            try await staff(request, "admin.read")
            return json(try await Blocking.perform { [backend] in try backend.swapHistory(nil) }.map(Self.swapJSON))
        }
        api.get("license") { request, _ in
            try await staff(request, "admin.read")
            let l = backend.license()
            return json(["licensee": l.licensee, "tier": l.tier, "environment": l.environment, "expires": l.expires, "days_left": l.daysLeft,
                         "banner": l.banner as Any, "warnings": l.warnings, "entitled": l.entitled, "refused": l.refused])
        }
        api.get("events/dead-letters") { request, _ in
            try await staff(request, "admin.read")
            let rows = try await Blocking.run { [backend] in try backend.deadLetters() }
            return json(rows.map { ["id": $0.id, "subscriber": $0.subscriber, "topic": $0.topic, "reason": $0.reason, "attempts": $0.attempts,
                                    "when": $0.when, "replayed": $0.replayed] })
        }
        api.post("events/dead-letters/{id}/replay") { request, context in
            try await staff(request, "admin.write")
            guard let id = UUID(uuidString: try context.parameters.require("id")) else {
                throw Problem(.badRequest, "Bad Request", detail: "id: not a dead letter id", errors: [.init(field: "id", reason: "not a UUID")])
            }
            try await Blocking.perform { [backend] in try backend.replay(id) }
            return json(["id": id.uuidString.lowercased(), "replay": "requested"], status: .accepted)
        }
        api.get("settings") { request, _ in
            try await staff(request, "admin.read")
            return json(backend.settingsForms().map { form in
                ["plugin": form.pluginID, "settings": form.fields.map { ["key": $0.key, "type": $0.type, "value": $0.secret ? "<redacted>" : $0.value, "secret": $0.secret] }]
            })
        }
        api.put("settings/{plugin}") { request, context in
            try await staff(request, "admin.write")
            let plugin = try context.parameters.require("plugin")
            var request = request
            let body = try await request.collectBody(upTo: 64 << 10)
            guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
                throw Problem(.badRequest, "Bad Request", detail: "the body must be a JSON object of setting values", errors: [.init(field: "(body)", reason: "not a JSON object")])
            }
            let values = object.mapValues { value -> String in
                if let s = value as? String { return s }
                return String(decoding: (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])) ?? Data(), as: UTF8.self)
            }
            let note = try await Blocking.perform { [backend] in try backend.updateSettings(plugin, values: values) }
            return json(["plugin": plugin, "saved": true, "note": note])
        }
        api.get("permissions") { request, _ in
            try await staff(request, "admin.read")
            return json(backend.permissions().sorted { $0.key < $1.key }.map { ["name": $0.key, "description": $0.value] })
        }
        api.get("roles") { request, _ in
            try await staff(request, "admin.read")
            let roles = try await Blocking.run { [store] in try store.roles() }
            return json(roles.map { ["name": $0.name, "permissions": $0.permissions.sorted()] })
        }
        api.post("roles") { request, _ in
            try await staff(request, "admin.write")
            let object = try await jsonObject(request)
            let name = object["name"] as? String ?? "", permissions = object["permissions"] as? [String] ?? []
            let declared = backend.permissions()
            if let unknown = permissions.first(where: { $0 != "*" && declared[$0] == nil }) {
                throw Problem(.badRequest, "Bad Request", detail: "permissions: \(unknown) is not declared by any installed plugin (see /api/admin/permissions)",
                              errors: [.init(field: "permissions", reason: "\(unknown) is not declared")])
            }
            let role = try await Blocking.perform { [store] in try store.createRole(name, permissions: permissions) }
            return json(["name": role.name, "permissions": role.permissions.sorted()], status: .created)
        }
        api.post("users") { request, _ in
            try await staff(request, "admin.write")
            let object = try await jsonObject(request)
            let email = object["email"] as? String ?? "", password = object["password"] as? String ?? ""
            let name = object["display_name"] as? String ?? email, roles = object["roles"] as? [String] ?? []
            let user = try await Blocking.perform { [store] in try store.createStaff(email: email, password: password, displayName: name, roles: roles) }
            return json(["id": user.id.uuidString.lowercased(), "email": user.email], status: .created)
        }
    }

    /// Requires signed-in staff holding `permission` (401 / 403 as problem+json otherwise).
    @discardableResult
    private func staff(_ request: Request, _ permission: String) async throws -> GatewayPrincipal {
        if let operatorToken, let authorization = request.headers[.authorization],
           constantTimeEqual(authorization, "Bearer " + operatorToken) {
            return GatewayPrincipal(kind: .staff, id: "operator (cli)", permissions: ["*"])
        }
        // CSRF: a write authenticated by the session cookie must be JSON, which a page of
        // another origin can only send after a CORS preflight (that this host never grants).
        if request.method != .get, request.headers[.authorization] == nil, !isJSON(request) {
            throw Problem(.unsupportedMediaType, "Unsupported Media Type", detail: "send application/json (or use a bearer token)",
                          errors: [.init(field: "(content-type)", reason: "must be application/json")])
        }
        let p = await principals.principal(for: request.headers)
        guard p.kind == .staff else { throw Problem(.unauthorized, "Unauthorized", detail: "staff sign-in or an API token is required") }
        guard p.can(permission) else { throw Problem(.forbidden, "Forbidden", detail: "the permission \(permission) is required") }
        return p
    }

    func jsonObject(_ request: Request) async throws -> [String: Any] {
        var request = request
        let body = try await request.collectBody(upTo: 64 << 10)
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
            throw Problem(.badRequest, "Bad Request", detail: "the body must be a JSON object", errors: [.init(field: "(body)", reason: "not a JSON object")])
        }
        return object
    }
}

func json(_ object: Any, status: HTTPResponse.Status = .ok) -> Response { Gateway.json(object, status: status) }

func html(_ text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
    var fields = headers
    fields[.contentType] = "text/html; charset=utf-8"
    fields[.cacheControl] = "no-store"
    return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
}

/// Whether the request says its body is JSON.
func isJSON(_ request: Request) -> Bool {
    request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true
}
