import EOPABI
import Foundation
import Synchronization

/// Builds the C descriptor for a Swift plugin and bridges C calls to it. Each plugin
/// library links its own copy of the SDK, so the state below is per plugin image.
public enum PluginExport {
    private struct Registration: @unchecked Sendable {
        var descriptor: UnsafeMutablePointer<eop_plugin_descriptor_t>
        var make: (HostAPI) throws -> any Plugin
    }

    private static let registration = Mutex<Registration?>(nil)

    /// The descriptor to return from `eop_plugin_entry`. Call it from the entry function:
    ///
    ///     @_cdecl("eop_plugin_entry")
    ///     public func entry() -> UnsafeRawPointer { PluginExport.descriptor(for: Hello.self) }
    public static func descriptor<P: Plugin>(for type: P.Type) -> UnsafeRawPointer {
        registration.withLock { current in
            if let current { return UnsafeRawPointer(current.descriptor) }
            let descriptor = UnsafeMutablePointer<eop_plugin_descriptor_t>.allocate(capacity: 1)
            descriptor.initialize(to: eop_plugin_descriptor_t(
                struct_size: UInt32(MemoryLayout<eop_plugin_descriptor_t>.size),
                abi_version: eop_version_t(major: EOP_ABI_VERSION_MAJOR, minor: EOP_ABI_VERSION_MINOR, patch: EOP_ABI_VERSION_PATCH),
                id: permanentStr(P.id),
                version: permanentStr(P.version),
                init: initTrampoline,
                activate: activateTrampoline,
                deactivate: deactivateTrampoline,
                destroy: destroyTrampoline,
                state_export: stateExportTrampoline,
                state_import: stateImportTrampoline
            ))
            current = Registration(descriptor: descriptor, make: { try P(host: $0) })
            return UnsafeRawPointer(descriptor)
        }
    }

    /// Calls a Swift handler for a C event-handler export:
    ///
    ///     @_cdecl("hello_on_order_placed")
    ///     public func onOrderPlaced(_ ctx: UnsafeMutableRawPointer?, _ event: UnsafeRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    ///         PluginExport.handle(ctx, event, err) { (plugin: Hello, event) in try plugin.orderPlaced(event) }
    ///     }
    ///
    /// A thrown error fails the event with the error's message (dead letter).
    public static func handle<P: Plugin>(
        _ ctx: UnsafeMutableRawPointer?, _ event: UnsafeRawPointer?, _ err: UnsafeMutableRawPointer?,
        _ body: (P, IncomingEvent) throws -> HandlerResult
    ) -> Int32 {
        let errPointer = err?.assumingMemoryBound(to: eop_error_t.self)
        guard let plugin = instance(ctx) as? P, let event else { return write(errPointer, "handler called without a plugin instance or event", EOP_FAIL) }
        do {
            switch try body(plugin, IncomingEvent(event.assumingMemoryBound(to: eop_event_t.self))) {
            case .ok: return EOP_OK
            case .retry(let message): return write(errPointer, message, EOP_RETRY)
            case .fail(let message): return write(errPointer, message, EOP_FAIL)
            }
        } catch {
            // Only RETRY and FAIL are handler results; a host error code (EOP_ERR_*) means FAIL.
            let status = (error as? PluginError)?.status == EOP_RETRY ? EOP_RETRY : EOP_FAIL
            return write(errPointer, String(describing: error), status)
        }
    }

    /// Calls a Swift handler for a C command/query export; the returned text is the reply (JSON).
    public static func answer<P: Plugin>(
        _ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ reply: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?,
        _ body: (P, IncomingEvent) throws -> String
    ) -> Int32 {
        let errPointer = err?.assumingMemoryBound(to: eop_error_t.self)
        guard let plugin = instance(ctx) as? P, let query, let reply else { return write(errPointer, "query handler called without a plugin instance, query or reply", EOP_FAIL) }
        do {
            let text = try body(plugin, IncomingEvent(query.assumingMemoryBound(to: eop_event_t.self)))
            let sink = reply.assumingMemoryBound(to: eop_reply_t.self)
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBufferPointer { sink.pointee.write(sink, $0.baseAddress, $0.count) }
        } catch {
            return write(errPointer, String(describing: error), (error as? PluginError)?.status ?? EOP_FAIL)
        }
    }

