import EOPABI
import EOPDispatch
import EOPManifest
import EOPPlatformKit
import Foundation
import Logging
import Synchronization

/// Loads plugins, checks them, runs their lifecycle and wires them into the dispatch
/// table. Control calls (boot, activate, deactivate, shutdown) are serialised; the
/// host functions plugins call may come from any thread.
public final class PluginHost: @unchecked Sendable {
    /// Topic routes and mailboxes.
    public let table: DispatchTable
    /// Optional capabilities offered to plugins.
    public let extensions = ExtensionRegistry()
    /// Where facts go: the dispatch table (in memory) unless the configuration gives a durable transport.
    public let transport: FactTransport
    /// The configuration it was made with.
    public let configuration: LoaderConfiguration
    let logger: Logger
    let pluginLogger: Logger

    let control = NSRecursiveLock()
    private let state = Mutex<(records: [String: PluginRecord], order: [String])>(([:], []))
    private let routeState = Mutex<(bindings: [String: [RouteBinding]], version: Int)>(([:], 0))

    /// Every active plugin's routes.
    public var routeBindings: [RouteBinding] { routeState.withLock { $0.bindings.values.flatMap { $0 } } }
    /// Changes whenever a plugin's routes come or go (the gateway rebuilds its matcher).
    public var routesVersion: Int { routeState.withLock { $0.version } }

    func setRoutes(_ bindings: [RouteBinding]?, for pluginID: String) {
        routeState.withLock { s in
            s.bindings[pluginID] = bindings
            s.version += 1
        }
    }

    /// The active route another plugin already serves at the same method and path, if any.
    func routeConflict(_ routes: [Route], pluginID: String) -> String? {
        let taken = routeState.withLock { s in s.bindings.filter { $0.key != pluginID }.values.flatMap { $0 } }
        for route in routes {
            if let other = taken.first(where: { $0.route.method == route.method && Self.samePattern($0.route.path, route.path) }) {
                return "route \(route.method) \(route.path) is already served by '\(other.pluginID)'"
            }
        }
        return nil
    }

