import EOPABI
import Foundation

/// The one plugin that answers a command or query topic.
public final class QueryOwner: @unchecked Sendable {
    /// How the answer is produced.
    public enum Invocation: @unchecked Sendable {
        /// `eop_query_handler_fn` with the plugin's context pointer.
        case generic(eop_query_handler_fn, UnsafeMutableRawPointer?)
        /// A handler inside the host.
        case swift(@Sendable (EventEnvelope) -> QueryResult)
    }

    /// The answering plugin.
    public let pluginID: String
    /// The topic.
    public let topic: String
    /// Its handler's name.
    public let handlerName: String
    /// How to call it.
    public let invocation: Invocation
    /// The owning instance's gate (a hot swap holds callers here), if any.
    public let gate: CallGate?

    /// Creates an owner slot.
    public init(pluginID: String, topic: String, handlerName: String, invocation: Invocation, gate: CallGate? = nil) {
        self.pluginID = pluginID
        self.topic = topic
        self.handlerName = handlerName
        self.invocation = invocation
        self.gate = gate
    }

    /// Calls the owner (on the calling thread).
    public func answer(_ envelope: EventEnvelope) -> QueryResult {
        switch invocation {
        case .swift(let body):
            return body(envelope)
        case .generic(let function, let context):
            let sink = ReplySink()
            let scratch = ErrorScratch()
            let status = withExtendedLifetime(sink) { function(context, envelope.cEvent, sink.reply, scratch.pointer) }
            return QueryResult(status: status, reply: sink.bytes, message: scratch.message)
        }
    }
}

/// A reply, or why there is none.
public struct QueryResult: Sendable, Equatable {
    /// The owner's status, or one of the host's EOP_ERR_* codes.
    public var status: eop_status_t
    /// The reply bytes (JSON).
    public var reply: Data
    /// The owner's or host's message when status is not OK.
    public var message: String

    /// Creates a result.
    public init(status: eop_status_t, reply: Data = Data(), message: String = "") {
        self.status = status
        self.reply = reply
        self.message = message
    }
}

/// A host-owned `eop_reply_t` that collects what the plugin writes.
public final class ReplySink: @unchecked Sendable {
    /// The sink to hand to the plugin; valid while this object lives.
    public let reply: UnsafeMutablePointer<eop_reply_t>
    /// What the plugin wrote.
    public private(set) var bytes = Data()

    /// An empty sink.
    public init() {
        reply = .allocate(capacity: 1)
        reply.initialize(to: eop_reply_t(struct_size: UInt32(MemoryLayout<eop_reply_t>.size), host_data: nil, write: { reply, data, len in
            guard let reply, let owner = reply.pointee.host_data else { return EOP_ERR_INVALID }
            guard len == 0 || data != nil else { return EOP_ERR_INVALID }
            let sink = Unmanaged<ReplySink>.fromOpaque(owner).takeUnretainedValue()
            if len > 0 { sink.bytes.append(data!, count: len) }
            return EOP_OK
        }))
        reply.pointee.host_data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit { reply.deallocate() }
}
