import EOPABI
import EOPDispatch
import EOPManifest
import Foundation
import Metrics

// Hot swap: replace an active plugin's instance with another version while events
// flow. The order (DESIGN.md, "Hot swap"; issue #10):
//
//   verify → load → init → pause → export → import → migrate → activate → switch → resume
//
// Until `switch` the old instance is untouched apart from being paused, so any failure
// rolls back by destroying the new instance and resuming the old one. Events arriving
// meanwhile wait in the plugin's mailbox (or the log, behind its offset); routes and
// queries wait at the old instance's gate and go to the new one once it lets go.

extension PluginHost {
    /// Replaces active plugin `id` with the version whose manifest is at `source` (a
    /// manifest file, or a folder holding `manifest.json` and the library). `progress`
    /// hears of each step as it ends. Throws a `SwapError` naming the failed step and
    /// the reason; the old instance then serves on as before.
    @discardableResult
    public func swap(_ id: String, to source: URL, options: SwapOptions = SwapOptions(),
                     progress: @escaping (SwapStep) -> Void = { _ in }) throws(SwapError) -> SwapRecord {
        control.lock(); defer { control.unlock() }
        var run = SwapRun(pluginID: id, by: options.by, progress: progress)
        do throws(StepFailure) {
            let manifest = try swapSteps(id, source: source, options: options, run: &run)
            let record = run.record(outcome: "swapped", to: manifest)
            finish(record)
            return record
        } catch {
            let record = run.record(outcome: error.rolledBack ? "rolled back" : "refused", failure: error)
            finish(record)
            throw SwapError(step: error.step, reason: error.reason, record: record)
        }
    }

    /// Swaps `id` back to the version it ran before its last swap, the same way.
    @discardableResult
    public func rollback(_ id: String, options: SwapOptions = SwapOptions(),
                         progress: @escaping (SwapStep) -> Void = { _ in }) throws(SwapError) -> SwapRecord {
        guard let previous = swapBook.withLock({ $0.previous[id]?.last }) else {
            throw SwapError(step: "verify", reason: "'\(id)' has not been swapped since the host started: there is no earlier version to return to", record: nil)
        }
        let record = try swap(id, to: previous, options: options, progress: progress)
        // The version rolled back from is not a place to return to; the one before it is.
        swapBook.withLock { book in
            if var stack = book.previous[id], stack.count >= 2 {
                stack.removeLast(2)
                book.previous[id] = stack
            }
        }
        return record
    }

    /// The swaps of a plugin since the host started (newest last), or of every plugin.
    public func swapHistory(_ id: String? = nil) -> [SwapRecord] {
        swapBook.withLock { book in id.map { book.history[$0] ?? [] } ?? book.history.values.flatMap { $0 }.sorted { $0.at < $1.at } }
    }

    /// Old Swift images of a plugin still mapped (they cannot be unloaded; a restart frees them).
    public func residentGenerations(_ id: String) -> Int { swapBook.withLock { $0.resident[id] ?? 0 } }

    /// Every plugin's count of old Swift images still mapped.
    public var residentGenerationsByPlugin: [String: Int] { swapBook.withLock { $0.resident } }

    // MARK: Steps

    /// A step failed; `rolledBack` when the old instance had been touched (paused) and was restored.
    struct StepFailure: Error {
        var step: String
        var reason: String
        var rolledBack: Bool
    }

