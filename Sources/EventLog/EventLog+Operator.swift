import EOPStorage
import Foundation

/// A dead letter as the operator sees it.
public struct DeadLetterRow: Sendable {
    public var id: UUID
    public var subscriber: String
    public var handler: String
    public var eventID: UUID
    public var topic: String
    public var reason: String
    public var attempts: Int
    public var createdAt: Date
    public var replayedAt: Date?
}

extension EventLog {
    /// Every dead letter, oldest first.
    public static func deadLetters(target: DatabaseTarget) throws -> [DeadLetterRow] {
        let c = try PostgresConnection(target.conninfo)
        defer { c.close() }
        return try deadLetters(on: c, id: nil)
    }

    /// The dead letters (or the one with `id`), oldest first.
    private static func deadLetters(on c: PostgresConnection, id: UUID?) throws -> [DeadLetterRow] {
        let r = try c.execute("""
            SELECT d.id, d.subscriber, d.handler, d.event_id, coalesce(e.topic, '?'), d.reason, d.attempts, d.created_at, d.replayed_at
            FROM eop.dead_letters d LEFT JOIN eop.events e USING (event_id)
            WHERE $1::uuid IS NULL OR d.id = $1 ORDER BY d.created_at
            """, [id.map { PostgresValue($0) }])
        return try (0..<r.rowCount).map { i in
            DeadLetterRow(id: try r.id(i, 0), subscriber: try r.text(i, 1), handler: try r.text(i, 2), eventID: try r.id(i, 3),
                          topic: try r.text(i, 4), reason: try r.text(i, 5), attempts: Int(try r.integer(i, 6)),
                          createdAt: try r.date(row: i, column: 7) ?? Date(), replayedAt: try r.date(row: i, column: 8))
        }
    }

    /// Asks whichever host serves the subscriber to deliver the dead letter again (at its
    /// next batch). The subscriber's inbox makes a second success impossible.
    public static func requestReplay(deadLetter id: UUID, target: DatabaseTarget) throws -> DeadLetterRow {
        let c = try PostgresConnection(target.conninfo)
        defer { c.close() }
        guard let row = try deadLetters(on: c, id: id).first else {
            throw ModuleDatabaseError("no dead letter with id \(id.uuidString.lowercased())")
        }
        _ = try c.execute("INSERT INTO eop.replays (subscriber, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                          [PostgresValue(row.subscriber), PostgresValue(row.eventID)])
        _ = try c.execute("SELECT pg_notify('eop_events', '')", [])
        return row
    }

    /// Provisions the plugin and runs its migrations, reporting each step.
    public func migrate(_ manifest: EOPManifest.PluginManifest, progress: @escaping (String) -> Void) throws {
        try prepare(manifest, progress: progress)
    }
}

import EOPManifest
