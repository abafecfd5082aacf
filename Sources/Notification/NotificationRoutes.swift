import EOPGateway
import EOPPlatformKit
import Foundation
import HTTPTypes
import Hummingbird

/// The module's HTTP API.
/// - `/api/notification/…` for the signed-in user (customer or staff): the in-app inbox
///   and their opt-outs.
/// - `/api/admin/notification/…` for staff (`admin.read` / `admin.write`): types,
///   templates (refused with part, line and reason when broken), preview, rules, and
///   every delivery with its attempts and the provider's answers.
public struct NotificationRoutes: Sendable {
    let notifications: Notifications
    let principals: PrincipalResolver
    /// Told what staff changed (`type`, `template` or `rule`, and its id) once it is saved;
    /// the host publishes `notification.settings.changed` from it (Launcher's checklist).
    let settingsChanged: @Sendable (_ what: String, _ id: String) -> Void

    public init(notifications: Notifications, principals: PrincipalResolver,
                settingsChanged: @escaping @Sendable (_ what: String, _ id: String) -> Void = { _, _ in }) {
        self.notifications = notifications
        self.principals = principals
        self.settingsChanged = settingsChanged
    }

    /// The operations listed in the OpenAPI document.
    public static let openAPIPaths: [String: [String: [String: String]]] = [
        "/api/notification/inbox": ["get": ["summary": "The signed-in user's in-app notifications (?unread=true)"]],
        "/api/notification/inbox/{id}/read": ["post": ["summary": "Mark one in-app notification read"]],
        "/api/notification/preferences": ["get": ["summary": "The signed-in user's opt-outs"], "put": ["summary": "Opt out of (or back into) a type by a channel"]],
        "/api/admin/notification/types": ["get": ["summary": "Notification types and the event each renders"]],
        "/api/admin/notification/types/{id}": ["put": ["summary": "Create or change a notification type"]],
        "/api/admin/notification/templates": ["get": ["summary": "Every template"]],
        "/api/admin/notification/templates/{type}/{channel}/{locale}": ["put": ["summary": "Check and save a template (broken ones refused with line and reason)"]],
        "/api/admin/notification/preview": ["post": ["summary": "Render a template with sample or given data"]],
        "/api/admin/notification/rules": ["get": ["summary": "Rules: fact → type → recipient → channels"], "post": ["summary": "Add a rule"]],
        "/api/admin/notification/rules/{id}": ["put": ["summary": "Replace a rule"], "delete": ["summary": "Remove a rule"]],
        "/api/admin/notification/deliveries": ["get": ["summary": "Deliveries (?status=failed, ?request=<fact id>) with the provider's answer"]],
        "/api/admin/notification/deliveries/{id}": ["get": ["summary": "One delivery and every attempt"]],
    ]

    public func register(on router: Router<BasicRequestContext>) {
        registerUser(router.group("api/notification"))
        registerAdmin(router.group("api/admin/notification"))
    }

    // MARK: The signed-in user

    private func registerUser(_ api: RouterGroup<BasicRequestContext>) {
        api.get("inbox") { request, _ in
            let user = try await signedIn(request)
            let unreadOnly = request.uri.queryParameters.get("unread") == "true"
            let items = try await run { try notifications.inbox(user: user, unreadOnly: unreadOnly) }
            return Gateway.json(["items": items.map { ["id": $0.id.uuidString.lowercased(), "type": $0.type, "title": $0.title, "body": $0.body,
                                                       "created_at": $0.createdAt.map(UTCTime.format) as Any, "read": $0.read] },
                                 "unread": items.filter { !$0.read }.count])
        }
        api.post("inbox/{id}/read") { request, context in
            let user = try await signedIn(request)
            let id = try uuid(context.parameters.require("id"), field: "id")
            guard try await run({ try notifications.markRead(user: user, id: id) }) else {
                throw Problem(.notFound, "Not Found", detail: "you have no notification \(id.uuidString.lowercased())")
            }
            return Gateway.json(["id": id.uuidString.lowercased(), "read": true])
        }
        api.get("preferences") { request, _ in
            let user = try await signedIn(request)
            let rows = try await run { try notifications.preferences(user: user) }
            return Gateway.json(rows.map { ["type": $0.type, "channel": $0.channel, "opted_out": $0.optedOut] })
        }
        api.put("preferences") { request, _ in
            let user = try await signedIn(request)
            let o = try await body(request)
            let type = o["type"] as? String ?? "", channel = o["channel"] as? String ?? "*"
            guard let optedOut = o["opted_out"] as? Bool else { throw NotificationError(field: "opted_out", reason: "must be true or false").problem }
            try await run { try notifications.setPreference(user: user, type: type, channel: channel, optedOut: optedOut) }
            return Gateway.json(["type": type, "channel": channel, "opted_out": optedOut])
        }
    }

    // MARK: Staff

