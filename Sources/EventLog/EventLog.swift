import EOPDispatch
import EOPLoader
import EOPManifest
import EOPStorage
import Foundation
import Logging
import Synchronization

/// Durable facts through PostgreSQL: the host's `FactTransport` (outbox, relay, ordered
/// log, per-plugin consumers) and `PluginStorage` (each plugin's schema, roles and
/// migrations). Several hosts on one database share the work without a broker.
public final class EventLog: FactTransport, PluginStorage, @unchecked Sendable {
    /// The host's database.
    public let target: DatabaseTarget
    /// Whether plugins' statements are prepared and reused per session.
    let preparedStatements: Bool
    /// The host's own connections (owner of schema `eop`).
    let hostPool: ConnectionPool
    let logger: Logger
    let retry: RetryPolicy
    let batchSize: Int
    let relay: Relay
    private let state = Mutex<State>(State())
    private let listenerStop = Atomic<Bool>(false)
    private let listenerDone = DispatchSemaphore(value: 0)

    private struct State {
        var modules: [String: ModuleDatabase] = [:]
        var pools: [String: ConnectionPool] = [:]
        var consumers: [String: DurableConsumer] = [:]
        var manifests: [String: PluginManifest] = [:]
        /// Per module, how many times migrations changed its schema: pooled sessions drop
        /// the statements they prepared under an older count (`executeCached`).
        var schemaGenerations: [String: Int] = [:]
    }

    /// Connects, creates or updates the host schema, and starts the relay and the
    /// listener that wakes consumers when any host relays new facts.
    /// - Parameter preparedStatements: plugins' statements are prepared once per session and
    ///   reused (`EOP_SQL_PREPARED`, default on). Off for a pooler that does not keep sessions,
    ///   such as PgBouncer in transaction mode, where a prepared statement can vanish.
    public init(target: DatabaseTarget, retry: RetryPolicy = RetryPolicy(), batchSize: Int = 256, poolSize: Int = 8,
                preparedStatements: Bool = true, logger: Logger = Logger(label: "eop.eventlog")) throws {
        self.preparedStatements = preparedStatements
        self.target = target
        self.retry = retry
        self.batchSize = batchSize
        self.logger = logger
        let conninfo = target.conninfo
        hostPool = ConnectionPool(name: "host", maxConnections: poolSize) { try PostgresConnection(conninfo) }
        try hostPool.withConnection { try HostSchema.bootstrap($0) }
        relay = Relay(connect: { try PostgresConnection(conninfo) }, logger: logger, onMoved: {})
        relay.onMovedHandler = { [weak self] in self?.wakeConsumers() }
        relay.start()
        startListener(conninfo: conninfo)
    }

    /// Stops the relay, the consumers and the listener, and closes connections.
    public func shutdown() {
        let (consumers, pools) = state.withLock { s in (Array(s.consumers.values), Array(s.pools.values)) }
        consumers.forEach { $0.stop(timeout: .seconds(5)) }
        relay.stop()
        listenerStop.store(true, ordering: .relaxed)
        // Their connections close before the database may stop.
        relay.waitUntilStopped(timeout: 2)
        _ = listenerDone.wait(timeout: .now() + 2)
        pools.forEach { $0.close() }
        hostPool.close()
    }

    // MARK: PluginStorage

    /// Provisions the plugin's schema and roles, sets the topics it may publish, and runs
    /// its pending migrations.
    public func prepare(_ manifest: PluginManifest) throws {
        try prepare(manifest) { [logger] in logger.info("\($0)") }
    }

    func prepare(_ manifest: PluginManifest, progress: @escaping (String) -> Void) throws {
        let module = try hostPool.withConnection { try ModuleDatabase.provision(id: manifest.id, publishes: manifest.publishes, on: $0) }
        state.withLock { s in
            s.modules[manifest.id] = module
            s.manifests[manifest.id] = manifest
        }
        let files = try MigrationFile.files(for: manifest)
        // Sessions drop their prepared statements after any migration run, also one that
        // failed part-way (the files before the failing one are committed).
        defer { state.withLock { $0.schemaGenerations[manifest.id, default: 0] += 1 } }
        let applied = try sessions(for: module).withConnection { c in
            try Migrations.apply(files, module: module, on: c, progress: progress)
        }
        if !applied.isEmpty { logger.notice("migrations applied", metadata: ["plugin": "\(manifest.id)", "count": "\(applied.count)"]) }
    }

