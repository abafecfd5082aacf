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
}

extension Plugin {
    /// Nothing to do by default.
    public func activate() throws {}
    /// Nothing to do by default.
    public func deactivate() {}
    /// Nothing to do by default.
    public func timerFired(_ id: UInt64) {}
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
