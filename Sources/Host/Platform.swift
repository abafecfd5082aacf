import EOPAdmin
import EOPConsole
import EOPDispatch
import EOPIdentity
import EOPStorage
import EOPGateway
import EOPEventLog
import EOPLicense
import EOPLoader
import EOPManifest
import EOPNotification
import EOPOutbound
import EOPPlatformKit
import Foundation
import Logging
import Synchronization

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
    /// Staff, customers, sessions and API tokens; nil without a database.
    public let identity: IdentityStore?
    /// Email, SMS, push and in-app notifications driven by facts; nil without a database.
    public let notifications: Notifications?
    /// When it was created.
    public let started = Date()
    private let booted = Mutex(false)
    private let httpAddress = Mutex<String?>(nil)

    /// Records where the gateway listens (it may have picked a free port).
    public func gatewayListening(port: Int) {
        httpAddress.withLock { $0 = "http://\(configuration.httpHost):\(port)" }
        // host.json means "booted"; before that, boot() writes it with the address.
        if isBooted { writeRunState() }
    }

    /// Whether `boot()` has finished.
    public var isBooted: Bool { booted.withLock { $0 } }
    private let logger: Logger

    /// Creates the host: reads the license (the development one is created on first run
    /// in development mode) and prepares the loader; nothing is loaded until `boot()`.
    /// With `database`, facts are durable and plugins get their schema and `eop.sql.v1`;
    /// without, everything stays in memory (checks, listings, tests of the table).
    public init(configuration: HostConfiguration, database: DatabaseTarget? = nil, logger: Logger = Logger(label: "eop.host")) throws {
        self.configuration = configuration
        self.logger = logger
        license = try LicenseActivationGate.boot(configuration: configuration)
        eventLog = try database.map { try EventLog(target: $0, preparedStatements: configuration.sqlPreparedStatements, logger: logger) }
        identity = try database.map { target in
            let store = IdentityStore(pool: ConnectionPool(name: "identity", maxConnections: 4) { try PostgresConnection(target.conninfo) }, logger: logger)
            try store.bootstrap()
            return store
        }
        let loader = try configuration.loaderConfiguration(gate: license, eventLog: eventLog)
        plugins = PluginHost(configuration: loader, logger: logger)
        eventLog?.registerExtensions(on: plugins)
        HTTPClientExtension.register(on: plugins)
        if let identity { try FirstOwnerAnswer.install(on: plugins, identity: identity, logger: logger) }
        notifications = try Self.notifications(database: database, configuration: configuration, events: loader.events, identity: identity, logger: logger)
        if let notifications, let eventLog { notifications.registerExtension(on: plugins, storage: eventLog) }
    }

    /// Loads and activates every plugin that may run, then records the state for `eop plugins list`.
    @discardableResult
    public func boot() -> [PluginRecord] {
        if let banner = license.gate.banner { logger.warning("\(banner)") }
        for warning in license.gate.warnings { logger.warning("license: \(warning)") }
        let records = plugins.boot()
        notifications?.start()
        booted.withLock { $0 = true }
        writeRunState()
        let active = records.filter { $0.state == .active }.count
        logger.notice("host ready", metadata: ["active": "\(active)", "refused_or_failed": "\(records.count - active)"])
        return records
    }

    /// Rewrites `<home>/run/host.json`.
    public func writeRunState() {
        let depths = plugins.table.mailboxes.mapValues(\.depth)
        let state = RunState(pid: getpid(), started: UTCTime.format(started), records: plugins.plugins, depths: depths,
                             catalog: catalogRows(), licenseBanner: license.gate.banner, http: httpAddress.withLock { $0 })
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
                // PlatformKit, License and Notification are built into the host; a core module not built yet says so.
                let built = ["platformkit", "license"].contains(row.id) || (row.id == "notification" && notifications != nil)
                return RunState.Plugin(id: row.id, state: built ? "active" : "not installed",
                                       reason: built ? nil : row.id == "notification" ? "core host module; it runs only with a database"
                                           : "core host module, not in this host build yet")
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
        OperatorToken.remove(runDirectory: configuration.runDirectory)
        plugins.shutdown()
        if let eventLog { notifications?.unregisterExtension(storage: eventLog) }
        notifications?.stop()
        eventLog?.shutdown()
        RunState.remove(runDirectory: configuration.runDirectory)
        logger.notice("host stopped")
    }
}

extension Platform {
    /// nil when the host serves: booted and its database answers.
    public func readiness() -> String? {
        guard isBooted else { return "plugins are still loading" }
        return eventLog?.ping()
    }

