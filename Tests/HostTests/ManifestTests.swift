import EOPManifest
import Foundation
import Testing

@Suite("Manifests, topics and versions")
struct ManifestTests {
    @Test("version ranges accept what they should", arguments: [
        ("^1.2", "1.9.0", true), ("^1.2", "2.0.0", false), ("^0.3", "0.3.9", true), ("^0.3", "0.4.0", false),
        ("~1.2.0", "1.2.7", true), ("~1.2.0", "1.3.0", false), (">=1.0.0 <2.0.0", "1.5.0", true),
        (">=1.0.0 <2.0.0", "2.0.0", false), ("*", "9.9.9", true), ("1.2.3", "1.2.3", true), ("1.2.3", "1.2.4", false),
    ])
    func ranges(range: String, version: String, accepted: Bool) throws {
        let r = try #require(VersionRange(range))
        #expect(r.contains(try #require(SemanticVersion(version))) == accepted)
    }

    @Test("pre-releases sort before their release")
    func prerelease() throws {
        #expect(try #require(SemanticVersion("1.0.0-rc.1")) < (try #require(SemanticVersion("1.0.0"))))
        #expect(try #require(SemanticVersion("1.0.0-rc.2")) < (try #require(SemanticVersion("1.0.0-rc.10"))))
        #expect(SemanticVersion("1.0") == nil)
        #expect(SemanticVersion("01.x.0") == nil)
    }

    @Test("topic names follow <module>.<noun>.<verb>")
    func topics() {
        #expect(Topic.isValid("order.order.placed"))
        #expect(Topic.isValid("c-hello.greeting.echoed"))
        #expect(!Topic.isValid("order.placed"))
        #expect(!Topic.isValid("Order.order.placed"))
        #expect(!Topic.isValid("order..placed"))
    }

    @Test("manifest errors name the file and the field", arguments: [
        (#"{"id":"Bad Id","version":"1.0.0","abi":"1.0","library":"l.so"}"#, "field 'id'"),
        (#"{"id":"ok","version":"1.0.0","abi":"one","library":"l.so"}"#, "field 'abi'"),
        (#"{"id":"ok","version":"1.0.0","abi":"1.0","library":"../l.so"}"#, "field 'library': must be a file name"),
        (#"{"id":"ok","version":"1.0.0","abi":"1.0","library":"l.so","publishes":["nope"]}"#, "field 'publishes[0]'"),
        (#"{"id":"ok","version":"1.0.0","abi":"1.0","library":"l.so","subscribes":[{"topic":"a.b.c"}]}"#, "field 'subscribes[0].handler': is required"),
        (#"{"id":"ok","version":"1.0.0","abi":"1.0","library":"l.so","subscribes":[{"topic":"a.b.c","handler":"h","signature":{"params":[{"field":"x","type":"float128"}]}}]}"#, "field 'subscribes[0].signature.params[0].type'"),
        (#"{"id":"ok","version":"1.0.0","abi":"1.0","library":"l.so","dependencies":[{"id":"x","version":"about 2"}]}"#, "field 'dependencies[0].version'"),
        (#"{"id":"ok","version":"1.0.0","abi":"1.0","library":"l.so","subscribe":[]}"#, "field 'subscribe': is not a known field"),
        (#"{"id":"platform","version":"1.0.0","abi":"1.0","library":"l.so"}"#, "field 'id': \"platform\" is reserved for the host"),
    ])
    func manifestErrors(json: String, expected: String) {
        do {
            _ = try PluginManifest.parse(Data(json.utf8), file: "m.json", directory: URL(fileURLWithPath: "/tmp"))
            Issue.record("accepted: \(json)")
        } catch {
            #expect("\(error)".hasPrefix("m.json: "), "\(error)")
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test("the repository's event schemas and example manifests are valid")
    func repositoryFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let catalog = try EventCatalog.load(directory: root.appendingPathComponent("Manifests/events"))
        #expect(catalog["order.order.placed"]?.kind == .fact)
        for name in ["swift-hello", "c-hello"] {
            _ = try PluginManifest.load(from: root.appendingPathComponent("SDK/examples/\(name)/manifest.json"))
        }
        // Module manifests: every topic a module publishes or answers has its schema.
        let catalogManifest = try PluginManifest.load(from: root.appendingPathComponent("Manifests/catalog.json"))
        #expect(catalogManifest.id == "catalog")
        for topic in catalogManifest.publishes + catalogManifest.answers.map(\.topic) {
            #expect(catalog[topic]?.owner == "catalog", "Manifests/events/\(topic).json is missing")
        }
    }
}

@Suite("Manifest permissions")
struct ManifestPermissionTests {
    @Test("a route's permission must be declared, and declared permissions are named after the plugin")
    func declared() {
        let base = #"{"id":"shop","version":"1.0.0","abi":"1.0","library":"l.so","#
        #expect(throws: ManifestError.self) {
            _ = try PluginManifest.parse(Data((base + #""routes":[{"method":"GET","path":"/api/shop/x","handler":"h","auth":"staff","permission":"shop.x.read"}]}"#).utf8), file: "m.json", directory: URL(fileURLWithPath: "/tmp"))
        }
        #expect(throws: ManifestError.self) {
            _ = try PluginManifest.parse(Data((base + #""permissions":{"other.x.read":"no"}}"#).utf8), file: "m.json", directory: URL(fileURLWithPath: "/tmp"))
        }
        let ok = try? PluginManifest.parse(Data((base + #""permissions":{"shop.x.read":"Read x"},"routes":[{"method":"GET","path":"/api/shop/x","handler":"h","auth":"staff","permission":"shop.x.read"}]}"#).utf8), file: "m.json", directory: URL(fileURLWithPath: "/tmp"))
        #expect(ok?.permissions["shop.x.read"] == "Read x")
    }
}
