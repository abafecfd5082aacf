import EOPLoader
import EOPManifest
import Foundation
import Testing

@Suite("platform.plugins.list: the query the host answers about its plugins")
struct PluginDirectoryTests {
    /// Refuses `denied`, as the License module refuses a module outside the tier.
    struct TierGate: ActivationGate {
        func refusal(for manifest: PluginManifest) -> String? { manifest.id == "denied" ? "module 'denied' is not in the license's tier" : nil }
        var licenseSummary: [String: String] { ["tier": "starter", "expires_at": "2030-01-01T00:00:00Z"] }
    }

    @Test("every plugin with its state, the license's answer, its docs folder and routes; and the license's tier and expiry")
    func listsPlugins() throws {
        let ws = try Workspace()
        try ws.probe("allowed")
        try ws.probe("denied")
        try ws.manifest("allowed", probeManifest("allowed"))
        try ws.manifest("denied", probeManifest("denied"))
        let configuration = LoaderConfiguration(
            manifestPaths: [ws.manifests, Repo.examples.appendingPathComponent("swift-hello/manifest.json")],
            librarySearchPaths: [ws.libraries, Repo.buildDirectory], imageDirectory: ws.root.appendingPathComponent("images"),
            events: try EventCatalog.load(directory: ws.events), gate: TierGate())
        let host = PluginHost(configuration: configuration)
        host.boot()
        defer { host.shutdown() }

        let reply = try host.ask(PluginHost.directoryTopic)
        let plugins = Dictionary(uniqueKeysWithValues: (reply["plugins"] as? [[String: Any]] ?? []).map { ($0["id"] as? String ?? "?", $0) })
        #expect(Set(plugins.keys) == ["allowed", "denied", "hello"])
        #expect(plugins["allowed"]?["state"] as? String == "active")
        #expect(plugins["allowed"]?["licensed"] as? Bool == true)
        #expect(plugins["allowed"]?["docs"] as? String == ws.manifests.appendingPathComponent("Docs").standardizedFileURL.path)
        #expect(plugins["denied"]?["state"] as? String == "refused")
        #expect(plugins["denied"]?["licensed"] as? Bool == false)
        #expect(plugins["denied"]?["license_refusal"] as? String == "module 'denied' is not in the license's tier")
        let routes = plugins["hello"]?["routes"] as? [[String: Any]] ?? []
        #expect(routes.contains { $0["method"] as? String == "GET" && $0["path"] as? String == "/api/hello/greetings/{name}" && $0["auth"] as? String == "none" })
        #expect(reply["license"] as? [String: String] == ["tier": "starter", "expires_at": "2030-01-01T00:00:00Z"])

        // It follows the host: a deactivated plugin is reported as such.
        try host.deactivate("allowed")
        let after = try host.ask(PluginHost.directoryTopic)
        let allowed = (after["plugins"] as? [[String: Any]])?.first { $0["id"] as? String == "allowed" }
        #expect(allowed?["state"] as? String == "resolved")
    }

    @Test("a manifest's 'docs' folder is resolved against its folder; an absolute one is refused naming the field")
    func docsField() throws {
        let base = #"{"id":"shop","version":"1.0.0","abi":"1.0","library":"l.so","#
        let manifest = try PluginManifest.parse(Data((base + #""docs":"../Plugins/Shop/Docs"}"#).utf8), file: "m.json", directory: URL(fileURLWithPath: "/srv/eop/Manifests"))
        #expect(manifest.docsDirectory.path == "/srv/eop/Plugins/Shop/Docs")
        let bundled = try PluginManifest.parse(Data((base + #""runtime":"c"}"#).utf8), file: "m.json", directory: URL(fileURLWithPath: "/srv/bundle"))
        #expect(bundled.docsDirectory.path == "/srv/bundle/Docs")
        #expect {
            _ = try PluginManifest.parse(Data((base + #""docs":"/etc"}"#).utf8), file: "m.json", directory: URL(fileURLWithPath: "/tmp"))
        } throws: { "\($0)".contains("field 'docs'") || "\($0)".contains("docs") }
    }
}
