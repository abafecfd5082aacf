import EOPDispatch
import EOPLoader
import EOPPlatformKit
import Foundation
import Logging

/// One EOP host process: configuration, the plugin loader and its dispatch table.
public final class Platform: Sendable {
    /// The configuration it runs with.
    public let configuration: HostConfiguration
    /// The plugin loader (and through it, the dispatch table).
    public let plugins: PluginHost
    /// When it was created.
    public let started = Date()
    private let logger: Logger

    /// Creates the host; `gate` is asked before each plugin activates.
    public init(configuration: HostConfiguration, gate: ActivationGate, logger: Logger = Logger(label: "eop.host")) throws {
        self.configuration = configuration
        self.logger = logger
        plugins = PluginHost(configuration: try configuration.loaderConfiguration(gate: gate), logger: logger)
    }

    /// Loads and activates every plugin that may run, then records the state for `eop plugins list`.
    @discardableResult
    public func boot() -> [PluginRecord] {
        let records = plugins.boot()
        writeRunState()
        let active = records.filter { $0.state == .active }.count
        logger.notice("host ready", metadata: ["active": "\(active)", "refused_or_failed": "\(records.count - active)"])
        return records
    }

    /// Rewrites `<home>/run/host.json`.
    public func writeRunState() {
        let depths = plugins.table.mailboxes.mapValues(\.depth)
        let state = RunState(pid: getpid(), started: UTCTime.format(started), records: plugins.plugins, depths: depths)
        do { try state.write(to: configuration.runDirectory) } catch {
            logger.error("cannot write run state", metadata: ["error": "\(error)"])
        }
    }

    /// Publishes what operators queued with `eop events publish`.
    public func publishSpooled() {
        for (entry, file) in OperatorSpool(runDirectory: configuration.runDirectory).takeAll() {
            guard let entry else {
                logger.error("operator event refused: not a spool entry", metadata: ["file": "\(file.path).rejected"])
                continue
            }
            do {
                let id = try plugins.publish(topic: entry.topic, payload: Data(entry.payload.utf8), source: "operator")
                logger.info("operator event published", metadata: ["topic": "\(entry.topic)", "event": "\(id)"])
            } catch {
                logger.error("operator event refused", metadata: ["topic": "\(entry.topic)", "reason": "\(error)"])
            }
        }
    }

    /// Stops every plugin, dependants first, and removes the run state.
    public func shutdown() {
        plugins.shutdown()
        RunState.remove(runDirectory: configuration.runDirectory)
        logger.notice("host stopped")
    }
}
