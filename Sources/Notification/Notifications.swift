import EOPManifest
import EOPStorage
import Foundation
import Logging
import Mustache

/// The notification module: types and templates, rules that turn facts into messages,
/// preferences, and the delivery of every message over email, SMS, push and in-app.
///
/// Two threads do the work, so that publishing never waits for a provider:
/// - the **feed** reads the durable event log after its own offset, and for each fact a
///   rule names renders the messages and queues one delivery row per channel, in the
///   same transaction that moves its offset (a fact is queued once);
/// - the **sender** claims due deliveries, calls the provider, and records the answer,
///   retrying with exponential backoff until `maxAttempts`.
public final class Notifications: @unchecked Sendable {
    public let configuration: NotificationConfiguration
    let pool: ConnectionPool
    let events: EventCatalog
    let logger: Logger
    /// A user's email when a recipient names only the user (the host asks Identity).
    let directory: @Sendable (String) -> String?
    let providers: ProviderClients
    private(set) var feed: FactFeed!
    private(set) var sender: Sender!

    /// Connects, creates or updates the schema `eop_notification` with the default types,
    /// templates and rules. Nothing is sent until `start()`.
    public init(connect: @escaping @Sendable () throws -> PostgresConnection, events: EventCatalog,
                configuration: NotificationConfiguration = NotificationConfiguration(),
                directory: @escaping @Sendable (String) -> String? = { _ in nil },
                logger: Logger = Logger(label: "eop.notification")) throws {
        self.configuration = configuration
        self.events = events
        self.directory = directory
        self.logger = logger
        pool = ConnectionPool(name: "notification", maxConnections: 4, logger: logger, factory: connect)
        providers = ProviderClients(twilio: configuration.twilio, fcm: configuration.fcm, timeout: configuration.sendTimeout)
        try pool.withConnection { try NotificationSchema.bootstrap($0, defaultLocale: configuration.defaultLocale) }
        feed = FactFeed(notifications: self, connect: connect)
        sender = Sender(notifications: self)
    }

    /// Starts the feed and the sender.
    public func start() {
        feed.start()
        sender.start()
    }

    /// Stops both threads (each finishes the batch in hand) and closes connections.
    public func stop() {
        feed.stop()
        sender.stop()
        providers.shutdown()
        pool.close()
    }

    // MARK: Types

    /// A kind of notification: the event whose payload its templates use, and whether it
    /// is transactional (sent whatever the recipient's preferences say).
    public struct TypeInfo: Sendable, Equatable {
        public var id: String
        public var topic: String
        public var transactional: Bool
        public var description: String

        public init(id: String, topic: String, transactional: Bool, description: String = "") {
            self.id = id
            self.topic = topic
            self.transactional = transactional
            self.description = description
        }
    }

    /// Every type.
    public func types() throws -> [TypeInfo] {
        try pool.withConnection { c in
            let r = try c.execute("SELECT id, topic, transactional, description FROM eop_notification.types ORDER BY id", [])
            return try (0..<r.rowCount).map { i in
                TypeInfo(id: r.string(row: i, column: 0) ?? "", topic: r.string(row: i, column: 1) ?? "",
                         transactional: try r.bool(row: i, column: 2) ?? true, description: r.string(row: i, column: 3) ?? "")
            }
        }
    }