    /// Prometheus text for what swift-metrics does not hold: plugin states, mailbox
    /// depth, and each subscription's delivered / retried / dead-lettered counts.
    public func pluginMetrics() -> String {
        func label(_ s: String) -> String { s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") }
        var lines = ["# TYPE eop_plugin_state gauge"]
        for p in plugins.plugins { lines.append("eop_plugin_state{plugin=\"\(label(p.id))\",state=\"\(p.state.rawValue)\"} 1") }
        lines.append("# TYPE eop_mailbox_depth gauge")
        for (id, depth) in mailboxDepths().sorted(by: { $0.key < $1.key }) { lines.append("eop_mailbox_depth{plugin=\"\(label(id))\"} \(depth)") }
        for (name, read) in [("delivered", { (s: Subscriber) in s.delivered.load(ordering: .relaxed) }),
                             ("retried", { (s: Subscriber) in s.retried.load(ordering: .relaxed) }),
                             ("dead_lettered", { (s: Subscriber) in s.deadLettered.load(ordering: .relaxed) })] {
            lines.append("# TYPE eop_events_\(name)_total counter")
            for s in plugins.transport.attachedSubscribers {
                lines.append("eop_events_\(name)_total{topic=\"\(label(s.topic))\",subscriber=\"\(label(s.pluginID))\"} \(read(s))")
            }
        }
        lines.append("# HELP eop_plugin_resident_generations Old Swift images of a plugin still mapped after swaps (a restart frees them)")
        lines.append("# TYPE eop_plugin_resident_generations gauge")
        for p in plugins.plugins where p.manifest != nil {
            lines.append("eop_plugin_resident_generations{plugin=\"\(label(p.id))\"} \(plugins.residentGenerations(p.id))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension Platform {
    /// `notification.settings.changed`: staff changed a notification type, template or rule
    /// (Launcher ticks its checklist from it). A failed publish is logged; the change stays saved.
    static func publishSettingsChanged(_ plugins: PluginHost, what: String, id: String, logger: Logger) {
        do {
            let payload = try JSONSerialization.data(withJSONObject: ["what": what, "id": id], options: [.sortedKeys])
            try plugins.publish(topic: "notification.settings.changed", payload: payload, source: "notification")
        } catch {
            logger.error("notification.settings.changed not published", metadata: ["what": "\(what)", "id": "\(id)", "error": "\(error)"])
        }
    }

    /// The gateway's view of this host: identity for principals, the admin API and console.
    public func gatewayConfiguration() throws -> Gateway.Configuration {
        var gateway = Gateway.Configuration(host: configuration.httpHost, port: configuration.httpPort,
                                            readiness: { [self] in readiness() }, extraMetrics: { [self] in pluginMetrics() })
        if let identity {
            let admin = AdminRoutes(backend: PlatformAdmin(platform: self), store: identity, renderer: try ConsoleRenderer(),
                                    operatorToken: try OperatorToken.create(runDirectory: configuration.runDirectory), logger: logger)
            gateway.principals = IdentityPrincipals(store: identity)
            let accounts = AccountRoutes(store: identity)
            let notificationRoutes = notifications.map {
                NotificationRoutes(notifications: $0, principals: gateway.principals) { [plugins, logger] what, id in
                    Self.publishSettingsChanged(plugins, what: what, id: id, logger: logger)
                }
            }
            gateway.hostRoutes = { router in
                admin.register(on: router)
                accounts.register(on: router)
                notificationRoutes?.register(on: router)
            }
            gateway.hostOpenAPIPaths = AdminRoutes.openAPIPaths.merging(AccountRoutes.openAPIPaths) { a, _ in a }
                .merging(notificationRoutes == nil ? [:] : NotificationRoutes.openAPIPaths) { a, _ in a }
        }
        return gateway
    }
}

extension Platform {
    /// Events waiting per plugin: the in-memory mailboxes, or the durable backlog.
    public func mailboxDepths() -> [String: Int] {
        let memory = plugins.table.mailboxes.mapValues(\.depth)
        return memory.merging(eventLog?.backlog() ?? [:]) { a, b in a + b }
    }
}

extension Platform {
    /// The notification module on the host's database; a user's email comes from Identity.
    static func notifications(database: DatabaseTarget?, configuration: HostConfiguration, events: EventCatalog, identity: IdentityStore?,
                              logger: Logger) throws -> Notifications? {
        guard let database else { return nil }
        let conninfo = database.conninfo
        return try Notifications(connect: { try PostgresConnection(conninfo) }, events: events, configuration: configuration.notification,
                                 directory: { user in UUID(uuidString: user).flatMap { try? identity?.customer($0)?.email } }, logger: logger)
    }
}
