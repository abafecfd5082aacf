import Foundation
import Testing

@Suite("Licensing through the eop and eop-license commands")
struct LicenseCLITests {
    /// Runs a built executable of this package.
    static func tool(_ name: String, _ arguments: [String], environment: [String: String], directory: URL) throws -> ProcessOutput {
        try runProcess(Repo.buildDirectory.appendingPathComponent(name), arguments, in: directory, environment: environment)
    }

    @Test("a Starter license: its 9 plugin modules plus the core run, the other 22 modules are refused with 'not in tier Starter'")
    func starterLicense() throws {
        let ws = try Workspace()
        let tiers = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Repo.root.appendingPathComponent("Manifests/tiers.json"))) as? [String: Any])
        let core = Set(((tiers["core"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String })
        #expect(core == ["platformkit", "license", "notification"])
        // Every plugin module of the product, as a real loaded C library under its id.
        let allIDs = ((tiers["always_active"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
            + ((tiers["tiers"] as? [[String: Any]]) ?? []).flatMap { (($0["adds"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String } }
        #expect(allIDs.count == 31)
        for id in allIDs {
            try ws.probe(id)
            try ws.manifest(id, probeManifest(id))
        }

        let home = ws.root.appendingPathComponent("home")
        let env = ["EOP_HOME": home.path, "EOP_PLUGIN_PATH": ws.manifests.path, "EOP_LIBRARY_PATH": ws.libraries.path,
                   "EOP_EVENTS_DIR": ws.events.path, "EOP_TIERS": Repo.root.appendingPathComponent("Manifests/tiers.json").path,
                   "EOP_HTTP_PORT": "0"]
        let keygen = try Self.tool("eop-license", ["keygen", "--kid", "test-vendor", "--out-dir", ws.root.path], environment: env, directory: ws.root)
        #expect(keygen.status == 0, "\(keygen.err)")
        let publicKey = try #require(keygen.out.split(separator: "\n").first { $0.hasPrefix("public key:") }?.split(separator: " ").last.map(String.init))
        let issue = try Self.tool("eop-license", ["issue", "--key", ws.root.appendingPathComponent("test-vendor.key.json").path,
                                                  "--licensee", "Dhaka Shoes", "--tier", "starter", "--out", "starter.eop"], environment: env, directory: ws.root)
        #expect(issue.status == 0, "\(issue.err)")
        let inspect = try Self.tool("eop-license", ["inspect", "starter.eop"], environment: env, directory: ws.root)
        #expect(inspect.out.contains("tier") && inspect.out.contains("starter") && inspect.out.contains("Dhaka Shoes"), "\(inspect.out)")

        // Development mode lets the operator trust a test vendor key; production trusts only compiled-in keys.
        let trust = try Self.tool("eop", ["license", "trust-vendor-key", "test-vendor", publicKey], environment: env, directory: Repo.root)
        #expect(trust.status == 0, "\(trust.err)")
        let install = try Self.tool("eop", ["license", "install", ws.root.appendingPathComponent("starter.eop").path], environment: env, directory: Repo.root)
        #expect(install.status == 0, "\(install.err)")

        let host = try HostProcess(home: home, environment: env, log: ws.root.appendingPathComponent("host.log"))
        defer { host.interrupt() }
        try host.waitReady()

        let list = try Self.tool("eop", ["plugins", "list"], environment: env, directory: Repo.root)
        #expect(list.status == 0, "\(list.err)")
        let rows = list.out.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        let states = Dictionary(rows.filter { $0.count >= 3 }.map { ($0[0], $0[2]) }, uniquingKeysWith: { a, _ in a })
        let starter = ["launcher", "docs", "menu", "catalog", "storefront", "cart", "order", "payment", "gallery"]
        for id in starter { #expect(states[id] == "active", "\(id): \(list.out)") }
        #expect(states["platformkit"] == "active" && states["license"] == "active")
        let refused = rows.filter { $0.count >= 3 && $0[2] == "refused" }
        #expect(refused.count == 22, "\(list.out)")
        #expect(refused.allSatisfy { $0.suffix(4) == ["not", "in", "tier", "Starter"] }, "\(list.out)")
        #expect(Set(refused.map { $0[0] }).isDisjoint(with: starter))
    }
}