    /// Creates or changes a type. Its topic must be a fact with a schema.
    public func saveType(_ type: TypeInfo) throws {
        guard !type.id.isEmpty, type.id.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
            throw NotificationError(field: "id", reason: "must be letters, digits, '.', '_' or '-'")
        }
        _ = try payloadSchema(topic: type.topic, field: "topic")
        _ = try pool.withConnection { c in
            try c.execute("""
                INSERT INTO eop_notification.types (id, topic, transactional, description) VALUES ($1, $2, $3, $4)
                ON CONFLICT (id) DO UPDATE SET topic = EXCLUDED.topic, transactional = EXCLUDED.transactional, description = EXCLUDED.description
                """, [PostgresValue(type.id), PostgresValue(type.topic), PostgresValue(type.transactional), PostgresValue(type.description)])
        }
    }

    func type(_ id: String, on c: PostgresConnection) throws -> TypeInfo? {
        let r = try c.execute("SELECT topic, transactional, description FROM eop_notification.types WHERE id = $1", [PostgresValue(id)])
        guard r.rowCount == 1 else { return nil }
        return TypeInfo(id: id, topic: r.string(row: 0, column: 0) ?? "", transactional: try r.bool(row: 0, column: 1) ?? true,
                        description: r.string(row: 0, column: 2) ?? "")
    }

    func requireType(_ id: String, on c: PostgresConnection) throws -> TypeInfo {
        guard let t = try type(id, on: c) else { throw NotificationError(field: "type", reason: "no notification type '\(id)' (see GET /api/admin/notification/types)") }
        return t
    }

    /// The variables a type's templates may use: its event's payload schema (plus derived ones).
    func payloadSchema(topic: String, field: String) throws -> SchemaNode {
        guard let schema = events[topic] else {
            throw NotificationError(field: field, reason: "'\(topic)' has no event schema (Manifests/events/\(topic).json)")
        }
        guard schema.kind == .fact else { throw NotificationError(field: field, reason: "'\(topic)' is a \(schema.kind.rawValue), not a fact") }
        return TemplateData.schema(schema.payload)
    }

    /// Refuses data that breaks the event's payload schema, naming the field.
    func validate(_ data: [String: Any], topic: String) throws {
        do { try events[topic]?.payload.validate(data) } catch {
            throw NotificationError(field: "data.\(error.field)", reason: error.reason)
        }
    }

    // MARK: Templates

    /// One template: for email `subject`, `html` and `body` (the plain-text part); for SMS
    /// `body`; for push and in-app `subject` (the title) and `body`.
    public struct Template: Sendable, Equatable {
        public var type: String
        public var channel: Channel
        public var locale: String
        public var subject: String
        public var html: String
        public var body: String

        public init(type: String, channel: Channel, locale: String, subject: String = "", html: String = "", body: String) {
            self.type = type
            self.channel = channel
            self.locale = locale
            self.subject = subject
            self.html = html
            self.body = body
        }
    }

    /// The rendered parts of one message.
    public struct Rendered: Sendable, Equatable {
        public var subject: String
        public var html: String
        public var body: String

        public init(subject: String, html: String, body: String) {
            self.subject = subject
            self.html = html
            self.body = body
        }
    }

    /// Every template of every type.
    public func templates() throws -> [Template] {
        try pool.withConnection { c in
            let r = try c.execute("SELECT type, channel, locale, subject, html, body FROM eop_notification.templates ORDER BY type, channel, locale", [])
            return (0..<r.rowCount).map { i in
                Template(type: r.string(row: i, column: 0) ?? "", channel: Channel(rawValue: r.string(row: i, column: 1) ?? "") ?? .email,
                         locale: r.string(row: i, column: 2) ?? "", subject: r.string(row: i, column: 3) ?? "",
                         html: r.string(row: i, column: 4) ?? "", body: r.string(row: i, column: 5) ?? "")
            }
        }
    }

    /// Checks and saves a template. A syntax error or a variable the type's event does not
    /// carry is refused with the part, the line and the reason; nothing is written.
    public func saveTemplate(_ template: Template) throws {
        try pool.withConnection { c in
            let type = try requireType(template.type, on: c)
            _ = try compile(template, schema: try payloadSchema(topic: type.topic, field: "type"))
            guard !template.locale.isEmpty, template.locale.count <= 35 else { throw NotificationError(field: "locale", reason: "must be a language tag like en or en-GB") }
            _ = try c.execute("""
                INSERT INTO eop_notification.templates (type, channel, locale, subject, html, body) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (type, channel, locale) DO UPDATE SET subject = EXCLUDED.subject, html = EXCLUDED.html, body = EXCLUDED.body, updated_at = now()
                """, [PostgresValue(template.type), PostgresValue(template.channel.rawValue), PostgresValue(template.locale),
                      PostgresValue(template.subject), PostgresValue(template.html), PostgresValue(template.body)])
        }
    }

    /// Renders a template (saved, or the one given) with `data`, or with sample values made
    /// from the event's schema when `data` is nil. Refuses data that breaks the schema.
    public func preview(_ template: Template, data: [String: Any]?) throws -> Rendered {
        try pool.withConnection { c in
            let type = try requireType(template.type, on: c)
            let schema = try payloadSchema(topic: type.topic, field: "type")
            let payload: [String: Any]
            if let data {
                try validate(data, topic: type.topic)
                payload = data
            } else {
                payload = Self.sample(events[type.topic]?.payload ?? schema) as? [String: Any] ?? [:]
            }
            return try compile(template, schema: schema).render(TemplateData.context(payload))
        }
    }

    /// The parsed parts of a template, each checked against `schema`.
    func compile(_ t: Template, schema: SchemaNode) throws -> CompiledTemplate {
        if t.channel != .email, !t.html.isEmpty { throw NotificationError(field: "html", reason: "only email templates have an HTML part") }
        if t.channel == .sms || t.channel == .email, t.body.isEmpty { throw NotificationError(field: "body", reason: "must not be empty") }
        func part(_ text: String, _ field: String, plainText: Bool) throws -> MustacheTemplate {
            do { return try TemplateCheck.parse(text, field: field, schema: schema, plainText: plainText) } catch { throw NotificationError(error) }
        }
        return CompiledTemplate(subject: try part(t.subject, "subject", plainText: true), html: try part(t.html, "html", plainText: false),
                                body: try part(t.body, "body", plainText: true))
    }

    /// Example values for a preview: strings name their field, numbers are 12345.
    static func sample(_ node: SchemaNode, name: String = "value") -> Any {
        switch node {
        case .object(let properties, _): return Dictionary(uniqueKeysWithValues: properties.map { ($0.key, sample($0.value, name: $0.key)) })
        case .array(let items): return [sample(items ?? .any, name: name)]
        case .string(let allowed, _, let maxLength):
            if let first = allowed?.first { return first }
            if maxLength == 3 { return "USD" }
            return "<\(name)>"
        case .integer: return 12345
        case .number: return 12.5
        case .boolean: return true
        case .any: return "<\(name)>"
        }
    }
}

/// A template parsed and checked.
struct CompiledTemplate {
    let subject: MustacheTemplate
    let html: MustacheTemplate
    let body: MustacheTemplate

    func render(_ context: [String: Any]) -> Notifications.Rendered {
        Notifications.Rendered(subject: subject.render(context).trimmingCharacters(in: .whitespacesAndNewlines),
                               html: html.render(context), body: body.render(context))
    }
}
