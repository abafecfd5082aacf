import EOPStorage
import Foundation
import Logging

/// Sends queued deliveries: claims a few due rows (`FOR UPDATE SKIP LOCKED`, then a lease
/// in `claimed_until`, so several hosts share the work and a crashed host's rows come
/// back), calls the channel's provider outside any transaction, and records the attempt
/// and the provider's answer. A temporary failure is retried after
/// `retryDelay · 2^(attempt-1)`; after `maxAttempts`, or on a permanent refusal, the row
/// is `failed` and stays visible in the admin API.
final class Sender: @unchecked Sendable {
    private unowned let notifications: Notifications
    private let worker = Worker(name: "eop.notification.sender")
    private let mailer: SMTPMailer?

    init(notifications: Notifications) {
        self.notifications = notifications
        let c = notifications.configuration
        mailer = c.smtp.map { SMTPMailer(settings: $0, timeout: c.sendTimeout) }
    }

    func start() { worker.start { [self] in run() } }
    func stop() { worker.stop(timeout: notifications.configuration.sendTimeout.seconds + 5) }
    func wake() { worker.wake() }

    private func run() {
        while !worker.isStopped {
            do {
                if try step() > 0 { continue }
            } catch {
                notifications.logger.error("notification sender failed; will retry", metadata: ["error": "\(error)"])
            }
            worker.nap(0.25)
        }
    }

    private struct Claimed {
        let id: UUID, channel: Channel, address: String, type: String, subject: String, html: String, body: String, attempts: Int
        let user: String?
    }

    /// Sends one claimed batch; returns how many rows it handled.
    func step() throws -> Int {
        let rows = try notifications.pool.withConnection { c -> [Claimed] in
            let r = try c.execute("""
                UPDATE eop_notification.deliveries SET claimed_until = now() + interval '5 minutes'
                WHERE id IN (SELECT id FROM eop_notification.deliveries
                             WHERE status = 'queued' AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
                             ORDER BY next_attempt_at LIMIT 16 FOR UPDATE SKIP LOCKED)
                RETURNING id, channel, address, type, subject, html, body, attempts, user_id
                """, [])
            return try (0..<r.rowCount).compactMap { i in
                guard let id = try r.uuid(row: i, column: 0), let channel = Channel(rawValue: r.string(row: i, column: 1) ?? "") else { return nil }
                return Claimed(id: id, channel: channel, address: r.string(row: i, column: 2) ?? "", type: r.string(row: i, column: 3) ?? "",
                               subject: r.string(row: i, column: 4) ?? "", html: r.string(row: i, column: 5) ?? "", body: r.string(row: i, column: 6) ?? "",
                               attempts: Int(try r.int64(row: i, column: 7) ?? 0), user: r.string(row: i, column: 8))
            }
        }
        for row in rows {
            let outcome = deliver(row)
            try record(row, outcome)
        }
        return rows.count
    }

    private func deliver(_ row: Claimed) -> SendOutcome {
        switch row.channel {
        case .email:
            guard let mailer else { return .failed("email is not configured: set EOP_SMTP_URL and EOP_SMTP_FROM") }
            return mailer.send(to: row.address, subject: row.subject, html: row.html, text: row.body)
        case .sms:
            return notifications.providers.sendSMS(to: row.address, body: row.body)
        case .push:
            return notifications.providers.sendPush(token: row.address, title: row.subject, body: row.body)
        case .inapp:
            do {
                _ = try notifications.pool.withConnection { c in
                    try c.execute("""
                        INSERT INTO eop_notification.inbox (id, user_id, delivery_id, type, title, body) VALUES ($1, $2, $3, $4, $5, $6)
                        ON CONFLICT (delivery_id) DO NOTHING
                        """, [PostgresValue(UUID()), PostgresValue(row.address), PostgresValue(row.id), PostgresValue(row.type),
                              PostgresValue(row.subject), PostgresValue(row.body)])
                }
                return .sent("stored in the in-app inbox of \(row.address)")
            } catch {
                return .retry("in-app inbox: \(error)")
            }
        }
    }

    private func record(_ row: Claimed, _ outcome: SendOutcome) throws {
        let attempt = row.attempts + 1
        let config = notifications.configuration
        var status = "queued"
        switch outcome {
        case .sent: status = "sent"
        case .failed: status = "failed"
        case .retry: status = attempt >= config.maxAttempts ? "failed" : "queued"
        }
        let answer = status == "failed" && outcome.name == "retry" ? "gave up after \(attempt) attempts: \(outcome.answer)" : outcome.answer
        let delayMS = Int64(config.delay(afterAttempt: attempt).seconds * 1000)
        try notifications.pool.withConnection { c in
            try c.transaction { c in
                _ = try c.execute("INSERT INTO eop_notification.attempts (delivery_id, attempt, outcome, answer) VALUES ($1, $2, $3, $4)",
                                  [PostgresValue(row.id), PostgresValue(attempt), PostgresValue(outcome.name), PostgresValue(outcome.answer)])
                _ = try c.execute("""
                    UPDATE eop_notification.deliveries SET status = $2, attempts = $3, provider_answer = $4, claimed_until = NULL,
                        sent_at = CASE WHEN $2 = 'sent' THEN now() END,
                        next_attempt_at = CASE WHEN $2 = 'queued' THEN now() + $5 * interval '1 millisecond' ELSE next_attempt_at END
                    WHERE id = $1
                    """, [PostgresValue(row.id), PostgresValue(status), PostgresValue(attempt), PostgresValue(answer), PostgresValue(delayMS)])
            }
        }
        let metadata: Logger.Metadata = ["delivery": "\(row.id)", "channel": "\(row.channel.rawValue)", "attempt": "\(attempt)", "answer": "\(outcome.answer)"]
        switch status {
        case "sent": notifications.logger.info("notification sent", metadata: metadata)
        case "failed": notifications.logger.error("notification failed", metadata: metadata)
        default: notifications.logger.warning("notification will be retried", metadata: metadata)
        }
    }
}
