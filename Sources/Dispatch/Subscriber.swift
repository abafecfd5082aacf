import EOPABI
import Foundation
import Synchronization

/// One slot of the dispatch table: a plugin's handler for one topic.
public final class Subscriber: @unchecked Sendable {
    /// How the handler is reached.
    public enum Invocation: @unchecked Sendable {
        /// `eop_event_handler_fn` with the plugin's context pointer.
        case generic(eop_event_handler_fn, UnsafeMutableRawPointer?)
        /// A plain C function bound to payload fields through libffi.
        case typed(TypedCall)
        /// A handler inside the host (host services, tests, benchmarks).
        case swift(@Sendable (EventEnvelope) -> HandlerOutcome)
    }

    /// The receiving plugin.
    public let pluginID: String
    /// The topic.
    public let topic: String
    /// The handler's name, for messages.
    public let handlerName: String
    /// Whether the handler may run concurrently (still in order per source).
    public let parallel: Bool
    /// How to call it.
    public let invocation: Invocation
    /// Which instance of the plugin it calls (0, then +1 per hot swap): a mailbox hands
    /// an event queued for an older instance to the current one instead.
    public let generation: UInt64
    /// Events handled with OK.
    public let delivered = Atomic<Int>(0)
    /// Calls that asked for a retry.
    public let retried = Atomic<Int>(0)
    /// Events dead-lettered.
    public let deadLettered = Atomic<Int>(0)

    /// Creates a slot.
    public init(pluginID: String, topic: String, handlerName: String, parallel: Bool = false, generation: UInt64 = 0, invocation: Invocation) {
        self.generation = generation
        self.pluginID = pluginID
        self.topic = topic
        self.handlerName = handlerName
        self.parallel = parallel
        self.invocation = invocation
    }

    /// Calls the handler once with `envelope`. The caller owns `scratch` (one per thread).
    @inline(__always)
    public func call(_ envelope: EventEnvelope, scratch: ErrorScratch) -> HandlerOutcome {
        switch invocation {
        case .generic(let function, let context):
            scratch.reset()
            let status = function(context, envelope.cEvent, scratch.pointer)
            return status == EOP_OK ? .ok : HandlerOutcome(status: status, message: scratch.messageWithCode)
        case .typed(let typed):
            return typed.call(payload: envelope.event.payload)
        case .swift(let body):
            return body(envelope)
        }
    }
}
