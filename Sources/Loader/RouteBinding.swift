import EOPABI
import EOPDispatch
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
    /// The resolved `inline_handler`, tried first on the event loop.
    public let inlineHandler: eop_route_handler_fn?
    /// The plugin's context pointer (from its init).
    public let pluginContext: UnsafeMutableRawPointer?
    /// Calls running now into this instance; it is destroyed only after they end.
    public let calls: CallGate
}
