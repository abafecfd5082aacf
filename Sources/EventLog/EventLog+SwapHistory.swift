import EOPLoader
import EOPStorage
import Foundation

/// Swap records in `eop.swaps`, one JSON document per swap, so the history outlives
/// the host process and every host on the database sees it.
extension EventLog: SwapHistoryStore {
    public func record(_ record: SwapRecord) {
        do {
            let json = String(decoding: try Self.swapCoder.encoder.encode(record), as: UTF8.self)
            _ = try hostPool.withConnection { c in
                try c.execute("INSERT INTO eop.swaps (plugin, at, record) VALUES ($1, to_timestamp($2::float8), $3::jsonb)",
                              [PostgresValue(record.plugin), PostgresValue(record.at.timeIntervalSince1970), PostgresValue(json)])
            }
        } catch {
            logger.error("swap record not stored", metadata: ["plugin": "\(record.plugin)", "error": "\(error)"])
        }
    }

    public func history(of pluginID: String?) throws -> [SwapRecord] {
        try hostPool.withConnection { c in
            let rows = try c.execute("SELECT record::text FROM eop.swaps WHERE $1::text IS NULL OR plugin = $1 ORDER BY id DESC LIMIT 200",
                                     [pluginID.map { PostgresValue($0) }])
            return try (0..<rows.rowCount).reversed().map { try Self.swapCoder.decoder.decode(SwapRecord.self, from: Data(rows.text($0, 0).utf8)) }
        }
    }

    private static let swapCoder: (encoder: JSONEncoder, decoder: JSONDecoder) = {
        let e = JSONEncoder(), d = JSONDecoder()
        e.dateEncodingStrategy = .iso8601
        d.dateDecodingStrategy = .iso8601
        return (e, d)
    }()
}
