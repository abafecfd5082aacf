import EOPABI
import Foundation

/// The host, as a Swift plugin sees it: a thin wrapper over the `eop_host_t` table.
/// Every call follows the thread rule written on its C slot in `eop/host.h`.
public struct HostAPI: @unchecked Sendable {
    /// The raw table; host-owned until the plugin is destroyed.
    public let raw: UnsafePointer<eop_host_t>

    /// Log levels.
    public enum LogLevel: Int32, Sendable {
        case trace = 0, debug, info, notice, warning, error
    }

    /// Wraps the table the host passed to init.
    public init(_ raw: UnsafePointer<eop_host_t>) { self.raw = raw }

    /// Writes a line to the host's log. [any-thread]
    public func log(_ level: LogLevel, _ message: String) {
        var text = message
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                raw.pointee.log(raw, level.rawValue, eop_str_t(ptr: chars.baseAddress, len: chars.count))
            }
        }
    }

    /// Publishes a fact with a JSON payload; the topic must be in the manifest's `publishes`.
    /// Returns the event id. [any-thread]
    @discardableResult
    public func publish(_ topic: String, json: String, schemaVersion: UInt32 = 0) throws(PluginError) -> UUID? {
        var out = eop_uuid_t()
        let status = withEvent(topic: topic, payload: Array(json.utf8), schemaVersion: schemaVersion) { event, err in
            raw.pointee.publish(raw, event, &out, err)
        }
        try status.check()
        return out.swiftUUID
    }

    /// Sends a command or query and waits at most `timeoutMS` for the reply (JSON text).
    /// The topic must be in the manifest's `requests`. [any-thread] [may-block]
    public func request(_ topic: String, json: String, timeoutMS: UInt32 = 2_000) throws(PluginError) -> String {
        var buffer = eop_buffer_t(struct_size: UInt32(MemoryLayout<eop_buffer_t>.size), data: nil, len: 0)
        let status = withEvent(topic: topic, payload: Array(json.utf8), schemaVersion: 0) { event, err in
            raw.pointee.request(raw, event, timeoutMS, &buffer, err)
        }
        defer { raw.pointee.buffer_release(raw, &buffer) }
        try status.check()
        return takeString(buffer)
    }

    /// This plugin's setting `key` as JSON text (`"Hello"`, `3`, `true`). [any-thread]
    public func setting(_ key: String) throws(PluginError) -> String {
        var buffer = eop_buffer_t(struct_size: UInt32(MemoryLayout<eop_buffer_t>.size), data: nil, len: 0)
        let status = ErrorBuffer.with { err in
            withStr(key) { raw.pointee.setting_get(raw, $0, &buffer, err) }
        }
        defer { raw.pointee.buffer_release(raw, &buffer) }
        try status.check()
        return takeString(buffer)
    }

    /// A string setting's value (the JSON string decoded).
    public func stringSetting(_ key: String) throws(PluginError) -> String {
        let json = try setting(key)
        guard let value = try? JSONDecoder().decode(String.self, from: Data(json.utf8)) else {
            throw PluginError("setting '\(key)' is not a string: \(json)")
        }
        return value
    }

    /// Formats minor units of an ISO 4217 currency, e.g. `(12345600, "BDT")` → `৳1,23,456.00`. [any-thread]
    public func formatMoney(minorUnits: Int64, currency: String) throws(PluginError) -> String {
        var buffer = eop_buffer_t(struct_size: UInt32(MemoryLayout<eop_buffer_t>.size), data: nil, len: 0)
        let status = ErrorBuffer.with { err in
            withStr(currency) { raw.pointee.format_money(raw, minorUnits, $0, &buffer, err) }
        }
        defer { raw.pointee.buffer_release(raw, &buffer) }
        try status.check()
        return takeString(buffer)
    }

    /// Starts a timer; `Plugin.timerFired` runs on the plugin's mailbox. [any-thread]
    @discardableResult
    public func startTimer(delayMS: UInt32, intervalMS: UInt32 = 0) throws(PluginError) -> UInt64 {
        var id: UInt64 = 0
        let status = ErrorBuffer.with { err in
            raw.pointee.timer_start(raw, delayMS, intervalMS, PluginExport.timerTrampoline, &id, err)
        }
        try status.check()
        return id
    }

    /// Cancels a timer. [any-thread]
    public func cancelTimer(_ id: UInt64) { _ = raw.pointee.timer_cancel(raw, id) }

    /// An optional capability's table (e.g. `eop.sql.v1`), or nil when the host lacks it. [any-thread]
    public func extensionTable(_ id: String) -> UnsafeRawPointer? { raw.pointee.get_extension(raw, id) }

    func withEvent(topic: String, payload: [UInt8], schemaVersion: UInt32,
                           _ body: (UnsafePointer<eop_event_t>, UnsafeMutablePointer<eop_error_t>) -> Int32) -> Status {
        let topicBytes = Array(topic.utf8), contentType = Array("application/json".utf8)
        return ErrorBuffer.with { err in
            topicBytes.withUnsafeBufferPointer { t in
                contentType.withUnsafeBufferPointer { ct in
                    payload.withUnsafeBufferPointer { p in
                        var event = eop_event_t()
                        event.struct_size = UInt32(MemoryLayout<eop_event_t>.size)
                        event.topic = eop_str_t(ptr: UnsafeRawPointer(t.baseAddress)?.assumingMemoryBound(to: CChar.self), len: t.count)
                        event.schema_version = schemaVersion
                        event.content_type = eop_str_t(ptr: UnsafeRawPointer(ct.baseAddress)?.assumingMemoryBound(to: CChar.self), len: ct.count)
                        event.payload = p.baseAddress
                        event.payload_len = p.count
                        return body(&event, err)
                    }
                }
            }
        }
    }

    func takeString(_ buffer: eop_buffer_t) -> String {
        guard let data = buffer.data else { return "" }
        return String(decoding: UnsafeBufferPointer(start: data, count: buffer.len), as: UTF8.self)
    }
}

func withStr<R>(_ s: String, _ body: (eop_str_t) -> R) -> R {
    let bytes = Array(s.utf8)
    return bytes.withUnsafeBufferPointer { b in
        body(eop_str_t(ptr: UnsafeRawPointer(b.baseAddress)?.assumingMemoryBound(to: CChar.self), len: b.count))
    }
}

/// A status with the message the host wrote.
struct Status {
    var code: Int32
    var message: String

    func check() throws(PluginError) {
        guard code == EOP_OK else { throw PluginError(message.isEmpty ? "host call failed with status \(code)" : message, status: code) }
    }
}

/// A plugin-owned `eop_error_t` for calls into the host.
enum ErrorBuffer {
    static func with(_ body: (UnsafeMutablePointer<eop_error_t>) -> Int32) -> Status {
        let capacity = 1024
        let chars = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
        defer { chars.deallocate() }
        var err = eop_error_t(struct_size: UInt32(MemoryLayout<eop_error_t>.size), code: 0, message: chars, capacity: capacity, len: 0)
        let code = body(&err)
        let message = String(decoding: UnsafeRawBufferPointer(start: chars, count: min(err.len, capacity)), as: UTF8.self)
        return Status(code: code, message: message)
    }
}
