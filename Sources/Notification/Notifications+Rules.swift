import EOPManifest
import EOPPlatformKit
import EOPStorage
import Foundation
import Mustache

extension Notifications {
    /// "When fact `topic` happens, send type `type` to `recipient` over `channels`", per shop.
    /// Each recipient field is a Mustache template over the fact's payload
    /// (`{"user": "{{customer}}", "email": "{{customer_email}}"}`) or a fixed value.
    public struct Rule: Sendable, Equatable {
        public var id: UUID
        public var shop: String
        public var topic: String
        public var type: String
        public var recipient: [String: String]
        public var channels: [Channel]
        public var enabled: Bool

        public init(id: UUID = UUIDv7.generate(), shop: String = "default", topic: String, type: String, recipient: [String: String],
                    channels: [Channel], enabled: Bool = true) {
            self.id = id
            self.shop = shop
            self.topic = topic
            self.type = type
            self.recipient = recipient
            self.channels = channels
            self.enabled = enabled
        }
    }

    /// Every rule (of one shop, when given).
    public func rules(shop: String? = nil) throws -> [Rule] {
        try pool.withConnection { c in try rules(where: shop.map { ("shop", $0) }, on: c) }
    }

    func rules(where filter: (column: String, value: String)?, enabledOnly: Bool = false, on c: PostgresConnection) throws -> [Rule] {
        var conditions: [String] = []
        if let filter { conditions.append("\(filter.column) = $1") }
        if enabledOnly { conditions.append("enabled") }
        let r = try c.execute("""
            SELECT id, shop, topic, type, recipient::text, array_to_string(channels, ','), enabled FROM eop_notification.rules
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")) ORDER BY created_at, id
            """, filter.map { [PostgresValue($0.value)] } ?? [])
        return try (0..<r.rowCount).map { i in
            let recipient = (try? JSONSerialization.jsonObject(with: Data((r.string(row: i, column: 4) ?? "{}").utf8))) as? [String: String] ?? [:]
            return Rule(id: try r.uuid(row: i, column: 0) ?? UUID(), shop: r.string(row: i, column: 1) ?? "", topic: r.string(row: i, column: 2) ?? "",
                        type: r.string(row: i, column: 3) ?? "", recipient: recipient,
                        channels: (r.string(row: i, column: 5) ?? "").split(separator: ",").compactMap { Channel(rawValue: String($0)) },
                        enabled: try r.bool(row: i, column: 6) ?? false)
        }
    }

    /// Checks and saves a rule (insert or replace by id). The type must render this
    /// topic's payload, and each recipient field must name only variables it carries.
    public func saveRule(_ rule: Rule) throws {
        guard !rule.channels.isEmpty else { throw NotificationError(field: "channels", reason: "name at least one of email, sms, push, inapp") }
        if let unknown = rule.recipient.keys.sorted().first(where: { !Recipient.fields.contains($0) }) {
            throw NotificationError(field: "recipient.\(unknown)", reason: "not a recipient field; use \(Recipient.fields.joined(separator: ", "))")
        }
        let schema = try payloadSchema(topic: rule.topic, field: "topic")
        for (key, text) in rule.recipient {
            do { _ = try TemplateCheck.parse(text, field: "recipient.\(key)", schema: schema, plainText: true) } catch { throw NotificationError(error) }
        }
        let recipientJSON = String(decoding: try JSONSerialization.data(withJSONObject: rule.recipient, options: [.sortedKeys]), as: UTF8.self)
        try pool.withConnection { c in
            let type = try requireType(rule.type, on: c)
            guard type.topic == rule.topic else {
                throw NotificationError(field: "type", reason: "'\(type.id)' renders \(type.topic) payloads, not \(rule.topic)")
            }
            _ = try c.execute("""
                INSERT INTO eop_notification.rules (id, shop, topic, type, recipient, channels, enabled) VALUES ($1, $2, $3, $4, $5::jsonb, string_to_array($6, ','), $7)
                ON CONFLICT (id) DO UPDATE SET shop = EXCLUDED.shop, topic = EXCLUDED.topic, type = EXCLUDED.type, recipient = EXCLUDED.recipient,
                    channels = EXCLUDED.channels, enabled = EXCLUDED.enabled
                """, [PostgresValue(rule.id), PostgresValue(rule.shop), PostgresValue(rule.topic), PostgresValue(rule.type), PostgresValue(recipientJSON),
                      PostgresValue(rule.channels.map(\.rawValue).joined(separator: ",")), PostgresValue(rule.enabled)])
        }
    }

    /// Removes a rule; false when there was none.
    public func deleteRule(_ id: UUID) throws -> Bool {
        try pool.withConnection { try $0.execute("DELETE FROM eop_notification.rules WHERE id = $1", [PostgresValue(id)]).affectedRows == 1 }
    }

    /// Queues what the rules say for one fact, inside the feed's transaction.
    func apply(rules: [Rule], to eventID: UUID, topic: String, payload: [String: Any], on c: PostgresConnection) throws -> Int {
        var queued = 0
        for rule in rules where rule.topic == topic {
            guard let type = try type(rule.type, on: c) else { continue }
            var fields: [String: Any] = [:]
            let context = TemplateData.context(payload)
            for (key, text) in rule.recipient {
                // Checked when the rule was saved; a template that no longer parses leaves the field empty.
                fields[key] = (try? MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text))?.render(context) ?? ""
            }
            queued += try queue(requestID: eventID, ruleID: rule.id, origin: "rule \(rule.id.uuidString.lowercased())", type: type,
                                channels: rule.channels, recipient: Recipient(json: fields), data: payload, on: c).count
        }
        return queued
    }

    // MARK: Preferences

    /// A user's opt-out (or opt-back-in) of one type (or `*`) by one channel (or `*`).
    /// Transactional types are sent regardless.
    public func setPreference(user: String, type: String, channel: String, optedOut: Bool) throws {
        guard type == "*" || !type.isEmpty else { throw NotificationError(field: "type", reason: "name a notification type or *") }
        guard channel == "*" || Channel(rawValue: channel) != nil else {
            throw NotificationError(field: "channel", reason: "\"\(channel)\" is not email, sms, push, inapp or *")
        }
        try pool.withConnection { c in
            if type != "*" { _ = try requireType(type, on: c) }
            _ = try c.execute("""
                INSERT INTO eop_notification.preferences (user_id, type, channel, opted_out) VALUES ($1, $2, $3, $4)
                ON CONFLICT (user_id, type, channel) DO UPDATE SET opted_out = EXCLUDED.opted_out
                """, [PostgresValue(user), PostgresValue(type), PostgresValue(channel), PostgresValue(optedOut)])
        }
    }

    /// A user's preferences as (type, channel, opted out).
    public func preferences(user: String) throws -> [(type: String, channel: String, optedOut: Bool)] {
        try pool.withConnection { c in
            let r = try c.execute("SELECT type, channel, opted_out FROM eop_notification.preferences WHERE user_id = $1 ORDER BY type, channel", [PostgresValue(user)])
            return try (0..<r.rowCount).map { (r.string(row: $0, column: 0) ?? "", r.string(row: $0, column: 1) ?? "", try r.bool(row: $0, column: 2) ?? false) }
        }
    }
}
