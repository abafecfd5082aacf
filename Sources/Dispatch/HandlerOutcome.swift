import EOPABI

/// What one call of a handler came to.
public enum HandlerOutcome: Sendable, Equatable {
    /// Handled.
    case ok
    /// A transient failure: deliver again after a backoff.
    case retry(String)
    /// A permanent failure: dead-letter the event.
    case fail(String)

    /// Maps a C status and the handler's message. Any status other than OK or RETRY
    /// counts as FAIL, and says which code it was.
    init(status: eop_status_t, message: String) {
        switch status {
        case EOP_OK: self = .ok
        case EOP_RETRY: self = .retry(message.isEmpty ? "handler asked to retry" : message)
        case EOP_FAIL: self = .fail(message.isEmpty ? "handler failed" : message)
        default: self = .fail("handler returned unknown status \(status)" + (message.isEmpty ? "" : ": \(message)"))
        }
    }
}

/// A host-owned `eop_error_t` with its message buffer, reused by one thread.
public final class ErrorScratch: @unchecked Sendable {
    /// Bytes a plugin may write into an error message.
    public static let capacity = 1024
    /// The C struct to hand to the plugin.
    public let pointer: UnsafeMutablePointer<eop_error_t>
    private let buffer: UnsafeMutablePointer<CChar>

    /// Allocates a scratch error.
    public init() {
        buffer = .allocate(capacity: Self.capacity)
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: eop_error_t(struct_size: UInt32(MemoryLayout<eop_error_t>.size), code: 0, message: buffer, capacity: Self.capacity, len: 0))
    }

    /// Clears the message before a call.
    @inline(__always) public func reset() {
        pointer.pointee.len = 0
        pointer.pointee.code = 0
    }

    /// The message the plugin wrote (clamped to the capacity).
    public var message: String {
        let len = min(pointer.pointee.len, Self.capacity)
        return String(decoding: UnsafeRawBufferPointer(start: buffer, count: len), as: UTF8.self)
    }

    /// The message, followed by the plugin's own code when it set one.
    public var messageWithCode: String {
        let code = pointer.pointee.code
        return code == 0 ? message : "\(message) (plugin code \(code))"
    }

    deinit {
        pointer.deallocate()
        buffer.deallocate()
    }
}

extension UnsafeMutablePointer where Pointee == eop_error_t {
    /// Copies `message` into the error's host-owned buffer (truncated to its capacity)
    /// and returns `status`, for host functions that fail.
    public func fail(_ status: eop_status_t, _ message: String) -> eop_status_t {
        guard let buffer = pointee.message else { return status }
        let bytes = Array(message.utf8.prefix(pointee.capacity))
        if !bytes.isEmpty { bytes.withUnsafeBytes { UnsafeMutableRawPointer(buffer).copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        pointee.len = bytes.count
        return status
    }
}