    public func endCall(pluginID: String) {
        guard let tx = TransactionScope.current(pluginID), tx.kind == .explicit else { return }
        TransactionScope.set(nil, for: pluginID)
        logger.error("plugin left a transaction open; rolled back", metadata: ["plugin": "\(pluginID)", "unwritten_facts": "\(tx.pending.count)"])
        _ = try? tx.connection.execute("ROLLBACK", [])
        tx.finish?()
    }

    /// How many times migrations changed the module's schema in this process.
    func schemaGeneration(_ pluginID: String) -> Int { state.withLock { $0.schemaGenerations[pluginID] ?? 0 } }

    /// The module's connection pool: logged in as its session role, `SET ROLE` to its owner role.
    func sessions(for module: ModuleDatabase) -> ConnectionPool {
        state.withLock { s in
            if let pool = s.pools[module.id] { return pool }
            let conninfo = target.asUser(module.sessionRole, password: module.sessionPassword).conninfo
            let owner = module.ownerRole
            let pool = ConnectionPool(name: "module \(module.id)", maxConnections: 4) {
                let c = try PostgresConnection(conninfo)
                _ = try c.execute("SET ROLE \(owner)", [])
                return c
            }
            s.pools[module.id] = pool
            return pool
        }
    }

    /// The module record of an active plugin.
    func module(_ pluginID: String) -> ModuleDatabase? { state.withLock { $0.modules[pluginID] } }

    // MARK: FactTransport

    public func publishFact(_ envelope: EventEnvelope) throws {
        let e = envelope.event
        if let module = module(e.source) {
            let params = Self.enqueueParameters(e)
            let sql = "SELECT eop.enqueue($1, $2, $3, $4, $5, $6, $7, $8)"
            if let tx = TransactionScope.current(e.source) {
                // Inside the plugin's transaction: written when (and only if) it commits.
                tx.pending.append(e)
            } else {
                _ = try sessions(for: module).withConnection { try $0.execute(sql, params) }
                relay.wake()
            }
        } else {
            // The host itself or an operator.
            _ = try hostPool.withConnection { c in
                try c.execute("""
                    INSERT INTO eop.outbox (event_id, topic, schema_version, content_type, payload, correlation_id, causation_id, published_us, source)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                    """, Self.enqueueParameters(e) + [PostgresValue(e.source)])
            }
            relay.wake()
        }
    }

    private static func enqueueParameters(_ e: Event) -> [PostgresValue?] {
        [PostgresValue(e.id), PostgresValue(e.topic), PostgresValue(Int64(e.schemaVersion)), PostgresValue(e.contentType),
         PostgresValue(e.payload), PostgresValue(e.correlationID), e.causationID.map { PostgresValue($0) }, PostgresValue(e.timeUnixMicros)]
    }

    /// Writes a transaction's facts in one call (the caller commits right after).
    func flush(_ events: [Event], on c: PostgresConnection) throws {
        guard !events.isEmpty else { return }
        _ = try c.execute("SELECT eop.enqueue_batch($1::uuid[], $2::text[], $3::integer[], $4::text[], $5::bytea[], $6::uuid[], $7::uuid[], $8::bigint[])", [
            PostgresValue(PostgresArray.uuid(events.map(\.id))),
            PostgresValue(PostgresArray.text(events.map(\.topic))),
            PostgresValue(PostgresArray.plain(events.map { String($0.schemaVersion) })),
            PostgresValue(PostgresArray.text(events.map(\.contentType))),
            PostgresValue(PostgresArray.text(events.map { PostgresValue($0.payload).text })),
            PostgresValue(PostgresArray.uuid(events.map(\.correlationID))),
            PostgresValue(PostgresArray.plain(events.map { $0.causationID.map { $0.uuidString.lowercased() } ?? "NULL" })),
            PostgresValue(PostgresArray.plain(events.map { String($0.timeUnixMicros) })),
        ])
    }

