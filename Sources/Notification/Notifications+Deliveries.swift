import EOPPlatformKit
import EOPStorage
import Foundation

extension Notifications {
    /// One message on one channel, as the admin API shows it.
    public struct Delivery: Sendable {
        public var id: UUID
        public var requestID: UUID
        public var origin: String
        public var type: String
        public var channel: String
        public var address: String
        public var status: String
        public var attempts: Int
        public var providerAnswer: String
        public var subject: String
        public var body: String
        public var createdAt: Date?
        public var sentAt: Date?
    }

    /// The newest deliveries, optionally of one status (`queued`, `sent`, `failed`, `skipped`), one request (fact id) or one id.
    public func deliveries(status: String? = nil, requestID: UUID? = nil, id: UUID? = nil, limit: Int = 100) throws -> [Delivery] {
        try pool.withConnection { c in
            var conditions: [String] = [], params: [PostgresValue?] = []
            if let id { params.append(PostgresValue(id)); conditions.append("id = $\(params.count)") }
            if let status { params.append(PostgresValue(status)); conditions.append("status = $\(params.count)") }
            if let requestID { params.append(PostgresValue(requestID)); conditions.append("request_id = $\(params.count)") }
            let r = try c.execute("""
                SELECT id, request_id, origin, type, channel, address, status, attempts, provider_answer, subject, body, created_at, sent_at
                FROM eop_notification.deliveries \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                ORDER BY created_at DESC, id DESC LIMIT \(max(1, min(limit, 1000)))
                """, params)
            return try (0..<r.rowCount).map { i in
                Delivery(id: try r.uuid(row: i, column: 0) ?? UUID(), requestID: try r.uuid(row: i, column: 1) ?? UUID(), origin: r.string(row: i, column: 2) ?? "",
                         type: r.string(row: i, column: 3) ?? "", channel: r.string(row: i, column: 4) ?? "", address: r.string(row: i, column: 5) ?? "",
                         status: r.string(row: i, column: 6) ?? "", attempts: Int(try r.int64(row: i, column: 7) ?? 0),
                         providerAnswer: r.string(row: i, column: 8) ?? "", subject: r.string(row: i, column: 9) ?? "", body: r.string(row: i, column: 10) ?? "",
                         createdAt: try r.date(row: i, column: 11), sentAt: try r.date(row: i, column: 12))
            }
        }
    }

    /// Every attempt of one delivery: (attempt, outcome, provider's answer).
    public func attempts(of delivery: UUID) throws -> [(attempt: Int, outcome: String, answer: String)] {
        try pool.withConnection { c in
            let r = try c.execute("SELECT attempt, outcome, answer FROM eop_notification.attempts WHERE delivery_id = $1 ORDER BY attempt", [PostgresValue(delivery)])
            return try (0..<r.rowCount).map { (Int(try r.int64(row: $0, column: 0) ?? 0), r.string(row: $0, column: 1) ?? "", r.string(row: $0, column: 2) ?? "") }
        }
    }

    // MARK: In-app inbox

    /// One in-app notification.
    public struct InboxItem: Sendable {
        public var id: UUID
        public var type: String
        public var title: String
        public var body: String
        public var createdAt: Date?
        public var read: Bool
    }

    /// A user's in-app notifications, newest first.
    public func inbox(user: String, unreadOnly: Bool = false, limit: Int = 50) throws -> [InboxItem] {
        try pool.withConnection { c in
            let r = try c.execute("""
                SELECT id, type, title, body, created_at, read_at IS NOT NULL FROM eop_notification.inbox
                WHERE user_id = $1 \(unreadOnly ? "AND read_at IS NULL" : "") ORDER BY created_at DESC, id DESC LIMIT \(max(1, min(limit, 500)))
                """, [PostgresValue(user)])
            return try (0..<r.rowCount).map { i in
                InboxItem(id: try r.uuid(row: i, column: 0) ?? UUID(), type: r.string(row: i, column: 1) ?? "", title: r.string(row: i, column: 2) ?? "",
                          body: r.string(row: i, column: 3) ?? "", createdAt: try r.date(row: i, column: 4), read: try r.bool(row: i, column: 5) ?? false)
            }
        }
    }

    /// Marks one of the user's notifications read; false when the user has no such item.
    public func markRead(user: String, id: UUID) throws -> Bool {
        try pool.withConnection { c in
            try c.execute("UPDATE eop_notification.inbox SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2",
                          [PostgresValue(id), PostgresValue(user)]).affectedRows == 1
        }
    }
}