    private func swapSteps(_ id: String, source: URL, options: SwapOptions, run: inout SwapRun) throws(StepFailure) -> PluginManifest {
        // verify
        let started = ContinuousClock.now
        let (old, manifest) = try run.step("verify") { () throws(StepFailure) -> ((PluginContext, PluginManifest), String) in
            let (old, manifest) = try verifySwap(id, source: source)
            return ((old, manifest), "\(old.manifest.version) → \(manifest.version) from \(manifest.file)")
        }
        run.from = old.manifest.version.description
        run.to = manifest.version.description

        // load: license, settings, library copy, ABI, symbols (nothing of the plugin runs but its entry)
        let prepared = try run.step("load") { () throws(StepFailure) -> (Prepared, String) in
            do throws(LoadError) {
                let p = try prepare(manifest)
                return (p, "\(p.image.copyPath.lastPathComponent) (\(p.image.isSwift ? "Swift image, stays mapped" : "unloadable"))")
            } catch { throw StepFailure(step: "load", reason: error.description, rolledBack: false) }
        }
        let new = PluginContext(manifest: manifest, settings: prepared.settings, image: prepared.image, host: self, generation: old.generation + 1)
        let scratch = ErrorScratch()
        var undo = SwapUndo(host: self, old: old, new: new)

        do throws(StepFailure) {
            try run.step("init") { () throws(StepFailure) -> (Void, String) in
                if let message = initialise(new, scratch: scratch) { throw StepFailure(step: "init", reason: message, rolledBack: false) }
                undo.initialised = true
                return ((), "")
            }
            let slots = makeSlots(new, prepared)  // built before the pause: nothing in it waits on the old instance
            let pauseStarted = ContinuousClock.now
            try run.step("pause") { () throws(StepFailure) -> (Void, String) in
                undo.paused = true
                let deadline = Date().addingTimeInterval(options.pauseDeadline.seconds)
                let gateIdle = old.gate.pause(until: deadline)
                let left = max(0, deadline.timeIntervalSinceNow)
                let handlerIdle = transport.pause(pluginID: id, timeout: .milliseconds(Int64(left * 1000)))
                guard gateIdle && handlerIdle else {
                    let what = handlerIdle ? "an HTTP call or query into it" : "its event handler in flight"
                    throw StepFailure(step: "pause", reason: "\(what) did not finish within the deadline of \(options.pauseDeadline)", rolledBack: true)
                }
                return ((), "deliveries, routes and queries held")
            }
            let state = try run.step("export") { () throws(StepFailure) -> (ExportedState?, String) in
                let state = try exportState(of: old, scratch: scratch)
                return (state, state.map { "\($0.bytes.count) bytes, format \($0.format)" } ?? "the old version keeps no state to carry (no state_export)")
            }
            try run.step("import") { () throws(StepFailure) -> (Void, String) in
                guard let state else { return ((), "nothing to import") }
                try importState(state, from: old.manifest.version.description, into: new, scratch: scratch)
                return ((), "\(state.bytes.count) bytes accepted")
            }
            try run.step("migrate") { () throws(StepFailure) -> (Void, String) in
                guard let storage = configuration.storage else { return ((), "no database") }
                undo.migrated = true
                do { try storage.prepare(manifest) } catch { throw StepFailure(step: "migrate", reason: "\(error)", rolledBack: true) }
                return ((), "schema up to date")
            }
            try run.step("activate") { () throws(StepFailure) -> (Void, String) in
                if let message = activateInstance(new, scratch: scratch) {
                    throw StepFailure(step: "activate", reason: message, rolledBack: true)
                }
                undo.activated = true
                return ((), "")
            }
            try run.step("switch") { () throws(StepFailure) -> (Void, String) in
                do {
                    try table.installOwners(pluginID: id, owners: slots.owners)
                    table.installHooks(pluginID: id, hooks: slots.hooks)
                    try transport.retarget(pluginID: id, subscribers: slots.subscribers, generation: new.generation)
                } catch {
                    if let before = old.prepared.map({ makeSlots(old, $0) }) {
                        try? table.installOwners(pluginID: id, owners: before.owners)
                        table.installHooks(pluginID: id, hooks: before.hooks)
                        try? transport.retarget(pluginID: id, subscribers: before.subscribers, generation: old.generation)
                    }
                    throw StepFailure(step: "switch", reason: "\(error)", rolledBack: true)
                }
                new.prepared = prepared
                setRoutes(slots.routes, for: id)
                contexts[id] = new
                // From here no queued tick or call reaches the old instance.
                old.retired.store(true, ordering: .releasing)
                old.cancelTimers()
                update(id) {
                    $0.manifest = manifest
                    $0.file = manifest.file
                }
                return ((), "\(slots.subscribers.count) subscriptions, \(slots.owners.count) answers, \(slots.routes.count) routes now go to \(manifest.version)")
            }
            try run.step("resume") { () throws(StepFailure) -> (Void, String) in
                transport.resume(pluginID: id)
                old.gate.retire()  // held callers look the target up again: the new instance
                return ((), "")
            }
            run.pause = pauseStarted.duration(to: .now)
        } catch {
            let restored = undo.rollBack(transport: transport)
            var failure = error
            failure.rolledBack = undo.paused  // "rolled back" only when the old instance was touched
            if !restored.isEmpty { failure.reason += " (rollback: \(restored))" }
            throw failure
        }

        // The old instance is unreachable: stop it and free what can be freed.
        try? run.step("retire") { () throws(StepFailure) -> (Void, String) in
            ((), retire(old))
        }
        swapBook.withLock { $0.previous[id, default: []].append(URL(fileURLWithPath: old.manifest.file)) }
        run.total = started.duration(to: .now)
        logger.notice("plugin swapped", metadata: ["plugin": "\(id)", "from": "\(old.manifest.version)", "to": "\(manifest.version)",
                                                   "pause_ms": "\(run.pause.map { String(format: "%.2f", $0.seconds * 1000) } ?? "-")"])
        return manifest
    }

