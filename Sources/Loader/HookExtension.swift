import EOPABI
import EOPDispatch
import Foundation

/// `eop.hook.v1` (SDK/include/eop/ext/hook.h): a plugin invokes a hook topic and gets
/// every taking-part plugin's reply, in order. Every host offers it.
enum HookExtension {
    // Immutable after creation; only its address is shared.
    nonisolated(unsafe) static let table: UnsafePointer<eop_hook_v1_t> = {
        var t = eop_hook_v1_t()
        t.struct_size = UInt32(MemoryLayout<eop_hook_v1_t>.size)
        t.invoke = { host, event, timeoutMS, replies, err in
            guard let context = PluginContext.from(host), let event, let replies else {
                return HostAPI.fail(err, EOP_ERR_INVALID, "invoke: event or replies is NULL")
            }
            guard event.pointee.struct_size >= HostAPI.eventSizeV1_0 else {
                return HostAPI.fail(err, EOP_ERR_INVALID, "invoke: event struct_size \(event.pointee.struct_size) is smaller than ABI 1.0's \(HostAPI.eventSizeV1_0)")
            }
            let outcome = context.host.invokeHook(from: context, event: event.pointee, timeout: .milliseconds(Int(max(timeoutMS, 1))))
            HostAPI.fillBuffer(replies, with: encode(outcome))
            return outcome.status == EOP_OK ? EOP_OK : HostAPI.fail(err, outcome.status, outcome.message)
        }
        let pointer = UnsafeMutablePointer<eop_hook_v1_t>.allocate(capacity: 1)
        pointer.initialize(to: t)
        return UnsafePointer(pointer)
    }()

    /// `{"replies": [{"plugin": "<id>", "reply": <JSON>}, …]}`; a reply that is not JSON
    /// is passed on as a string so the caller still sees it.
    static func encode(_ outcome: HookOutcome) -> Data {
        let items: [[String: Any]] = outcome.replies.map { item in
            let value = (try? JSONSerialization.jsonObject(with: item.reply, options: [.fragmentsAllowed])) ?? String(decoding: item.reply, as: UTF8.self)
            return ["plugin": item.plugin, "reply": value]
        }
        return (try? JSONSerialization.data(withJSONObject: ["replies": items], options: [.sortedKeys])) ?? Data(#"{"replies":[]}"#.utf8)
    }
}