    /// Patterns that match the same paths: equal up to the names of their parameters.
    static func samePattern(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: "/"), y = b.split(separator: "/")
        return x.count == y.count && zip(x, y).allSatisfy { $0 == $1 || ($0.hasPrefix("{") && $1.hasPrefix("{")) }
    }
    var contexts: [String: PluginContext] = [:]  // guarded by `control`
    /// Swap history, earlier versions and resident Swift images (PluginHost+Swap).
    let swapBook = Mutex(SwapBook())

    /// Creates a host; nothing is loaded until `boot()`.
    public init(configuration: LoaderConfiguration, table: DispatchTable? = nil, logger: Logger = Logger(label: "eop.loader")) {
        self.configuration = configuration
        let table = table ?? DispatchTable(logger: logger)
        self.table = table
        self.transport = configuration.transport ?? table
        self.logger = logger
        var pluginLogger = logger
        pluginLogger[metadataKey: "component"] = "plugin"
        self.pluginLogger = pluginLogger
        installDirectory()
        extensions.register(EOP_EXT_HOOK_V1, table: UnsafeRawPointer(HookExtension.table))
    }

    // MARK: Records

    /// Every plugin the host knows, in activation order, refused ones last.
    public var plugins: [PluginRecord] {
        state.withLock { s in
            let ordered = s.order.compactMap { s.records[$0] }
            let rest = s.records.values.filter { !s.order.contains($0.id) }.sorted { $0.id < $1.id }
            return ordered + rest
        }
    }

    /// One plugin's record.
    public func plugin(_ id: String) -> PluginRecord? { state.withLock { $0.records[id] } }

    func update(_ id: String, _ change: (inout PluginRecord) -> Void) {
        state.withLock { s in
            if var record = s.records[id] {
                change(&record)
                s.records[id] = record
            }
        }
    }

    private func refuse(_ id: String, _ reason: String, state newState: PluginState = .refused) {
        update(id) {
            $0.state = newState
            $0.reason = reason
        }
        logger.warning("plugin \(newState.rawValue)", metadata: ["plugin": "\(id)", "reason": "\(reason)"])
    }

    // MARK: Boot

    /// Reads every manifest, orders plugins by dependency, and loads, initialises and
    /// activates each one that may run. A plugin that cannot run is kept with its reason;
    /// nothing stops the others. Returns the records.
    @discardableResult
    public func boot() -> [PluginRecord] {
        control.lock(); defer { control.unlock() }
        for manifest in orderedRunnable(dependenciesIn: .active) { start(manifest) }
        addWarnings()
        return plugins
    }

    /// Reads the manifests, refuses what the dependency order rules out, and yields the
    /// rest in dependency order — each only once its dependencies have reached `needed`
    /// (the caller advances them as it goes); one whose dependency did not is refused.
    private func orderedRunnable(dependenciesIn needed: PluginState) -> AnySequence<PluginManifest> {
        let manifests = readManifests()
        let resolution = DependencyOrder.resolve(manifests)
        state.withLock { $0.order = resolution.order }
        for (id, reason) in resolution.refusals { refuse(id, reason) }
        let byID = Dictionary(manifests.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return AnySequence(resolution.order.lazy.compactMap { [self] id -> PluginManifest? in
            guard let manifest = byID[id], plugin(id)?.state == .installed else { return nil }
            if let blocked = manifest.dependencies.first(where: { plugin($0.id)?.state != needed }) {
                let dep = plugin(blocked.id)
                refuse(id, "needs '\(blocked.id)', which is \(dep?.state.rawValue ?? "missing")" + (dep?.reason.map { ": \($0)" } ?? ""))
                return nil
            }
            return manifest
        })
    }

    private func readManifests() -> [PluginManifest] {
        var manifests: [PluginManifest] = []
        for file in ManifestDiscovery.files(in: configuration.manifestPaths) {
            do {
                let manifest = try PluginManifest.load(from: file)
                let duplicate = state.withLock { s -> PluginRecord? in
                    if let existing = s.records[manifest.id] { return existing }
                    s.records[manifest.id] = PluginRecord(id: manifest.id, manifest: manifest, file: file.path, state: .installed)
                    return nil
                }
                if let duplicate {
                    logger.error("duplicate plugin id", metadata: ["plugin": "\(manifest.id)", "file": "\(file.path)", "first": "\(duplicate.file)"])
                    let key = "\(manifest.id) (\(file.lastPathComponent))"
                    state.withLock { $0.records[key] = PluginRecord(id: key, manifest: nil, file: file.path, state: .refused,
                                                                    reason: "\(file.path): field 'id': '\(manifest.id)' is already used by \(duplicate.file)") }
                    continue
                }
                manifests.append(manifest)
            } catch {
                let key = file.deletingPathExtension().lastPathComponent == "manifest" ? file.deletingLastPathComponent().lastPathComponent : file.deletingPathExtension().lastPathComponent
                state.withLock { $0.records[key] = PluginRecord(id: key, manifest: nil, file: file.path, state: .refused, reason: "\(error)") }
                logger.error("manifest refused", metadata: ["file": "\(file.path)", "reason": "\(error)"])
            }
        }
        return manifests
    }

    private func addWarnings() {
        let records = plugins
        let published = Set(records.filter { $0.state == .active }.flatMap { $0.manifest?.publishes ?? [] })
        for record in records where record.state == .active {
            let unheard = (record.manifest?.subscribes ?? []).map(\.topic).filter { !published.contains($0) && configuration.events[$0] == nil }
            if !unheard.isEmpty {
                update(record.id) { $0.warnings = ["no active plugin publishes and no schema declares: " + unheard.joined(separator: ", ")] }
            }
        }
    }

    /// Checks, initialises and activates one plugin whose dependencies are active.
    private func start(_ manifest: PluginManifest) {
        let prepared: Prepared
        do {
            prepared = try prepare(manifest)
        } catch {
            refuse(manifest.id, error.description)
            return
        }
        if let conflict = routeConflict(manifest.routes, pluginID: manifest.id) {
            refuse(manifest.id, conflict)
            return
        }
        if let storage = configuration.storage {
            do {
                try storage.prepare(manifest)
            } catch {
                refuse(manifest.id, "storage: \(error)", state: .failed)
                return
            }
        }
        update(manifest.id) { $0.state = .resolved }
        let context = PluginContext(manifest: manifest, settings: prepared.settings, image: prepared.image, host: self)
        context.prepared = prepared
        contexts[manifest.id] = context
        let descriptor = prepared.image.descriptor
        let scratch = ErrorScratch()
        if let message = initialise(context, scratch: scratch) {
            refuse(manifest.id, message, state: .failed)
            contexts[manifest.id] = nil
            return
        }
        let slots = makeSlots(context, prepared)
        do {
            try table.installOwners(pluginID: manifest.id, owners: slots.owners)
            table.installHooks(pluginID: manifest.id, hooks: slots.hooks)
            // Paused: events queue but none is delivered before activate() returns OK.
            try transport.attach(pluginID: manifest.id, subscribers: slots.subscribers)
        } catch {
            transport.detach(pluginID: manifest.id, timeout: .zero)
            table.uninstall(pluginID: manifest.id)
            descriptor.pointee.destroy!(context.pluginContext)
            contexts[manifest.id] = nil
            refuse(manifest.id, "\(error)")
            return
        }
        if let message = activateInstance(context, scratch: scratch) {
            transport.detach(pluginID: manifest.id, timeout: .zero)
            table.uninstall(pluginID: manifest.id)
            context.cancelTimers()
            descriptor.pointee.destroy!(context.pluginContext)
            contexts[manifest.id] = nil
            refuse(manifest.id, message, state: .failed)
            return
        }
        transport.resume(pluginID: manifest.id)
        setRoutes(slots.routes, for: manifest.id)
        update(manifest.id) {
            $0.state = .active
            $0.reason = nil
        }
        logger.info("plugin active", metadata: ["plugin": "\(manifest.id)", "version": "\(manifest.version)"])
    }

    /// Runs the plugin's init(); the failure message, or nil when it returned OK.
    func initialise(_ context: PluginContext, scratch: ErrorScratch) -> String? {
        var pluginContext: UnsafeMutableRawPointer?
        let status = context.image.descriptor.pointee.`init`!(UnsafePointer(context.table), &pluginContext, scratch.pointer)
        guard status == EOP_OK else { return Self.failure("init failed", status, scratch) }
        context.pluginContext = pluginContext
        return nil
    }

    /// Runs the plugin's activate(); the failure message, or nil when it returned OK.
    func activateInstance(_ context: PluginContext, scratch: ErrorScratch) -> String? {
        scratch.reset()
        let status = context.image.descriptor.pointee.activate!(context.pluginContext, scratch.pointer)
        return status == EOP_OK ? nil : Self.failure("activate failed", status, scratch)
    }

    /// "<what> (status N): <the plugin's message>" for a lifecycle call that did not return OK.
    static func failure(_ what: String, _ status: eop_status_t, _ scratch: ErrorScratch) -> String {
        "\(what) (status \(status)): \(scratch.message.isEmpty ? "no message" : scratch.message)"
    }

    /// One initialised instance's entries for the dispatch table and the gateway.
    struct Slots {
        var subscribers: [Subscriber]
        var owners: [QueryOwner]
        var hooks: [HookHandler]
        var routes: [RouteBinding]
    }

    func makeSlots(_ context: PluginContext, _ prepared: Prepared) -> Slots {
        let id = context.manifest.id, pluginContext = context.pluginContext, generation = context.generation
        let subscribers = prepared.subscriptions.map { sub in
            Subscriber(pluginID: id, topic: sub.topic, handlerName: sub.handler, parallel: sub.parallel, generation: generation,
                       invocation: sub.typed.map { .typed($0) } ?? .generic(unsafeBitCast(sub.symbol, to: eop_event_handler_fn.self), pluginContext))
        }
        let storage = configuration.storage
        // Answers and hook handlers share the query handler's C shape.
        func call(_ topic: String, _ handler: String, _ symbol: UnsafeMutableRawPointer) -> QueryOwner {
            let generic = QueryOwner(pluginID: id, topic: topic, handlerName: handler,
                                     invocation: .generic(unsafeBitCast(symbol, to: eop_query_handler_fn.self), pluginContext))
            guard let storage else {
                return QueryOwner(pluginID: id, topic: topic, handlerName: handler, invocation: generic.invocation, gate: context.gate)
            }
            // Same call, then any transaction the handler left open is rolled back on this thread.
            return QueryOwner(pluginID: id, topic: topic, handlerName: handler, invocation: .swift { envelope in
                let result = generic.answer(envelope)
                storage.endCall(pluginID: id)
                return result
            }, gate: context.gate)
        }
        let owners = prepared.answers.map { call($0.topic, $0.handler, $0.symbol) }
        let hooks = prepared.hooks.map { HookHandler(call: call($0.topic, $0.handler, $0.symbol), order: $0.order) }
        let routes = prepared.routes.map { r in
            RouteBinding(pluginID: id, route: r.route, handler: unsafeBitCast(r.symbol, to: eop_route_handler_fn.self),
                         inlineHandler: r.inlineSymbol.map { unsafeBitCast($0, to: eop_route_handler_fn.self) },
                         pluginContext: pluginContext, calls: context.gate)
        }
        return Slots(subscribers: subscribers, owners: owners, hooks: hooks, routes: routes)
    }

    // MARK: Preparation (everything before init)

    struct PreparedSubscription {
        var topic: String
        var handler: String
        var parallel: Bool
        var symbol: UnsafeMutableRawPointer
        var typed: TypedCall?
    }

    struct PreparedAnswer {
        var topic: String
        var handler: String
        var symbol: UnsafeMutableRawPointer
    }

    struct PreparedHook {
        var topic: String
        var handler: String
        var order: Int
        var symbol: UnsafeMutableRawPointer
    }

    struct PreparedRoute {
        var route: Route
        var symbol: UnsafeMutableRawPointer
        var inlineSymbol: UnsafeMutableRawPointer?
    }

    struct Prepared {
        var image: LoadedImage
        var settings: ModuleSettings
        var subscriptions: [PreparedSubscription]
        var answers: [PreparedAnswer]
        var hooks: [PreparedHook]
        var routes: [PreparedRoute]
    }

    /// License, settings, library, ABI, symbols and typed signatures: every check that
    /// can refuse a plugin without running its code (beyond its entry function).
    func prepare(_ manifest: PluginManifest) throws(LoadError) -> Prepared {
        if let reason = configuration.gate.refusal(for: manifest) { throw LoadError(reason) }
        if let reason = ABICheck.refusal(major: manifest.abi.major, minor: manifest.abi.minor) {
            throw LoadError("\(manifest.file): field 'abi': \(reason)")
        }
        let settings = try resolveSettings(manifest)
        let library = try locateLibrary(manifest)
        let image = try LoadedImage.open(library: library, imageDirectory: configuration.imageDirectory, tag: "\(manifest.id)-\(manifest.version)")
        try ABICheck.check(image.descriptor, manifest: manifest)

        var subscriptions: [PreparedSubscription] = []
        for (index, sub) in manifest.subscribes.enumerated() {
            if let schema = configuration.events[sub.topic], schema.kind != .fact {
                throw LoadError("\(manifest.file): field 'subscribes[\(index)].topic': '\(sub.topic)' is a \(schema.kind.rawValue), not a fact; list it under 'answers' or 'requests'")
            }
            guard let symbol = image.symbol(sub.handler) else {
                throw LoadError("handler symbol '\(sub.handler)' (for '\(sub.topic)', \(manifest.file) field 'subscribes[\(index)].handler') is not exported by \(manifest.library)")
            }
            var typed: TypedCall?
            if let signature = sub.signature {
                do {
                    try TypedCall.check(signature, against: configuration.events[sub.topic], topic: sub.topic)
                    typed = try TypedCall(function: symbol, signature: signature)
                } catch {
                    throw LoadError("\(manifest.file): field 'subscribes[\(index)].signature': \(error)")
                }
            }
            subscriptions.append(PreparedSubscription(topic: sub.topic, handler: sub.handler, parallel: sub.parallel, symbol: symbol, typed: typed))
        }
        var answers: [PreparedAnswer] = []
        for (index, answer) in manifest.answers.enumerated() {
            guard let symbol = image.symbol(answer.handler) else {
                throw LoadError("handler symbol '\(answer.handler)' (for '\(answer.topic)', \(manifest.file) field 'answers[\(index)].handler') is not exported by \(manifest.library)")
            }
            answers.append(PreparedAnswer(topic: answer.topic, handler: answer.handler, symbol: symbol))
        }
        var hooks: [PreparedHook] = []
        for (index, hook) in manifest.hooks.enumerated() {
            if let schema = configuration.events[hook.topic], schema.kind != .hook {
                throw LoadError("\(manifest.file): field 'hooks[\(index)].topic': '\(hook.topic)' is a \(schema.kind.rawValue), not a hook (\(schema.file))")
            }
            guard let symbol = image.symbol(hook.handler) else {
                throw LoadError("handler symbol '\(hook.handler)' (for '\(hook.topic)', \(manifest.file) field 'hooks[\(index)].handler') is not exported by \(manifest.library)")
            }
            hooks.append(PreparedHook(topic: hook.topic, handler: hook.handler, order: hook.order, symbol: symbol))
        }
        var routes: [PreparedRoute] = []
        for (index, route) in manifest.routes.enumerated() {
            guard let symbol = image.symbol(route.handler) else {
                throw LoadError("handler symbol '\(route.handler)' (for \(route.method) \(route.path), \(manifest.file) field 'routes[\(index)].handler') is not exported by \(manifest.library)")
            }
            var inlineSymbol: UnsafeMutableRawPointer?
            if let name = route.inlineHandler {
                guard let found = image.symbol(name) else {
                    throw LoadError("inline handler symbol '\(name)' (for \(route.method) \(route.path), \(manifest.file) field 'routes[\(index)].inline_handler') is not exported by \(manifest.library)")
                }
                inlineSymbol = found
            }
            routes.append(PreparedRoute(route: route, symbol: symbol, inlineSymbol: inlineSymbol))
        }
        return Prepared(image: image, settings: settings, subscriptions: subscriptions, answers: answers, hooks: hooks, routes: routes)
    }

    private func resolveSettings(_ manifest: PluginManifest) throws(LoadError) -> ModuleSettings {
        let schema: SettingsSchema
        do {
            schema = try manifest.settingsSchemaJSON.map { data throws(SettingsError) in try SettingsSchema(json: data) } ?? .empty
        } catch {
            throw LoadError("\(manifest.file): field 'settings': \(error)")
        }
        do {
            return try ModuleSettings.resolve(schema: schema, json: configuration.settings[manifest.id] ?? Data("{}".utf8))
        } catch {
            throw LoadError("\(configuration.settingsSource): settings of '\(manifest.id)': \(error)")
        }
    }

    func locateLibrary(_ manifest: PluginManifest) throws(LoadError) -> URL {
        // Beside the manifest, in its library/ folder (an unpacked bundle), then the search paths.
        let folders = [manifest.directory, manifest.directory.appendingPathComponent("library")] + configuration.librarySearchPaths
        let candidates = folders.map { $0.appendingPathComponent(manifest.library) }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw LoadError("library \(manifest.library) not found (looked in: \(candidates.map { $0.deletingLastPathComponent().path }.joined(separator: ", ")))")
        }
        return found
    }

    /// Runs every check `boot()` runs before init — manifest, license, settings, library,
    /// ABI, handler symbols, typed signatures — without initialising the plugin.
    /// Returns the problems found (empty when the plugin would load).
    public func check(manifestAt url: URL) -> [String] {
        let manifest: PluginManifest
        do { manifest = try PluginManifest.load(from: url) } catch { return ["\(error)"] }
        do {
            _ = try prepare(manifest)
        } catch {
            return [error.description]
        }
        return []
    }

    /// Everything `boot()` would decide, without initialising any plugin: manifests,
    /// dependencies, license, library, ABI and symbols. Plugins that pass are `resolved`.
    public func survey() -> [PluginRecord] {
        control.lock(); defer { control.unlock() }
        for manifest in orderedRunnable(dependenciesIn: .resolved) {
            do {
                _ = try prepare(manifest)
                update(manifest.id) { $0.state = .resolved }
            } catch {
                refuse(manifest.id, error.description)
            }
        }
        return plugins
    }

    // MARK: Deactivation and shutdown

    /// Stops a plugin: refused while an active plugin depends on it (the error names them).
    public func deactivate(_ id: String, drainTimeout: Duration = .seconds(5)) throws(PluginControlError) {
        control.lock(); defer { control.unlock() }
        guard let record = plugin(id) else { throw PluginControlError("no plugin '\(id)'") }
        guard record.state == .active else { throw PluginControlError("'\(id)' is \(record.state.rawValue), not active") }
        let dependants = plugins.filter { $0.state == .active && ($0.manifest?.dependencies.contains { $0.id == id } ?? false) }.map(\.id)
        guard dependants.isEmpty else {
            throw PluginControlError("cannot deactivate '\(id)': active modules depend on it: \(dependants.joined(separator: ", "))")
        }
        stop(id, drainTimeout: drainTimeout)
    }

    /// Activates a stopped (resolved) or failed plugin again, from a fresh copy of its
    /// library, once its dependencies are active. The error names what is missing.
    public func activate(_ id: String) throws(PluginControlError) {
        control.lock(); defer { control.unlock() }
        guard let record = plugin(id), let manifest = record.manifest else { throw PluginControlError("no plugin '\(id)'") }
        guard record.state == .resolved || record.state == .failed else {
            throw PluginControlError("'\(id)' is \(record.state.rawValue); only a stopped or failed plugin can be activated")
        }
        let inactive = manifest.dependencies.map(\.id).filter { plugin($0)?.state != .active }
        guard inactive.isEmpty else {
            throw PluginControlError("cannot activate '\(id)': it needs \(inactive.joined(separator: ", ")) active first")
        }
        start(manifest)
        guard plugin(id)?.state == .active else { throw PluginControlError("'\(id)' did not activate: \(plugin(id)?.reason ?? "unknown reason")") }
    }

    private func stop(_ id: String, drainTimeout: Duration) {
        guard let context = contexts[id] else { return }
        update(id) { $0.state = .stopping }
        // No HTTP call or query may still be inside the plugin when it is destroyed.
        setRoutes(nil, for: id)
        transport.detach(pluginID: id, timeout: drainTimeout)
        table.uninstall(pluginID: id)
        context.gate.retire()
        retire(context)
        contexts[id] = nil
        update(id) { $0.state = .resolved }
        logger.info("plugin stopped", metadata: ["plugin": "\(id)"])
    }

    /// Stops every active plugin, dependants first.
    public func shutdown(drainTimeout: Duration = .seconds(5)) {
        control.lock(); defer { control.unlock() }
        for record in plugins.reversed() where record.state == .active { stop(record.id, drainTimeout: drainTimeout) }
        try? FileManager.default.removeItem(at: configuration.imageDirectory)
    }
}

/// A control request the host refused, with the reason.
public struct PluginControlError: Error, Sendable, CustomStringConvertible {
    /// The reason.
    public let description: String
    init(_ description: String) { self.description = description }
}
