import EOPGateway
import Foundation
import Logging
import ServiceLifecycle

/// Runs the host inside a ServiceGroup: boots the plugins, serves until a graceful
/// shutdown (SIGINT/SIGTERM), then stops them in reverse dependency order.
public struct PlatformService: Service {
    let platform: Platform
    let logger: Logger

    /// Wraps a platform.
    public init(platform: Platform, logger: Logger) {
        self.platform = platform
        self.logger = logger
    }

    public func run() async throws {
        platform.boot()
        // Rationale: polling a folder four times a second costs nothing measurable
        // and needs no socket; the storage issue replaces it with LISTEN/NOTIFY.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                platform.publishSpooled()
                platform.writeRunState()
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        platform.shutdown()
    }

    /// Opens the database (starting the embedded cluster when no URL is set), runs the
    /// platform until SIGINT or SIGTERM, then stops the plugins and the cluster.
    public static func run(configuration: HostConfiguration, logger: Logger) async throws {
        let database = try await Database.open(configuration: configuration, logger: logger)
        do {
            let platform = try Platform(configuration: configuration, database: database.target, logger: logger)
            try await runUntilSignalled(platform, logger: logger)
        } catch {
            await database.close(logger: logger)
            throw error
        }
        await database.close(logger: logger)
    }

    /// Runs the platform and its HTTP gateway until SIGINT or SIGTERM. The gateway stops
    /// first (services stop in reverse order), then the plugins.
    public static func runUntilSignalled(_ platform: Platform, logger: Logger) async throws {
        let gateway = Gateway(plugins: platform.plugins, configuration: try platform.gatewayConfiguration(), logger: logger)
        let app = gateway.application { port in
            logger.notice("HTTP gateway listening", metadata: ["address": "http://\(platform.configuration.httpHost):\(port)"])
            platform.gatewayListening(port: port)
        }
        let group = ServiceGroup(configuration: .init(
            services: [PlatformService(platform: platform, logger: logger), app],
            gracefulShutdownSignals: [.sigint, .sigterm],
            logger: logger
        ))
        try await group.run()
    }
}