    // MARK: Trampolines (C entry points of the descriptor)

    private final class Box {
        let plugin: any Plugin
        init(_ plugin: any Plugin) { self.plugin = plugin }
    }

    static func instance(_ ctx: UnsafeMutableRawPointer?) -> (any Plugin)? {
        ctx.map { Unmanaged<Box>.fromOpaque($0).takeUnretainedValue().plugin }
    }

    private static let initTrampoline: @convention(c) (UnsafePointer<eop_host_t>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<eop_error_t>?) -> Int32 = { host, ctx, err in
        guard let host, let ctx else { return write(err, "init called without a host table", EOP_ERR_INVALID) }
        guard let make = registration.withLock({ $0?.make }) else { return write(err, "plugin not registered", EOP_FAIL) }
        do {
            let plugin = try make(HostAPI(host))
            ctx.pointee = Unmanaged.passRetained(Box(plugin)).toOpaque()
            return EOP_OK
        } catch {
            return write(err, String(describing: error), EOP_FAIL)
        }
    }

    private static let activateTrampoline: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<eop_error_t>?) -> Int32 = { ctx, err in
        guard let plugin = instance(ctx) else { return write(err, "activate called without a plugin instance", EOP_FAIL) }
        do {
            try plugin.activate()
            return EOP_OK
        } catch {
            return write(err, String(describing: error), EOP_FAIL)
        }
    }

    private static let deactivateTrampoline: @convention(c) (UnsafeMutableRawPointer?) -> Void = { ctx in
        instance(ctx)?.deactivate()
    }

    private static let destroyTrampoline: @convention(c) (UnsafeMutableRawPointer?) -> Void = { ctx in
        guard let ctx else { return }
        Unmanaged<Box>.fromOpaque(ctx).release()
    }

    private static let stateExportTrampoline: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<eop_reply_t>?, UnsafeMutablePointer<eop_error_t>?) -> Int32 = { ctx, format, out, err in
        guard let plugin = instance(ctx), let format, let out, let write = out.pointee.write else { return write(err, "state_export called without its arguments", EOP_ERR_INVALID) }
        do {
            guard let state = try plugin.exportState() else { return EOP_OK }
            format.pointee = state.format
            return state.bytes.withUnsafeBufferPointer { write(out, $0.baseAddress, $0.count) }
        } catch {
            return Self.write(err, String(describing: error), EOP_FAIL)
        }
    }

    private static let stateImportTrampoline: @convention(c) (UnsafeMutableRawPointer?, eop_str_t, UInt32, UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<eop_error_t>?) -> Int32 = { ctx, from, format, data, len, err in
        guard let plugin = instance(ctx) else { return write(err, "state_import called without a plugin instance", EOP_ERR_INVALID) }
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: len)) } ?? []
        do {
            try plugin.importState(bytes, format: format, from: from.swiftString)
            return EOP_OK
        } catch {
            return write(err, String(describing: error), EOP_FAIL)
        }
    }

    static let timerTrampoline: @convention(c) (UnsafeMutableRawPointer?, UInt64) -> Void = { ctx, id in
        instance(ctx)?.timerFired(id)
    }

    static func write(_ err: UnsafeMutablePointer<eop_error_t>?, _ message: String, _ status: Int32) -> Int32 {
        guard let err, let buffer = err.pointee.message else { return status }
        let bytes = Array(message.utf8.prefix(err.pointee.capacity))
        if !bytes.isEmpty { bytes.withUnsafeBufferPointer { UnsafeMutableRawPointer(buffer).copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        err.pointee.len = bytes.count
        return status
    }

    /// A string that lives as long as the image (descriptors are static).
    private static func permanentStr(_ s: String) -> eop_str_t {
        let bytes = Array(s.utf8)
        let memory = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
        if !bytes.isEmpty { bytes.withUnsafeBufferPointer { UnsafeMutableRawPointer(memory).copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        return eop_str_t(ptr: memory, len: bytes.count)
    }
}
