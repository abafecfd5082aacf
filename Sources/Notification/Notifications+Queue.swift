import EOPManifest
import EOPPlatformKit
import EOPStorage
import Foundation
import Mustache

extension Notifications {
    /// Who a notification is for. Each channel uses its own address; a channel without one
    /// is recorded as skipped.
    public struct Recipient: Sendable, Equatable {
        /// The user id (customer or staff): preferences and the in-app inbox are per user.
        public var user: String?
        public var email: String?
        /// E.164 phone number for SMS.
        public var phone: String?
        /// FCM registration token.
        public var pushToken: String?
        /// `en`, `en-GB` …; the module's default when nil.
        public var locale: String?

        public init(user: String? = nil, email: String? = nil, phone: String? = nil, pushToken: String? = nil, locale: String? = nil) {
            self.user = user
            self.email = email
            self.phone = phone
            self.pushToken = pushToken
            self.locale = locale
        }

        /// The JSON field names of a recipient.
        static let fields = ["user", "email", "phone", "push_token", "locale"]

        /// From a JSON object (`push_token` spelled the JSON way); empty strings count as absent.
        init(json: [String: Any]) {
            func value(_ key: String) -> String? { (json[key] as? String).flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 } }
            self.init(user: value("user"), email: value("email"), phone: value("phone"), pushToken: value("push_token"), locale: value("locale"))
        }
    }

    /// Queues one message of `type` to `recipient` over each channel, on `c` (inside the
    /// caller's transaction). Each channel becomes one row: queued, or skipped with the
    /// reason (opted out, no address, no template), or failed when rendering fails.
    /// Returns the ids of the queued rows.
    @discardableResult
    func queue(requestID: UUID, ruleID: UUID?, origin: String, type: TypeInfo, channels: [Channel], recipient: Recipient,
               data: [String: Any], on c: PostgresConnection) throws -> [UUID] {
        var queued: [UUID] = []
        let context = TemplateData.context(data)
        let locales = localeChain(recipient.locale)
        for channel in channels {
            var row = DeliveryRow(type: type.id, channel: channel, user: recipient.user, locale: locales[0])
            if !type.transactional, let user = recipient.user, try optedOut(user: user, type: type.id, channel: channel, on: c) {
                row.skip("the recipient opted out of \(type.id) by \(channel.rawValue)")
            } else if let address = address(of: recipient, for: channel) {
                row.address = address
                if let (template, locale) = try template(type: type.id, channel: channel, locales: locales, on: c) {
                    row.locale = locale
                    do {
                        let rendered = try compile(template, schema: try payloadSchema(topic: type.topic, field: "type")).render(context)
                        (row.subject, row.html, row.body) = (rendered.subject, rendered.html, rendered.body)
                    } catch {
                        row.fail("the \(channel.rawValue) template of \(type.id) (\(locale)) cannot be rendered: \(error)")
                    }
                } else {
                    row.skip("no \(channel.rawValue) template for \(type.id) in \(locales.joined(separator: ", "))")
                }
            } else {
                row.skip("the recipient has no \(channel.addressName)")
            }
            if try insert(row, requestID: requestID, ruleID: ruleID, origin: origin, on: c), row.status == "queued" { queued.append(row.id) }
        }
        return queued
    }

    /// `en-GB` → [en-GB, en, default].
    func localeChain(_ locale: String?) -> [String] {
        var chain: [String] = []
        if let locale, !locale.isEmpty, !locale.contains(",") {
            chain.append(locale)
            if let dash = locale.firstIndex(where: { $0 == "-" || $0 == "_" }) { chain.append(String(locale[..<dash])) }
        }
        chain.append(configuration.defaultLocale)
        var seen = Set<String>()
        return chain.filter { seen.insert($0).inserted }
    }

    private func address(of r: Recipient, for channel: Channel) -> String? {
        switch channel {
        case .email: return r.email ?? r.user.flatMap(directory)
        case .sms: return r.phone
        case .push: return r.pushToken
        case .inapp: return r.user
        }
    }

    private func optedOut(user: String, type: String, channel: Channel, on c: PostgresConnection) throws -> Bool {
        try c.execute("""
            SELECT 1 FROM eop_notification.preferences
            WHERE user_id = $1 AND type IN ($2, '*') AND channel IN ($3, '*') AND opted_out LIMIT 1
            """, [PostgresValue(user), PostgresValue(type), PostgresValue(channel.rawValue)]).rowCount > 0
    }

    /// The template in the first locale of the chain that has one.
    func template(type: String, channel: Channel, locales: [String], on c: PostgresConnection) throws -> (Template, String)? {
        let r = try c.execute("""
            SELECT locale, subject, html, body FROM eop_notification.templates
            WHERE type = $1 AND channel = $2 AND locale = ANY(string_to_array($3, ',')) ORDER BY array_position(string_to_array($3, ','), locale) LIMIT 1
            """, [PostgresValue(type), PostgresValue(channel.rawValue), PostgresValue(locales.joined(separator: ","))])
        guard r.rowCount == 1, let locale = r.string(row: 0, column: 0) else { return nil }
        return (Template(type: type, channel: channel, locale: locale, subject: r.string(row: 0, column: 1) ?? "",
                         html: r.string(row: 0, column: 2) ?? "", body: r.string(row: 0, column: 3) ?? ""), locale)
    }

    /// False when this rule already queued this fact on this channel (a redelivery).
    private func insert(_ row: DeliveryRow, requestID: UUID, ruleID: UUID?, origin: String, on c: PostgresConnection) throws -> Bool {
        let r = try c.execute("""
            INSERT INTO eop_notification.deliveries (id, request_id, rule_id, origin, type, channel, user_id, address, locale, subject, html, body, status, provider_answer)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
            ON CONFLICT (request_id, rule_id, channel) WHERE rule_id IS NOT NULL DO NOTHING
            """, [PostgresValue(row.id), PostgresValue(requestID), ruleID.map { PostgresValue($0) }, PostgresValue(origin), PostgresValue(row.type),
                  PostgresValue(row.channel.rawValue), row.user.map { PostgresValue($0) }, PostgresValue(row.address), PostgresValue(row.locale),
                  PostgresValue(row.subject), PostgresValue(row.html), PostgresValue(row.body), PostgresValue(row.status), PostgresValue(row.answer)])
        return r.affectedRows == 1
    }

    // MARK: Direct requests (plugins, through eop.notify.v1)

    /// Queues a notification that a plugin (or the host) asks for directly. `data` is
    /// checked against the type's event schema; `channels` empty means every channel the
    /// type has templates for. Returns the request id. Sending happens later, off the caller's thread.
    @discardableResult
    public func notify(type typeID: String, recipient: Recipient, channels: [Channel], data: [String: Any], origin: String) throws -> UUID {
        let requestID = UUIDv7.generate()
        try pool.withConnection { c in
            try c.transaction { c in
                let type = try requireType(typeID, on: c)
                try validate(data, topic: type.topic)
                var chosen = channels
                if chosen.isEmpty {
                    let r = try c.execute("SELECT DISTINCT channel FROM eop_notification.templates WHERE type = $1 ORDER BY channel", [PostgresValue(typeID)])
                    chosen = (0..<r.rowCount).compactMap { r.string(row: $0, column: 0).flatMap(Channel.init(rawValue:)) }
                }
                try queue(requestID: requestID, ruleID: nil, origin: origin, type: type, channels: chosen, recipient: recipient, data: data, on: c)
            }
        }
        sender.wake()
        return requestID
    }
}

/// One delivery row before it is written.
struct DeliveryRow {
    let id = UUIDv7.generate()
    let type: String
    let channel: Channel
    let user: String?
    var locale: String
    var address = ""
    var subject = "", html = "", body = ""
    var status = "queued"
    var answer = ""

    init(type: String, channel: Channel, user: String?, locale: String) {
        self.type = type
        self.channel = channel
        self.user = user
        self.locale = locale
    }

    mutating func skip(_ reason: String) { status = "skipped"; answer = reason }
    mutating func fail(_ reason: String) { status = "failed"; answer = reason }
}

extension Channel {
    /// What a recipient needs for this channel, for messages.
    var addressName: String {
        switch self {
        case .email: return "email address"
        case .sms: return "phone number"
        case .push: return "push token"
        case .inapp: return "user id (in-app messages are per user)"
        }
    }
}
