import EOPDispatch
import EOPEventLog
import EOPLicense
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
    /// The license's answers, asked before every plugin activates.
    public let license: LicenseActivationGate
    /// Durable facts and module storage; nil when the host runs without a database.
    public let eventLog: EventLog?
    /// When it was created.
    public let started = Date()
    private let logger: Logger

    /// Creates the host: reads the license (the development one is created on first run
    /// in development mode) and prepares the loader; nothing is loaded until `boot()`.
    /// With `database`, facts are durable and plugins get their schema and `eop.sql.v1`;
    /// without, everything stays in memory (checks, listings, tests of the table).
    public init(configuration: HostConfiguration, database: DatabaseTarget? = nil, logger: Logger = Logger(label: "eop.host")) throws {
        self.configuration = configuration
        self.logger = logger
        license = try LicenseActivationGate.boot(configuration: configuration)
        eventLog = try database.map { try EventLog(target: $0, logger: logger) }
        plugins = PluginHost(configuration: try configuration.loaderConfiguration(gate: license, eventLog: eventLog), logger: logger)
        eventLog?.registerExtensions(on: plugins)
    }

    /// Loads and activates every plugin that may run, then records the state for `eop plugins list`.
    @discardableResult
    public func boot() -> [PluginRecord] {
        if let banner = license.gate.banner { logger.warning("\(banner)") }
        for warning in license.gate.warnings { logger.warning("license: \(warning)") }
        let records = plugins.boot()
        writeRunState()
        let active = records.filter { $0.state == .active }.count
        logger.notice("host ready", metadata: ["active": "\(active)", "refused_or_failed": "\(records.count - active)"])
        return records
    }

    /// Rewrites `<home>/run/host.json`.
    public func writeRunState() {
        let depths = plugins.table.mailboxes.mapValues(\.depth)
        let state = RunState(pid: getpid(), started: UTCTime.format(started), records: plugins.plugins, depths: depths,
                             catalog: catalogRows(), licenseBanner: license.gate.banner)
        do { try state.write(to: configuration.runDirectory) } catch {
            logger.error("cannot write run state", metadata: ["error": "\(error)"])
        }
    }

    /// Every tiers.json module without a plugin manifest, with the license's answer.
    public func catalogRows(for records: [PluginRecord]? = nil) -> [RunState.Plugin] {
        let installed = Set((records ?? plugins.plugins).map(\.id))
        return license.catalogRows(installed: installed).map { row in
            switch (row.core, row.decision) {
            case (true, _):
                // PlatformKit and License are built into the host; a core module not built yet says so.
                let built = ["platformkit", "license"].contains(row.id)
                return RunState.Plugin(id: row.id, state: built ? "active" : "not installed",
                                       reason: built ? nil : "core host module, not in this host build yet")
            case (false, .entitled):
                return RunState.Plugin(id: row.id, state: "not installed", reason: "entitled by the license; no plugin installed")
            case (false, .refused(let reason)):
                return RunState.Plugin(id: row.id, state: "refused", reason: reason)
            }
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
        eventLog?.shutdown()
        RunState.remove(runDirectory: configuration.runDirectory)
        logger.notice("host stopped")
    }
}
