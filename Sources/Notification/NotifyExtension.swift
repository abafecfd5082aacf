import EOPABI
import EOPDispatch
import EOPLoader
import Foundation
import Synchronization

/// `eop.notify.v1`: plugins queue notifications through the ABI. The table is one per
/// process; each call finds the caller's plugin id and its host's notification module
/// (keyed by the host's storage, as a process may run several hosts in tests).
enum NotifyExtension {
    private static let modules = Mutex<[ObjectIdentifier: Notifications]>([:])

    // Immutable after creation; only its address is shared.
    nonisolated(unsafe) static let table: UnsafePointer<eop_notify_v1_t> = {
        var t = eop_notify_v1_t()
        t.struct_size = UInt32(MemoryLayout<eop_notify_v1_t>.size)
        t.send = { host, request, outID, err in
            guard let request else { return err?.fail(EOP_ERR_INVALID, "send: request is NULL") ?? EOP_ERR_INVALID }
            guard request.pointee.struct_size >= UInt32(MemoryLayout<eop_notify_request_t>.size) else {
                return err?.fail(EOP_ERR_INVALID, "send: request struct_size \(request.pointee.struct_size) is smaller than ABI 1.0's") ?? EOP_ERR_INVALID
            }
            guard let caller = PluginHost.caller(of: host), let storage = caller.storage as? AnyObject,
                  let module = modules.withLock({ $0[ObjectIdentifier(storage)] }) else {
                return err?.fail(EOP_ERR_UNAVAILABLE, "send: this host has no notification module") ?? EOP_ERR_UNAVAILABLE
            }
            let r = request.pointee
            do {
                let id = try module.notify(json: (type: r.type.string, recipient: r.recipient.string, channels: r.channels.string, data: r.data.string),
                                           origin: "plugin \(caller.id)")
                outID?.pointee = eop_uuid_t(id)
                return EOP_OK
            } catch let error as NotificationError {
                return err?.fail(EOP_ERR_INVALID, error.description) ?? EOP_ERR_INVALID
            } catch {
                return err?.fail(EOP_ERR_UNAVAILABLE, "send: the notification could not be recorded: \(error)") ?? EOP_ERR_UNAVAILABLE
            }
        }
        let pointer = UnsafeMutablePointer<eop_notify_v1_t>.allocate(capacity: 1)
        pointer.initialize(to: t)
        return UnsafePointer(pointer)
    }()

    static func register(_ module: Notifications, storage: AnyObject) { modules.withLock { $0[ObjectIdentifier(storage)] = module } }
    static func unregister(storage: AnyObject) { _ = modules.withLock { $0.removeValue(forKey: ObjectIdentifier(storage)) } }
}

extension Notifications {
    /// Offers `eop.notify.v1` to the plugins of `host`, whose storage is `storage` (the event log).
    public func registerExtension(on host: PluginHost, storage: AnyObject) {
        NotifyExtension.register(self, storage: storage)
        host.extensions.register(EOP_EXT_NOTIFY_V1, table: UnsafeRawPointer(NotifyExtension.table))
    }

    /// Withdraws this module from the extension (its host is stopping).
    public func unregisterExtension(storage: AnyObject) { NotifyExtension.unregister(storage: storage) }

    /// A request as the C ABI carries it: JSON texts and a comma-separated channel list.
    func notify(json r: (type: String, recipient: String, channels: String, data: String), origin: String) throws -> UUID {
        func object(_ text: String, _ field: String) throws -> [String: Any] {
            if text.isEmpty { return [:] }
            guard let o = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
                throw NotificationError(field: field, reason: "must be a JSON object")
            }
            return o
        }
        let recipient = try object(r.recipient, "recipient")
        if let unknown = recipient.keys.sorted().first(where: { !Recipient.fields.contains($0) }) {
            throw NotificationError(field: "recipient.\(unknown)", reason: "not a recipient field; use \(Recipient.fields.joined(separator: ", "))")
        }
        let channels = try Channel.list(r.channels.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }, field: "channels")
        return try notify(type: r.type, recipient: Recipient(json: recipient), channels: channels, data: try object(r.data, "data"), origin: origin)
    }
}
