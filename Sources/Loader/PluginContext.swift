import EOPABI
import EOPDispatch
import EOPManifest
import EOPPlatformKit
import Foundation
import Synchronization

/// Everything the host keeps for one loaded plugin instance: its host table (whose
/// `host_data` points back here), its context pointer and its timers.
final class PluginContext: @unchecked Sendable {
    let manifest: PluginManifest
    let settings: ModuleSettings
    let image: LoadedImage
    let publishes: Set<String>
    let requests: Set<String>
    unowned let host: PluginHost
    /// The table handed to the plugin; host-owned until destroy.
    let table: UnsafeMutablePointer<eop_host_t>
    /// What the plugin's init() stored.
    var pluginContext: UnsafeMutableRawPointer?
    let timers = Mutex<[UInt64: TimerBox]>([:])
    let nextTimerID = Atomic<UInt64>(1)
    /// 0 for the instance boot made, +1 per hot swap.
    let generation: UInt64
    /// Routes and queries into this instance; a swap or a stop closes it.
    let gate = CallGate()
    /// What the loader resolved for this instance (symbols, typed calls, routes).
    var prepared: PluginHost.Prepared?
    /// Set before deactivate: queued timer ticks for this instance are skipped.
    let retired = Atomic<Bool>(false)

    init(manifest: PluginManifest, settings: ModuleSettings, image: LoadedImage, host: PluginHost, generation: UInt64 = 0) {
        self.generation = generation
        self.manifest = manifest
        self.settings = settings
        self.image = image
        self.publishes = Set(manifest.publishes)
        self.requests = Set(manifest.requests)
        self.host = host
        table = .allocate(capacity: 1)
        table.initialize(to: HostAPI.makeTable())
        table.pointee.host_data = Unmanaged.passUnretained(self).toOpaque()
    }

    /// The context behind a host pointer a plugin passed in.
    static func from(_ host: UnsafePointer<eop_host_t>?) -> PluginContext? {
        guard let data = host?.pointee.host_data else { return nil }
        return Unmanaged<PluginContext>.fromOpaque(data).takeUnretainedValue()
    }

    func cancelTimers() {
        timers.withLock { all in
            all.values.forEach { $0.source.cancel() }
            all.removeAll()
        }
    }

    deinit { table.deallocate() }
}

/// A dispatch timer source; cancelled and replaced only under the context's lock.
struct TimerBox: @unchecked Sendable {
    let source: DispatchSourceTimer
}