    public func attach(pluginID: String, subscribers: [Subscriber]) throws {
        guard let module = module(pluginID) else {
            throw ModuleDatabaseError("'\(pluginID)' has no database module (prepare was not run)")
        }
        guard !subscribers.isEmpty else { return }
        let consumer = DurableConsumer(pluginID: pluginID, module: module, subscribers: subscribers, log: self)
        let old = state.withLock { s -> DurableConsumer? in
            let old = s.consumers[pluginID]
            s.consumers[pluginID] = consumer
            return old
        }
        old?.stop(timeout: .seconds(5))
        consumer.start()
    }

    public func resume(pluginID: String) {
        state.withLock { $0.consumers[pluginID] }?.resume()
    }

    public func pause(pluginID: String, timeout: Duration) -> Bool {
        state.withLock { $0.consumers[pluginID] }?.pause(timeout: timeout) ?? true
    }

    public func retarget(pluginID: String, subscribers: [Subscriber], generation: UInt64) throws {
        if let consumer = state.withLock({ $0.consumers[pluginID] }) {
            consumer.retarget(subscribers)
        } else {
            try attach(pluginID: pluginID, subscribers: subscribers)  // starts paused, like every consumer
        }
    }

    public func detach(pluginID: String, timeout: Duration) {
        let consumer = state.withLock { $0.consumers.removeValue(forKey: pluginID) }
        consumer?.stop(timeout: timeout)
    }

