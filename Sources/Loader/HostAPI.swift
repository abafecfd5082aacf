import EOPABI
import EOPDispatch
import EOPManifest
import EOPPlatformKit
import Foundation
import Logging

/// The C functions of `eop_host_t`. Each one finds the calling plugin through the
/// host pointer, so the manifest's permissions and the logs name it.
enum HostAPI {
    /// The size of `eop_event_t` in ABI 1.0. Fields appended by later minors are read
    /// only when an event's struct_size covers them, so older plugins keep working.
    static let eventSizeV1_0 = UInt32(MemoryLayout<eop_event_t>.offset(of: \.causation_id)! + MemoryLayout<eop_uuid_t>.size)

    static func makeTable() -> eop_host_t {
        var table = eop_host_t()
        table.struct_size = UInt32(MemoryLayout<eop_host_t>.size)
        table.abi_version = eop_version_t(major: EOP_ABI_VERSION_MAJOR, minor: EOP_ABI_VERSION_MINOR, patch: EOP_ABI_VERSION_PATCH)
        table.get_extension = { host, id in
            guard let context = PluginContext.from(host), let id else { return nil }
            return context.host.extensions.lookup(String(cString: id))
        }
        table.log = { host, level, message in
            guard let context = PluginContext.from(host) else { return }
            context.host.pluginLogger.log(level: Logger.Level(eop: level), "\(message.string)", metadata: ["plugin": "\(context.manifest.id)"])
        }
        table.publish = { host, event, outID, err in
            guard let context = PluginContext.from(host), let event else { return HostAPI.fail(err, EOP_ERR_INVALID, "publish: event is NULL") }
            guard event.pointee.struct_size >= HostAPI.eventSizeV1_0 else {
                return HostAPI.fail(err, EOP_ERR_INVALID, "publish: event struct_size \(event.pointee.struct_size) is smaller than ABI 1.0's \(HostAPI.eventSizeV1_0)")
            }
            do {
                let id = try context.host.publish(from: context, event: event.pointee)
                outID?.pointee = eop_uuid_t(id)
                return EOP_OK
            } catch {
                return HostAPI.fail(err, error.status, error.message)
            }
        }
        table.request = { host, query, timeoutMS, reply, err in
            guard let context = PluginContext.from(host), let query, let reply else { return HostAPI.fail(err, EOP_ERR_INVALID, "request: query or reply is NULL") }
            let result = context.host.request(from: context, query: query.pointee, timeout: .milliseconds(Int(timeoutMS)))
            HostAPI.fillBuffer(reply, with: result.reply)
            if result.status != EOP_OK { _ = HostAPI.fail(err, result.status, result.message) }
            return result.status
        }
        table.setting_get = { host, key, out, err in
            guard let context = PluginContext.from(host), let out else { return HostAPI.fail(err, EOP_ERR_INVALID, "setting_get: out is NULL") }
            let name = key.string
            guard let json = context.settings.jsonValue(for: name) else {
                return HostAPI.fail(err, EOP_ERR_NOT_FOUND, "setting '\(name)' is not declared in \(context.manifest.file) (field 'settings') or has no value")
            }
            HostAPI.fillBuffer(out, with: json)
            return EOP_OK
        }
        table.format_money = { _, minorUnits, currency, out, err in
            guard let out else { return HostAPI.fail(err, EOP_ERR_INVALID, "format_money: out is NULL") }
            guard let found = Currency.find(currency.string) else {
                return HostAPI.fail(err, EOP_ERR_NOT_FOUND, "format_money: '\(currency.string)' is not an ISO 4217 currency this host knows")
            }
            HostAPI.fillBuffer(out, with: Data(MoneyFormatter.format(Money(minorUnits: minorUnits, currency: found)).utf8))
            return EOP_OK
        }
        table.timer_start = { host, delayMS, intervalMS, fn, outID, err in
            guard let context = PluginContext.from(host), let fn else { return HostAPI.fail(err, EOP_ERR_INVALID, "timer_start: callback is NULL") }
            let id = context.host.startTimer(for: context, delay: .milliseconds(Int(delayMS)), interval: intervalMS > 0 ? .milliseconds(Int(intervalMS)) : nil, callback: fn)
            outID?.pointee = id
            return EOP_OK
        }
        table.timer_cancel = { host, id in
            guard let context = PluginContext.from(host) else { return EOP_ERR_INVALID }
            let timer = context.timers.withLock { $0.removeValue(forKey: id) }
            guard let timer else { return EOP_ERR_NOT_FOUND }
            timer.source.cancel()
            return EOP_OK
        }
        table.buffer_release = { _, buffer in
            guard let buffer else { return }
            free(buffer.pointee.data)
            buffer.pointee.data = nil
            buffer.pointee.len = 0
        }
        table.new_id = { _ in eop_uuid_t(UUIDv7.generate()) }
        table.now_unix_us = { _ in Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()) }
        return table
    }

    /// Copies the message into the plugin's error (if given) and returns `status`.
    static func fail(_ err: UnsafeMutablePointer<eop_error_t>?, _ status: eop_status_t, _ message: String) -> eop_status_t {
        err?.fail(status, message) ?? status
    }

    /// Fills a buffer the plugin releases with buffer_release() (malloc'd here, freed there).
    static func fillBuffer(_ buffer: UnsafeMutablePointer<eop_buffer_t>, with data: Data) {
        let memory = malloc(max(data.count, 1))!.assumingMemoryBound(to: UInt8.self)
        data.copyBytes(to: memory, count: data.count)
        buffer.pointee.struct_size = UInt32(MemoryLayout<eop_buffer_t>.size)
        buffer.pointee.data = memory
        buffer.pointee.len = data.count
    }
}

/// A refusal from a host function: the status to return and the message for `err`.
public struct HostCallError: Error, Sendable, CustomStringConvertible {
    /// The status returned to the plugin.
    public let status: eop_status_t
    /// The message for the operator.
    public let message: String
    /// The message.
    public var description: String { message }
}

extension Error {
    var status: eop_status_t { (self as? HostCallError)?.status ?? EOP_ERR_INTERNAL }
    var message: String { (self as? HostCallError)?.message ?? String(describing: self) }
}

extension Logger.Level {
    init(eop level: eop_log_level_t) {
        switch level {
        case ...EOP_LOG_TRACE: self = .trace
        case EOP_LOG_DEBUG: self = .debug
        case EOP_LOG_INFO: self = .info
        case EOP_LOG_NOTICE: self = .notice
        case EOP_LOG_WARNING: self = .warning
        default: self = .error
        }
    }
}