    private func registerAdmin(_ api: RouterGroup<BasicRequestContext>) {
        api.get("types") { request, _ in
            try await staff(request, "admin.read")
            let types = try await run { try notifications.types() }
            return Gateway.json(types.map { ["id": $0.id, "topic": $0.topic, "transactional": $0.transactional, "description": $0.description] })
        }
        api.put("types/{id}") { request, context in
            try await staff(request, "admin.write")
            let o = try await body(request)
            let type = Notifications.TypeInfo(id: try context.parameters.require("id"), topic: o["topic"] as? String ?? "",
                                              transactional: o["transactional"] as? Bool ?? false, description: o["description"] as? String ?? "")
            try await run {
                try notifications.saveType(type)
                settingsChanged("type", type.id)
            }
            return Gateway.json(["id": type.id, "saved": true])
        }
        api.get("templates") { request, _ in
            try await staff(request, "admin.read")
            return Gateway.json(try await run { try notifications.templates() }.map(\.json))
        }
        api.put("templates/{type}/{channel}/{locale}") { request, context in
            try await staff(request, "admin.write")
            let o = try await body(request)
            let channel = try Channel.list([try context.parameters.require("channel")], field: "channel")[0]
            let template = Notifications.Template(type: try context.parameters.require("type"), channel: channel, locale: try context.parameters.require("locale"),
                                                  subject: o["subject"] as? String ?? "", html: o["html"] as? String ?? "", body: o["body"] as? String ?? "")
            try await run {
                try notifications.saveTemplate(template)
                settingsChanged("template", "\(template.type)/\(template.channel.rawValue)/\(template.locale)")
            }
            return Gateway.json(template.json.merging(["saved": true]) { a, _ in a })
        }
        api.post("preview") { request, _ in
            try await staff(request, "admin.read")
            let o = try await body(request)
            let channel = try Channel.list([o["channel"] as? String ?? "email"], field: "channel")[0]
            let type = o["type"] as? String ?? "", locale = o["locale"] as? String ?? notifications.configuration.defaultLocale
            // Sendable copies for the worker: the data as JSON, the unsaved text (if any).
            let data = try (o["data"] as? [String: Any]).map { try JSONSerialization.data(withJSONObject: $0) }
            let text = o["body"] == nil && o["subject"] == nil && o["html"] == nil ? nil
                : (o["subject"] as? String ?? "", o["html"] as? String ?? "", o["body"] as? String ?? "")
            let rendered = try await run { () throws -> Notifications.Rendered in
                var template = Notifications.Template(type: type, channel: channel, locale: locale, body: "")
                if let text {
                    (template.subject, template.html, template.body) = text
                } else {
                    guard let saved = try notifications.templates().first(where: { $0.type == type && $0.channel == channel && $0.locale == locale }) else {
                        throw NotificationError(field: "type", reason: "no saved \(channel.rawValue) template for '\(type)' in \(locale)")
                    }
                    template = saved
                }
                return try notifications.preview(template, data: data.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] })
            }
            return Gateway.json(["subject": rendered.subject, "html": rendered.html, "body": rendered.body])
        }
        api.get("rules") { request, _ in
            try await staff(request, "admin.read")
            return Gateway.json(try await run { try notifications.rules(shop: request.uri.queryParameters.get("shop")) }.map(\.json))
        }
        api.post("rules") { request, _ in
            try await staff(request, "admin.write")
            let rule = try Self.rule(try await body(request), id: UUIDv7.generate())
            try await run {
                try notifications.saveRule(rule)
                settingsChanged("rule", rule.id.uuidString.lowercased())
            }
            return Gateway.json(rule.json, status: .created)
        }
        api.put("rules/{id}") { request, context in
            try await staff(request, "admin.write")
            let rule = try Self.rule(try await body(request), id: try uuid(context.parameters.require("id"), field: "id"))
            try await run {
                try notifications.saveRule(rule)
                settingsChanged("rule", rule.id.uuidString.lowercased())
            }
            return Gateway.json(rule.json)
        }
        api.delete("rules/{id}") { request, context in
            try await staff(request, "admin.write")
            let id = try uuid(context.parameters.require("id"), field: "id")
            let deleted = try await run { () throws -> Bool in
                guard try notifications.deleteRule(id) else { return false }
                settingsChanged("rule", id.uuidString.lowercased())
                return true
            }
            guard deleted else { throw Problem(.notFound, "Not Found", detail: "no rule \(id.uuidString.lowercased())") }
            return Response(status: .noContent)
        }
        api.get("deliveries") { request, _ in
            try await staff(request, "admin.read")
            let query = request.uri.queryParameters
            let requestID = try query.get("request").map { try uuid($0, field: "request") }
            let rows = try await run { try notifications.deliveries(status: query.get("status"), requestID: requestID, limit: Int(query.get("limit") ?? "") ?? 100) }
            return Gateway.json(rows.map(\.json))
        }
        api.get("deliveries/{id}") { request, context in
            try await staff(request, "admin.read")
            let id = try uuid(context.parameters.require("id"), field: "id")
            let (rows, attempts) = try await run { (try notifications.deliveries(id: id), try notifications.attempts(of: id)) }
            guard let row = rows.first else { throw Problem(.notFound, "Not Found", detail: "no delivery \(id.uuidString.lowercased())") }
            return Gateway.json(row.json.merging(["attempt_log": attempts.map { ["attempt": $0.attempt, "outcome": $0.outcome, "answer": $0.answer] }]) { a, _ in a })
        }
    }

    static func rule(_ o: [String: Any], id: UUID) throws -> Notifications.Rule {
        guard let recipient = o["recipient"] as? [String: String] else {
            throw NotificationError(field: "recipient", reason: "must be an object of text fields (user, email, phone, push_token, locale)").problem
        }
        do {
            return Notifications.Rule(id: id, shop: o["shop"] as? String ?? "default", topic: o["topic"] as? String ?? "", type: o["type"] as? String ?? "",
                                      recipient: recipient, channels: try Channel.list(o["channels"] as? [String] ?? [], field: "channels"),
                                      enabled: o["enabled"] as? Bool ?? true)
        } catch { throw error.problem }
    }

    // MARK: Helpers

    /// The signed-in user's id (customer or staff); 401 otherwise.
    private func signedIn(_ request: Request) async throws -> String {
        try requireJSONWrite(request)
        let p = await principals.principal(for: request.headers)
        guard p.kind == .customer || p.kind == .staff, !p.id.isEmpty else { throw Problem(.unauthorized, "Unauthorized", detail: "sign in to see your notifications") }
        return p.id
    }

    private func staff(_ request: Request, _ permission: String) async throws {
        try requireJSONWrite(request)
        let p = await principals.principal(for: request.headers)
        guard p.kind == .staff else { throw Problem(.unauthorized, "Unauthorized", detail: "staff sign-in or an API token is required") }
        guard p.can(permission) else { throw Problem(.forbidden, "Forbidden", detail: "the permission \(permission) is required") }
    }

    /// CSRF: a write authenticated by a cookie must be JSON, which another origin cannot send without a preflight.
    private func requireJSONWrite(_ request: Request) throws {
        guard request.method != .get, request.method != .delete, request.headers[.authorization] == nil else { return }
        if request.headers[.contentType]?.lowercased().hasPrefix("application/json") != true {
            throw Problem(.unsupportedMediaType, "Unsupported Media Type", detail: "send application/json (or use a bearer token)",
                          errors: [.init(field: "(content-type)", reason: "must be application/json")])
        }
    }

    private func body(_ request: Request) async throws -> [String: Any] {
        var request = request
        let buffer = try await request.collectBody(upTo: 256 << 10)
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
            throw Problem(.badRequest, "Bad Request", detail: "the body must be a JSON object", errors: [.init(field: "(body)", reason: "not a JSON object")])
        }
        return object
    }

    private func uuid(_ text: String, field: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw Problem(.badRequest, "Bad Request", detail: "\(field): not a UUID", errors: [.init(field: field, reason: "not a UUID")]) }
        return id
    }

    private static let queue = DispatchQueue(label: "eop.notification.http", attributes: .concurrent)

    /// Database work off the event loop; a refusal becomes 400 naming the field (and line).
    private func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Self.queue.async { continuation.resume(with: Result { do { return try work() } catch { throw error.problem } }) }
        }
    }
}

extension Error {
    /// A NotificationError as 400 problem+json naming the field (and line); others unchanged.
    var problem: Error {
        guard let e = self as? NotificationError else { return self }
        let reason = e.line.map { "line \($0): \(e.reason)" } ?? e.reason
        return Problem(.badRequest, "Bad Request", detail: e.description, errors: [.init(field: e.field, reason: reason)])
    }
}

extension Notifications.Template {
    var json: [String: Any] { ["type": type, "channel": channel.rawValue, "locale": locale, "subject": subject, "html": html, "body": body] }
}

extension Notifications.Rule {
    var json: [String: Any] {
        ["id": id.uuidString.lowercased(), "shop": shop, "topic": topic, "type": type, "recipient": recipient, "channels": channels.map(\.rawValue), "enabled": enabled]
    }
}

extension Notifications.Delivery {
    var json: [String: Any] {
        ["id": id.uuidString.lowercased(), "request_id": requestID.uuidString.lowercased(), "origin": origin, "type": type, "channel": channel,
         "address": address, "status": status, "attempts": attempts, "provider_answer": providerAnswer, "subject": subject, "body": body,
         "created_at": createdAt.map(UTCTime.format) as Any, "sent_at": sentAt.map(UTCTime.format) as Any]
    }
}
