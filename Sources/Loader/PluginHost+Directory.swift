import EOPABI
import EOPDispatch
import EOPManifest
import EOPPlatformKit
import Foundation

/// `platform.plugins.list`: a query the host itself answers, so plugins such as Menu,
/// Docs and Launcher learn which plugins run, their routes, their docs folder and the
/// license's answer without importing the host. Plugins send it with `request` like any
/// query (it must be under `requests` in their manifest).
extension PluginHost {
    /// The topic; its schema is `Manifests/events/platform.plugins.list.json`.
    public static let directoryTopic = "platform.plugins.list"

    /// Makes the host the owner of `platform.plugins.list` (called once, from init).
    func installDirectory() {
        // Nobody else can own it yet: the table is new.
        try? answerInHost(Self.directoryTopic) { [weak self] _ in
            guard let self else { return QueryResult(status: EOP_ERR_UNAVAILABLE, message: "the host is stopping") }
            return QueryResult(status: EOP_OK, reply: self.directoryJSON())
        }
    }

    /// Makes the host itself (owner `platform`) answer a command or query topic; plugins send
    /// it like any other, listed under `requests`. Call before `boot()`: a plugin answering
    /// the topic later is refused, naming the host.
    public func answerInHost(_ topic: String, _ answer: @escaping @Sendable (Event) -> QueryResult) throws {
        try table.addOwner(QueryOwner(pluginID: "platform", topic: topic, handlerName: "host", invocation: .swift { envelope in answer(envelope.event) }))
    }

    /// Every plugin the host knows (active, refused, failed, …) with what other plugins may show of it:
    /// `{"plugins": [{id, name, version, state, reason, licensed, license_refusal, docs, routes: [...]}], "license": {...}}`.
    public func directoryJSON() -> Data {
        let rows: [[String: Any]] = plugins.map { record in
            var row: [String: Any] = ["id": record.id, "state": record.state.rawValue, "version": record.versionText]
            if let reason = record.reason { row["reason"] = reason }
            guard let manifest = record.manifest else { return row }
            row["name"] = manifest.name
            // Asked again (not read from `reason`): a plugin refused for another cause may still be licensed.
            let refusal = configuration.gate.refusal(for: manifest)
            row["licensed"] = refusal == nil
            if let refusal { row["license_refusal"] = refusal }
            row["docs"] = manifest.docsDirectory.path
            row["routes"] = manifest.routes.map { route -> [String: Any] in
                var r: [String: Any] = ["method": route.method, "path": route.path, "auth": route.auth.rawValue]
                if let permission = route.permission { r["permission"] = permission }
                if let summary = route.summary { r["summary"] = summary }
                return r
            }
            return row
        }
        let object: [String: Any] = ["plugins": rows, "license": configuration.gate.licenseSummary]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}