    /// The checks before anything is loaded: the plugin is active, the manifest is
    /// that plugin's, its dependencies are active, and it still serves what the active
    /// modules need of it (their subscriptions and requests, their version ranges).
    private func verifySwap(_ id: String, source: URL) throws(StepFailure) -> (PluginContext, PluginManifest) {
        func refuse(_ reason: String) -> StepFailure { StepFailure(step: "verify", reason: reason, rolledBack: false) }
        guard let record = plugin(id), let old = contexts[id], record.state == .active else {
            throw refuse("'\(id)' is \(plugin(id)?.state.rawValue ?? "not installed"); only an active plugin can be swapped")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isFolder) else { throw refuse("\(source.path) does not exist") }
        let file = isFolder.boolValue ? source.appendingPathComponent("manifest.json") : source
        let manifest: PluginManifest
        do { manifest = try PluginManifest.load(from: file) } catch { throw refuse("\(error)") }
        guard manifest.id == id else { throw refuse("\(file.path): field 'id': the manifest is '\(manifest.id)', not '\(id)'") }
        if let reason = configuration.gate.refusal(for: manifest) { throw refuse("license: \(reason)") }
        for dependency in manifest.dependencies {
            guard let dep = plugin(dependency.id), dep.state == .active, let version = dep.manifest?.version else {
                throw refuse("\(file.path): field 'dependencies': needs '\(dependency.id)' active; it is \(plugin(dependency.id)?.state.rawValue ?? "not installed")")
            }
            if !dependency.versions.contains(version) {
                throw refuse("\(file.path): field 'dependencies': needs '\(dependency.id)' \(dependency.versions), but \(version) is active")
            }
        }
        let others = plugins.filter { $0.state == .active && $0.id != id }.compactMap(\.manifest)
        var missing: [String] = []
        for other in others {
            for dependency in other.dependencies where dependency.id == id && !dependency.versions.contains(manifest.version) {
                missing.append("'\(other.id)' needs \(id) \(dependency.versions), not \(manifest.version)")
            }
        }
        let publishedElsewhere = Set(others.flatMap(\.publishes))
        let needed = Dictionary(grouping: others.flatMap { o in o.subscribes.map { ($0.topic, o.id) } }, by: \.0).mapValues { $0.map(\.1) }
        for topic in Set(old.manifest.publishes).subtracting(manifest.publishes).sorted() where !publishedElsewhere.contains(topic) {
            if let subscribers = needed[topic] { missing.append("no longer publishes '\(topic)', which \(subscribers.joined(separator: ", ")) subscribe to") }
        }
        let oldAnswers = Set(old.manifest.answers.map(\.topic)), newAnswers = Set(manifest.answers.map(\.topic))
        for topic in oldAnswers.subtracting(newAnswers).sorted() {
            let callers = others.filter { $0.requests.contains(topic) }.map(\.id)
            if !callers.isEmpty { missing.append("no longer answers '\(topic)', which \(callers.joined(separator: ", ")) call") }
        }
        if !missing.isEmpty { throw refuse("the new version would break active modules: " + missing.joined(separator: "; ")) }
        if let conflict = routeConflict(manifest.routes, pluginID: id) { throw refuse(conflict) }
        let resident = residentGenerations(id)
        if old.image.isSwift, resident >= configuration.maxResidentGenerations {
            throw refuse("'\(id)' already keeps \(resident) old Swift images mapped (the limit is \(configuration.maxResidentGenerations); Swift images cannot be unloaded): restart the host to reclaim their memory, then swap")
        }
        return (old, manifest)
    }

