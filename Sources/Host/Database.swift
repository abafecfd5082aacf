import EOPEventLog
import EOPStorage
import Foundation
import Logging

/// The host's PostgreSQL: the one `EOP_DATABASE_URL` names, or — with none — a private
/// cluster under `<home>/db` that the host creates, starts and stops itself (Unix socket
/// only, no TCP port, a random superuser password).
public struct Database: Sendable {
    /// Where to connect as the host.
    public let target: DatabaseTarget
    /// The embedded cluster, when the host runs one.
    public let embedded: EmbeddedPostgres?

    /// Starts the embedded cluster when no URL is configured.
    public static func open(configuration: HostConfiguration, logger: Logger) async throws -> Database {
        if let url = configuration.databaseURL {
            let target = try DatabaseTarget(url: url)
            logger.info("database", metadata: ["url": "\(target.redacted)"])
            return Database(target: target, embedded: nil)
        }
        let cluster = EmbeddedPostgres(directory: configuration.home.appendingPathComponent("db").path, logger: logger)
        let password: String
        if cluster.isRunning {
            // A running host owns the cluster: use it, and leave it running.
            password = try String(contentsOfFile: cluster.passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            return Database(target: DatabaseTarget(host: cluster.socketDirectory, port: cluster.port, database: cluster.database,
                                                   user: cluster.superuser, password: password), embedded: nil)
        }
        try await cluster.start()
        password = try String(contentsOfFile: cluster.passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let target = DatabaseTarget(host: cluster.socketDirectory, port: cluster.port, database: cluster.database, user: cluster.superuser, password: password)
        logger.notice("embedded PostgreSQL started", metadata: ["data": "\(cluster.dataDirectory)", "socket": "\(cluster.socketDirectory)"])
        return Database(target: target, embedded: cluster)
    }

    /// Stops the embedded cluster (no-op for an external database).
    public func close(logger: Logger) async {
        guard let embedded else { return }
        do {
            try await embedded.stop()
            logger.notice("embedded PostgreSQL stopped")
        } catch {
            logger.error("embedded PostgreSQL did not stop cleanly", metadata: ["error": "\(error)"])
        }
    }
}
