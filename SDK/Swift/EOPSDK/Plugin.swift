import EOPABI

/// A plugin written in Swift. The SDK turns it into the C descriptor the host loads;
/// nothing Swift crosses the boundary.
///
///     final class Hello: Plugin {
///         static let id = "hello", version = "1.0.0"
///         init(host: HostAPI) throws { ... }
///     }
///     @_cdecl("eop_plugin_entry")
///     public func entry() -> UnsafeRawPointer { PluginExport.descriptor(for: Hello.self) }
public protocol Plugin: AnyObject {
    /// The plugin id; must equal the manifest's `id`.
    static var id: String { get }
    /// The version; must equal the manifest's `version`.
    static var version: String { get }
    /// Creates the plugin's state. Throwing fails init with the error's message. [control]
    init(host: HostAPI) throws
    /// Starts serving. [control]
    func activate() throws
    /// Stops serving; delivery has already stopped. [control]
    func deactivate()
    /// A timer started with `HostAPI.startTimer` fired. [mailbox]
    func timerFired(_ id: UInt64)
    /// Hot swap, on the old instance (deliveries paused): the state to carry to the next
    /// version as bytes, with your layout number; nil when there is nothing to carry.
    /// Throwing refuses the swap, which rolls back. [control]
    func exportState() throws -> (format: UInt32, bytes: [UInt8])?
    /// Hot swap, on the new instance (after init, before activate): what the old version
    /// exported. Migrate older layouts; throw for one you do not know (the swap rolls
    /// back and the old version serves on). [control]
    func importState(_ bytes: [UInt8], format: UInt32, from version: String) throws
}

extension Plugin {
    /// Nothing to do by default.
    public func activate() throws {}
    /// Nothing to do by default.
    public func deactivate() {}
    /// Nothing to do by default.
    public func timerFired(_ id: UInt64) {}
    /// No state to carry by default.
    public func exportState() throws -> (format: UInt32, bytes: [UInt8])? { nil }
    /// Refuses by default: a version that keeps state must say how to read it.
    public func importState(_ bytes: [UInt8], format: UInt32, from version: String) throws {
        throw PluginError("\(Self.id) \(Self.version) cannot import state (format \(format) from \(version)): implement importState(_:format:from:)")
    }
}

/// What a handler returns.
public enum HandlerResult: Sendable, Equatable {
    /// Handled.
    case ok
    /// Try again later, with backoff; the message is logged.
    case retry(String)
    /// Give up: the event is dead-lettered with this message.
    case fail(String)
}

/// An error with a message the host shows to the operator, and the status to report.
public struct PluginError: Error, Sendable, CustomStringConvertible {
    /// The status (`EOP_FAIL` or an `EOP_ERR_*` code).
    public var status: Int32
    /// The message.
    public var message: String

    /// Creates an error.
    public init(_ message: String, status: Int32 = EOP_FAIL) {
        self.message = message
        self.status = status
    }

    /// The message.
    public var description: String { message }
}
