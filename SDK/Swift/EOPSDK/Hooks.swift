import EOPABI
import Foundation

/// One plugin's reply to a hook (`eop.hook.v1`).
public struct HookReply: Sendable, Equatable {
    /// The plugin that answered.
    public let plugin: String
    /// Its reply, as JSON text.
    public let json: String
}

extension HostAPI {
    /// Invokes a hook topic (listed under `requests` in the manifest): every plugin that
    /// takes part answers in turn, and the replies come back in that order (empty when
    /// none takes part). Throws when one vetoes (status `EOP_ERR_DENIED`) or fails; the
    /// message names the plugin. [any-thread] [may-block] up to `timeoutMS`.
    public func hook(_ topic: String, json: String, timeoutMS: UInt32 = 2_000) throws(PluginError) -> [HookReply] {
        guard let raw = extensionTable(EOP_EXT_HOOK_V1)?.assumingMemoryBound(to: eop_hook_v1_t.self), let invoke = raw.pointee.invoke else {
            throw PluginError("this host does not offer \(EOP_EXT_HOOK_V1)", status: EOP_ERR_UNAVAILABLE)
        }
        var buffer = eop_buffer_t(struct_size: UInt32(MemoryLayout<eop_buffer_t>.size), data: nil, len: 0)
        let status = withEvent(topic: topic, payload: Array(json.utf8), schemaVersion: 0) { event, err in
            invoke(self.raw, event, timeoutMS, &buffer, err)
        }
        defer { self.raw.pointee.buffer_release(self.raw, &buffer) }
        try status.check()
        let text = takeString(buffer)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
              let items = object["replies"] as? [[String: Any]] else {
            throw PluginError("\(topic): the host's replies are not the documented JSON: \(text.prefix(200))")
        }
        return items.map { item in
            let reply = item["reply"].flatMap { value -> String? in
                if let string = value as? String { return string }
                return (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
            }
            return HookReply(plugin: item["plugin"] as? String ?? "", json: reply ?? "null")
        }
    }
}