    struct ExportedState {
        var format: UInt32
        var bytes: Data
    }

    private func exportState(of old: PluginContext, scratch: ErrorScratch) throws(StepFailure) -> ExportedState? {
        let d = old.image.descriptor
        guard EOPABIFields.has(d, \.state_export), let export = d.pointee.state_export else { return nil }
        let sink = ReplySink()
        var format: UInt32 = 0
        scratch.reset()
        let status = withExtendedLifetime(sink) { export(old.pluginContext, &format, sink.reply, scratch.pointer) }
        guard status == EOP_OK else {
            throw StepFailure(step: "export", reason: Self.failure("state_export of \(old.manifest.version) failed", status, scratch), rolledBack: true)
        }
        return sink.bytes.isEmpty ? nil : ExportedState(format: format, bytes: sink.bytes)
    }

    private func importState(_ state: ExportedState, from version: String, into new: PluginContext, scratch: ErrorScratch) throws(StepFailure) {
        let d = new.image.descriptor
        guard EOPABIFields.has(d, \.state_import), let importer = d.pointee.state_import else {
            throw StepFailure(step: "import", reason: "the old version exported \(state.bytes.count) bytes of state but \(new.manifest.version) has no state_import: its state would be lost", rolledBack: true)
        }
        scratch.reset()
        let status = version.withCString { v in
            state.bytes.withUnsafeBytes { raw in
                importer(new.pluginContext, eop_str_t(ptr: v, len: strlen(v)), state.format,
                         raw.bindMemory(to: UInt8.self).baseAddress, raw.count, scratch.pointer)
            }
        }
        guard status == EOP_OK else {
            throw StepFailure(step: "import", reason: Self.failure("state_import of \(new.manifest.version) refused format \(state.format) from \(version)", status, scratch), rolledBack: true)
        }
    }

    /// Stops an instance no call can reach any more: deactivate, destroy, and unmap it
    /// unless it is a Swift image (then counted as resident). Returns what happened.
    /// A new instance a swap gave up on is retired the same way, skipping the calls it never reached.
    @discardableResult
    func retire(_ context: PluginContext, activated: Bool = true, initialised: Bool = true) -> String {
        context.retired.store(true, ordering: .releasing)
        context.cancelTimers()
        let d = context.image.descriptor
        if activated { d.pointee.deactivate!(context.pluginContext) }
        if initialised { d.pointee.destroy!(context.pluginContext) }
        return release(context.image, of: context.manifest.id)
    }

    /// Unmaps an image no call can reach, or counts it resident when it is a Swift one.
    @discardableResult
    func release(_ image: LoadedImage, of id: String) -> String {
        if image.close() { return "unloaded (dlclose)" }
        let count = swapBook.withLock { book -> Int in
            book.resident[id, default: 0] += 1
            return book.resident[id]!
        }
        return "Swift image stays mapped (\(count) old \(count == 1 ? "image" : "images") of '\(id)' resident; a restart frees them)"
    }