    /// Waits until the outbox is empty and every consumer on this host has reached the end
    /// of the log for its topics.
    public func drain(timeout: Duration) -> Bool {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        while Date() < deadline {
            wakeConsumers()
            if (try? pendingWork()) == false { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    private func pendingWork() throws -> Bool {
        let consumers = state.withLock { Array($0.consumers.values) }
        return try hostPool.withConnection { c in
            if try c.execute("SELECT EXISTS (SELECT 1 FROM eop.outbox)", []).flag(0, 0) { return true }
            for consumer in consumers {
                let s = consumer.module.quotedSchema
                let topics = state.withLock { $0.manifests[consumer.pluginID]?.subscribes.map(\.topic) } ?? []
                let behind = try c.execute("""
                    SELECT EXISTS (SELECT 1 FROM eop.events e, \(s).eop_offset o WHERE o.lane = 0 AND e.position > o.position AND e.topic = ANY($1::text[]))
                    """, [PostgresValue(PostgresArray.text(topics))])
                if try behind.flag(0, 0) { return true }
            }
            return false
        }
    }

    public var attachedSubscribers: [Subscriber] {
        state.withLock { Array($0.consumers.values) }.flatMap(\.allSubscribers)
    }

    /// Facts in the log that each attached plugin on this host has not handled yet: the
    /// durable transport's mailbox depth.
    public func backlog() -> [String: Int] {
        let consumers = state.withLock { Array($0.consumers.values) }
        var depths: [String: Int] = [:]
        _ = try? hostPool.withConnection(timeout: .seconds(2)) { c in
            for consumer in consumers {
                let topics = consumer.allSubscribers.map(\.topic)
                let r = try c.execute("""
                    SELECT count(*) FROM eop.events e, \(consumer.module.quotedSchema).eop_offset o
                    WHERE o.lane = 0 AND e.position > o.position AND e.topic = ANY($1::text[])
                    """, [PostgresValue(PostgresArray.text(topics))])
                depths[consumer.pluginID] = Int(try r.integer(0, 0))
            }
        }
        return depths
    }

    /// nil when the database answers, else why not (for `/ready`).
    public func ping() -> String? {
        do {
            _ = try hostPool.withConnection(timeout: .seconds(2)) { try $0.execute("SELECT 1", []) }
            return nil
        } catch {
            logger.error("readiness: database unavailable", metadata: ["error": "\(error)"])
            return "database unavailable"
        }
    }

    // MARK: Reading and dead letters

    /// The next events of `topics` after `position`, in order.
    /// Events of any topic when `topicsLiteral` is nil.
    func read(after position: Int64, topicsLiteral: String?, limit: Int) throws -> [(Int64, Event)] {
        try hostPool.withConnection { c in
            let r = try c.execute("""
                SELECT position, event_id, topic, schema_version, content_type, payload, source, correlation_id, causation_id, published_us
                FROM eop.events WHERE position > $1 AND ($2::text[] IS NULL OR topic = ANY($2::text[])) ORDER BY position LIMIT $3
                """, [PostgresValue(position), topicsLiteral.map { PostgresValue($0) }, PostgresValue(Int64(limit))])
            return try (0..<r.rowCount).map { i in
                (try r.integer(i, 0), Event(
                    topic: try r.text(i, 2), schemaVersion: UInt32(try r.integer(i, 3)),
                    contentType: try r.text(i, 4), payload: try r.data(i, 5),
                    id: try r.id(i, 1), timeUnixMicros: try r.integer(i, 9),
                    source: try r.text(i, 6), correlationID: try r.id(i, 7),
                    causationID: r.isNull(row: i, column: 8) ? nil : try r.id(i, 8)))
            }
        }
    }

    /// Events an operator asked to replay to `pluginID`.
    func replays(for pluginID: String) throws -> [(Int64, Event)] {
        let ids = try hostPool.withConnection { c in
            try c.execute("SELECT e.position FROM eop.replays r JOIN eop.events e USING (event_id) WHERE r.subscriber = $1 ORDER BY e.position",
                          [PostgresValue(pluginID)])
        }
        guard ids.rowCount > 0 else { return [] }
        return try (0..<ids.rowCount).flatMap { i -> [(Int64, Event)] in
            let p = try ids.integer(i, 0)
            return try read(after: p - 1, topicsLiteral: nil, limit: 1)
        }
    }

    /// Removes the replay requests that were dealt with (newer ones stay).
    func forgetReplays(of pluginID: String, events: [UUID]) throws {
        _ = try hostPool.withConnection {
            try $0.execute("DELETE FROM eop.replays WHERE subscriber = $1 AND event_id = ANY($2::uuid[])",
                           [PostgresValue(pluginID), PostgresValue(PostgresArray.uuid(events))])
        }
    }

    func markReplayed(_ eventID: UUID, subscriber: String) throws {
        _ = try hostPool.withConnection {
            try $0.execute("UPDATE eop.dead_letters SET replayed_at = now() WHERE subscriber = $1 AND event_id = $2",
                           [PostgresValue(subscriber), PostgresValue(eventID)])
        }
    }

    func deadLetter(_ event: Event, position: Int64, subscriber: Subscriber, reason: String, attempts: Int, replace: Bool = false) throws {
        logger.warning("event dead-lettered", metadata: ["plugin": "\(subscriber.pluginID)", "topic": "\(event.topic)", "event": "\(event.id)", "reason": "\(reason)"])
        _ = try hostPool.withConnection { c in
            try c.execute("""
                INSERT INTO eop.dead_letters (id, subscriber, handler, event_id, position, reason, attempts)
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (subscriber, event_id) DO
                """ + (replace ? " UPDATE SET reason = EXCLUDED.reason, attempts = eop.dead_letters.attempts + 1, replayed_at = NULL" : " NOTHING"), [PostgresValue(UUID()), PostgresValue(subscriber.pluginID), PostgresValue(subscriber.handlerName),
                      PostgresValue(event.id), PostgresValue(position), PostgresValue(reason), PostgresValue(Int64(attempts))])
        }
    }

    // MARK: Wake-ups

    func wakeConsumers() {
        state.withLock { Array($0.consumers.values) }.forEach { $0.wake() }
    }

    /// LISTEN eop_events: another host's relay moved facts.
    private func startListener(conninfo: String) {
        let done = listenerDone
        let t = Thread { [weak self] in
            defer { done.signal() }
            while let self, !self.listenerStop.load(ordering: .relaxed) {
                do {
                    let c = try PostgresConnection(conninfo)
                    defer { c.close() }
                    try c.listen("eop_events")
                    while !self.listenerStop.load(ordering: .relaxed) {
                        if !(try c.waitForNotifications(timeout: .milliseconds(250))).isEmpty { self.wakeConsumers() }
                    }
                } catch {
                    self.logger.error("event listener failed; reconnecting", metadata: ["error": "\(error)"])
                    Thread.sleep(forTimeInterval: 0.5)
                }
            }
        }
        t.name = "eop.listener"
        t.start()
    }
}
