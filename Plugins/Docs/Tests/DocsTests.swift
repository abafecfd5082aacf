import EOPLicense
import EOPPluginTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Docs plugin: plugins' Markdown rendered per version at /docs, with contents and search; a refused module says it is not licensed")
struct DocsTests {
    static let staff = testHeaders("staff:owner:*")

    /// The Swift example plugin with docs in a test folder: a README and a second page.
    static func helloWithDocs(version: String = "1.0.0") throws -> (manifest: URL, docs: URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("eop-docs-\(UUID().uuidString.prefix(8))")
        let docs = folder.appendingPathComponent("guide")
        try FileManager.default.createDirectory(at: docs, withIntermediateDirectories: true)
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: ModuleRepo.root.appendingPathComponent("SDK/examples/swift-hello/manifest.json"))) as? [String: Any])
        manifest["docs"] = "guide"
        let file = folder.appendingPathComponent("hello.json")
        try JSONSerialization.data(withJSONObject: manifest).write(to: file)
        try """
        # Hello

        Greets every **placed order**.

        ## Greeting setting

        The `greeting` setting opens each message. <script>alert("x")</script>

        ```
        eop plugins list
        ```

        ## Greeting setting

        A second heading with the same text gets its own anchor.

        ### Tea time

        Mentions oolong once.
        """.write(to: docs.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        try "# Troubleshooting\n\nIf nothing is greeted, check the subscription.\n".write(to: docs.appendingPathComponent("troubleshooting.md"), atomically: true, encoding: .utf8)
        return (file, docs)
    }

    @Test("a page renders with cmark (safe), a table of contents with unique anchors, its version, and its sibling pages")
    func rendersPageWithContents() async throws {
        let hello = try Self.helloWithDocs()
        let shop = try await ModuleHost(modules: ["docs"], extraManifests: [hello.manifest])
        defer { shop.shutdown() }
        try #require(shop.host.plugin("docs")?.state == .active, "\(shop.reason("docs"))")
        try await shop.http { client in
            try await client.execute(uri: "/docs/hello", method: .get) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/docs/hello", method: .get, headers: Self.staff) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/html; charset=utf-8")
                let html = String(buffer: r.body)
                #expect(html.contains("<strong>placed order</strong>"))
                #expect(html.contains("<pre><code>eop plugins list\n</code></pre>"))
                #expect(!html.contains("<script>"), "raw HTML must not pass through")
                #expect(html.contains(#"<h2 id="greeting-setting">Greeting setting</h2>"#))
                #expect(html.contains(#"<h2 id="greeting-setting-2">Greeting setting</h2>"#))
                #expect(html.contains(#"<h3 id="tea-time">Tea time</h3>"#))
                // Contents: the sections below the title, linked by anchor.
                #expect(html.contains(#"<nav class="toc" aria-label="Contents">"#))
                #expect(html.contains(##"<a href="#greeting-setting">Greeting setting</a>"##))
                #expect(html.contains(##"<a href="#greeting-setting-2">Greeting setting</a>"##))
                #expect(html.contains(##"<li class="level3"><a href="#tea-time">Tea time</a></li>"##))
                #expect(html.contains("version 1.0.0"))
                #expect(html.contains(#"<a href="/docs/hello/troubleshooting">Troubleshooting</a>"#))
                #expect(!html.contains("not licensed"))
            }
            try await client.execute(uri: "/docs/hello/troubleshooting", method: .get, headers: Self.staff) { r in
                #expect(String(buffer: r.body).contains("check the subscription"))
            }
            try await client.execute(uri: "/docs/hello/missing", method: .get, headers: Self.staff) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/docs/nobody", method: .get, headers: Self.staff) { r in #expect(r.status == .notFound) }
        }
        // A changed file is rendered again.
        try "# Hello\n\n## Brand new section\n".write(to: hello.docs.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        try await shop.http { client in
            try await client.execute(uri: "/docs/hello", method: .get, headers: Self.staff) { r in
                #expect(String(buffer: r.body).contains(#"<h2 id="brand-new-section">"#))
            }
        }
    }

    @Test("a real plugin packed from its repository manifest into a signed bundle and installed: its migrations run and Docs shows the docs it ships")
    func docsFromAnInstalledBundle() async throws {
        // Launcher as the repository has it: Manifests/launcher.json naming ../Plugins/Launcher/Migrations/… and ../Plugins/Launcher/Docs.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("eop-bundle-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        // First-party ids are the vendor's namespace: a test vendor root certifies the signing key.
        let vendorRoot = SigningKey.generate(kid: "test-vendor"), key = SigningKey.generate(kid: "first-party", publisher: BundleNamespace.vendor)
        let certificate = try PublisherCertificate.issue(namespace: BundleNamespace.vendor, publisherKey: key.publicKey, vendorKey: vendorRoot)
        let bundle = try BundlePacker.pack(pluginDirectory: ModuleRepo.manifests.appendingPathComponent("launcher.json"), signingKey: key,
                                           publisher: BundleNamespace.vendor, output: folder.appendingPathComponent("launcher.eopbundle"),
                                           certificate: certificate, library: ModuleRepo.buildDirectory.appendingPathComponent("libLauncher.so"))
        let installed = try BundleInstaller.install(bundle: bundle, pluginsDirectory: folder.appendingPathComponent("plugins"),
                                                    verifier: BundleVerifier(trustStore: TrustStore(), vendorKeyring: Keyring(roots: [vendorRoot.publicKey])))
        let manifest = URL(fileURLWithPath: installed.directory).appendingPathComponent("manifest.json")

        let shop = try await ModuleHost(modules: ["docs"], extraManifests: [manifest])
        defer { shop.shutdown() }
        try #require(shop.host.plugin("launcher")?.state == .active, "\(shop.reason("launcher"))")
        #expect(shop.host.plugin("launcher")?.manifest?.docsDirectory.path.hasPrefix(installed.directory) == true, "docs come from the installed bundle")
        let db = try shop.connect()
        defer { db.close() }
        #expect(try db.execute("SELECT name FROM \(shop.schema(of: "launcher")).eop_migrations").rowCount == 1, "the bundle's migration ran")
        try await shop.http { client in
            try await client.execute(uri: "/docs/launcher", method: .get, headers: Self.staff) { r in
                #expect(r.status == .ok)
                let html = String(buffer: r.body)
                #expect(html.contains("Setup wizard") && html.contains("First staff account"), "\(html.prefix(600))")
                #expect(html.contains("1.0.0"), "the page names the installed version")
            }
        }
    }

    @Test("search finds the section holding every word, heading matches first, and links to its anchor")
    func searchHits() async throws {
        let hello = try Self.helloWithDocs()
        let shop = try await ModuleHost(modules: ["docs", "menu"], extraManifests: [hello.manifest])
        defer { shop.shutdown() }
        try await shop.http { client in
            try await client.execute(uri: "/docs?q=oolong", method: .get, headers: Self.staff) { r in
                let html = String(buffer: r.body)
                #expect(html.contains("1 result for"), "\(html)")
                #expect(html.contains(#"<a href="/docs/hello/README#tea-time">Tea time</a>"#))
            }
            // Two words, both in Menu's "Visibility by customer group" section; the heading match ranks it first.
            try await client.execute(uri: "/docs?q=customer%20group", method: .get, headers: Self.staff) { r in
                let html = String(buffer: r.body)
                let first = try #require(html.range(of: #"<ol class="hits"><li><a href=""#).map { html[$0.upperBound...].prefix(while: { $0 != "\"" }) })
                #expect(first == "/docs/menu/README#visibility-by-customer-group", "\(html)")
            }
            try await client.execute(uri: "/docs?q=zyzzyva", method: .get, headers: Self.staff) { r in
                #expect(String(buffer: r.body).contains("0 results for"))
            }
        }
    }

    @Test("a module the license refuses is listed, and its page says it is not licensed with the license's reason")
    func refusedModuleSaysNotLicensed() async throws {
        let shop = try await ModuleHost(modules: ["docs", "menu", "launcher"], refused: ["launcher"])
        defer { shop.shutdown() }
        try #require(shop.host.plugin("docs")?.state == .active, "\(shop.reason("docs"))")
        #expect(shop.host.plugin("launcher")?.state == .refused)
        try await shop.http { client in
            try await client.execute(uri: "/docs", method: .get, headers: Self.staff) { r in
                let html = String(buffer: r.body)
                #expect(html.contains(#"<a href="/docs/launcher">Launcher</a> 1.0.0 <strong>not licensed</strong>"#), "\(html)")
                #expect(html.contains(#"<a href="/docs/menu">Menu</a> 1.0.0 — 1 page"#))
            }
            try await client.execute(uri: "/docs/launcher", method: .get, headers: Self.staff) { r in
                #expect(r.status == .ok)
                let html = String(buffer: r.body)
                #expect(html.contains("This module is not licensed: module &#39;launcher&#39; is not in the license&#39;s tier"), "\(html)")
                #expect(html.contains(#"<h2 id="setup-wizard">Setup wizard</h2>"#))
            }
            try await client.execute(uri: "/docs/menu", method: .get, headers: Self.staff) { r in
                #expect(!String(buffer: r.body).contains("not licensed"))
            }
        }
    }
}
