import EOPABI
import EOPManifest
import Foundation

/// An active plugin's route with the handler to call: what the gateway serves.
public struct RouteBinding: @unchecked Sendable {
    /// The plugin answering.
    public let pluginID: String
    /// The route as declared.
    public let route: Route
    /// The resolved handler.
    public let handler: eop_route_handler_fn
    /// The plugin's context pointer (from its init).
    public let pluginContext: UnsafeMutableRawPointer?
    /// Calls running now; the plugin is destroyed only after they end.
    public let calls: CallCounter
}

/// Calls in flight into one plugin instance, and a gate that closes before it stops.
public final class CallCounter: @unchecked Sendable {
    private let condition = NSCondition()
    private var running = 0
    private var closed = false

    public init() {}

    /// Counts a call in; false once the plugin is stopping.
    public func enter() -> Bool {
        condition.lock(); defer { condition.unlock() }
        guard !closed else { return false }
        running += 1
        return true
    }

    /// Counts a call out.
    public func leave() {
        condition.lock()
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Refuses new calls and waits for the running ones to end.
    public func closeAndWait() {
        condition.lock()
        closed = true
        while running > 0 { condition.wait() }
        condition.unlock()
    }
}