    private func finish(_ record: SwapRecord) {
        swapBook.withLock { $0.history[record.plugin, default: []].append(record) }
        configuration.swapHistory?.record(record)
        Counter(label: "eop_plugin_swaps_total", dimensions: [("plugin", record.plugin), ("outcome", record.outcome)]).increment()
        if let pause = record.pauseMilliseconds {
            Metrics.Timer(label: "eop_plugin_swap_pause_seconds", dimensions: [("plugin", record.plugin)]).recordNanoseconds(Int64(pause * 1e6))
        }
    }
}

/// What a failed swap undoes, in reverse order of what was done.
private struct SwapUndo {
    let host: PluginHost
    let old: PluginContext
    let new: PluginContext
    var initialised = false
    var paused = false
    var migrated = false
    var activated = false

    /// Destroys the new instance and lets the old one serve again; returns notes on
    /// anything that could not be restored.
    func rollBack(transport: FactTransport) -> String {
        var notes: [String] = []
        host.retire(new, activated: activated, initialised: initialised)
        if migrated, let storage = host.configuration.storage {
            // Migrations that ran stay (each committed alone); the publish grants go back.
            do { try storage.prepare(old.manifest) } catch { notes.append("re-preparing storage for \(old.manifest.version) failed: \(error)") }
        }
        if paused {
            old.gate.resume()
            transport.resume(pluginID: old.manifest.id)
        }
        return notes.joined(separator: "; ")
    }
}

/// One swap in progress: the steps so far, for the progress callback and the record.
struct SwapRun {
    let pluginID: String
    let by: String
    let progress: (SwapStep) -> Void
    let at = Date()
    var from = "?"
    var to = "?"
    var steps: [SwapStep] = []
    var pause: Duration?
    var total: Duration?

    init(pluginID: String, by: String, progress: @escaping (SwapStep) -> Void) {
        self.pluginID = pluginID
        self.by = by
        self.progress = progress
    }

    /// Runs one step, timing it and reporting it whether it succeeds or fails.
    mutating func step<T>(_ name: String, _ body: () throws(PluginHost.StepFailure) -> (T, String)) throws(PluginHost.StepFailure) -> T {
        let started = ContinuousClock.now
        do {
            let (value, detail) = try body()
            report(SwapStep(name: name, ok: true, milliseconds: started.duration(to: .now).seconds * 1000, detail: detail))
            return value
        } catch {
            report(SwapStep(name: name, ok: false, milliseconds: started.duration(to: .now).seconds * 1000, detail: error.reason))
            throw error
        }
    }

    private mutating func report(_ step: SwapStep) {
        steps.append(step)
        progress(step)
    }

    func record(outcome: String, to manifest: PluginManifest? = nil, failure: PluginHost.StepFailure? = nil) -> SwapRecord {
        SwapRecord(plugin: pluginID, from: from, to: manifest?.version.description ?? to, by: by, at: at,
                   pauseMilliseconds: pause.map { $0.seconds * 1000 }, totalMilliseconds: total.map { $0.seconds * 1000 } ?? Date().timeIntervalSince(at) * 1000,
                   outcome: outcome, failedStep: failure?.step, reason: failure?.reason, steps: steps)
    }
}

/// What the swap bookkeeping keeps (guarded by its mutex).
struct SwapBook {
    var history: [String: [SwapRecord]] = [:]
    /// Manifest files of the versions each plugin ran before (for rollback), oldest first.
    var previous: [String: [URL]] = [:]
    /// Old Swift images still mapped, per plugin.
    var resident: [String: Int] = [:]
}

/// Whether a descriptor an older-minor plugin handed over is large enough to hold a field.
enum EOPABIFields {
    static func has<T>(_ d: UnsafePointer<eop_plugin_descriptor_t>, _ field: KeyPath<eop_plugin_descriptor_t, T>) -> Bool {
        guard let offset = MemoryLayout<eop_plugin_descriptor_t>.offset(of: field) else { return false }
        return Int(d.pointee.struct_size) >= offset + MemoryLayout<T>.size
    }
}
