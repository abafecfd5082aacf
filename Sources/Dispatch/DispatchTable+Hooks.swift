import EOPABI
import Foundation

/// One plugin's part in a hook topic.
public struct HookHandler: Sendable {
    /// The handler, called like a query owner (same C shape, same gate).
    public let call: QueryOwner
    /// Lower runs first; ties in plugin-id order.
    public let order: Int

    /// Creates a hook slot.
    public init(call: QueryOwner, order: Int) {
        self.call = call
        self.order = order
    }

    var pluginID: String { call.pluginID }
}

/// What a hook's handlers answered, in call order, or why it stopped.
public struct HookOutcome: Sendable {
    /// `(plugin id, reply JSON)` of each handler that answered.
    public var replies: [(plugin: String, reply: Data)]
    /// OK, or the status that stopped the chain (EOP_ERR_DENIED for a veto).
    public var status: eop_status_t
    /// Who stopped it and why, naming the plugin.
    public var message: String

    /// Creates an outcome.
    public init(replies: [(plugin: String, reply: Data)], status: eop_status_t, message: String) {
        self.replies = replies
        self.status = status
        self.message = message
    }
}

/// Hooks: synchronous calls to every plugin that takes part in a topic, one after the
/// other, where any of them may veto. Used sparingly (DESIGN.md, Events): the caller
/// waits for all of them.
extension DispatchTable {
    /// Makes `hooks` the plugin's hook handlers (replacing its earlier ones).
    public func installHooks(pluginID: String, hooks: [HookHandler]) {
        routes.withLock { r in
            Self.removeHooks(of: pluginID, from: &r)
            for hook in hooks {
                var list = r.hooks[hook.call.topic, default: []]
                list.append(hook)
                list.sort { ($0.order, $0.pluginID) < ($1.order, $1.pluginID) }
                r.hooks[hook.call.topic] = list
            }
        }
    }

    static func removeHooks(of pluginID: String, from r: inout Routes) {
        for (topic, list) in r.hooks {
            let kept = list.filter { $0.pluginID != pluginID }
            r.hooks[topic] = kept.isEmpty ? nil : kept
        }
    }

    /// The handlers of a hook topic, in call order.
    public func hookHandlers(of topic: String) -> [HookHandler] {
        routes.withLock { $0.hooks[topic] ?? [] }
    }

    /// Calls every handler of the hook in order and collects their replies. The first
    /// handler that does not answer OK stops the chain; its status and message (prefixed
    /// with its plugin id) are the outcome. The whole chain shares one deadline.
    public func invokeHook(_ envelope: EventEnvelope, timeout: Duration) -> HookOutcome {
        let topic = envelope.event.topic
        let deadline = Date().addingTimeInterval(timeout.seconds)
        let box = HookBox()
        let done = DispatchSemaphore(value: 0)
        queryPool.run { [self] in
            var outcome = HookOutcome(replies: [], status: EOP_OK, message: "")
            for handler in hookHandlers(of: topic) {
                // A retired instance hands its turn to the handler that replaced it (same plugin).
                let answered = Self.call(handler.call, envelope, until: deadline) {
                    hookHandlers(of: topic).first { $0.pluginID == handler.pluginID && $0.call !== handler.call }?.call
                }
                guard let reply = answered else {
                    outcome.status = EOP_ERR_TIMEOUT
                    outcome.message = "'\(handler.pluginID)' did not take its turn in '\(topic)' within \(timeout)"
                    break
                }
                guard let result = reply else { continue }  // the plugin left the hook meanwhile
                guard result.status == EOP_OK else {
                    let reason = result.message.isEmpty ? "status \(result.status)" : result.message
                    outcome.status = result.status
                    outcome.message = "'\(handler.pluginID)' \(result.status == EOP_ERR_DENIED ? "vetoed" : "failed") '\(topic)': \(reason)"
                    break
                }
                outcome.replies.append((handler.pluginID, result.reply))
            }
            box.set(outcome)
            done.signal()
        }
        guard done.wait(timeout: .now() + timeout.seconds) == .success, let outcome = box.value else {
            return HookOutcome(replies: [], status: EOP_ERR_TIMEOUT, message: "the handlers of '\(topic)' did not all answer within \(timeout)")
        }
        return outcome
    }
}

private final class HookBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: HookOutcome?
    func set(_ value: HookOutcome) { lock.withLock { stored = value } }
    var value: HookOutcome? { lock.withLock { stored } }
}
