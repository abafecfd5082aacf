import Foundation
import Testing
@testable import EOPLicense

@Suite("Signed plugin bundles")
struct BundleTests {
    static let publisherKey = SigningKey.generate(kid: "acme", publisher: "com.acme")

    /// A plugin directory in the layout `BundlePacker` reads.
    static func pluginDirectory(id: String = "com.acme.reports", version: String = "1.2.0", extraManifest: String = "") throws -> URL {
        let dir = Fixtures.tempDirectory().appendingPathComponent("Reports")
        let fm = FileManager.default
        for sub in ["Migrations", "assets/img", "Docs"] {
            try fm.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let manifest = """
            {"id": "\(id)", "version": "\(version)", "library": "libReports.so", "release_date": "2026-05-01",
             "channel": "stable", "migrations": ["0001_create_report.sql"], "abi": "1.0", "topics": ["x"]\(extraManifest)}
            """
        try Data(manifest.utf8).write(to: dir.appendingPathComponent("manifest.json"))
        try Data((0..<4096).map { UInt8($0 % 251) }).write(to: dir.appendingPathComponent("libReports.so"))
        try Data("CREATE TABLE report (id text);".utf8).write(to: dir.appendingPathComponent("Migrations/0001_create_report.sql"))
        try Data([0x89, 0x50, 0x4e, 0x47]).write(to: dir.appendingPathComponent("assets/img/logo.png"))
        try Data("# Reports".utf8).write(to: dir.appendingPathComponent("Docs/README.md"))
        return dir
    }

    static func trustingAcme() throws -> BundleVerifier {
        var store = TrustStore()
        try store.add(publicKeyBase64URL: publisherKey.publicKey.base64URL, namespace: "com.acme")
        return BundleVerifier(trustStore: store)
    }

    static func bundleError(_ body: () throws -> Void) -> BundleError? {
        do { try body(); return nil } catch let error as BundleError { return error } catch { return nil }
    }

    @Test func aPackedBundleVerifiesWithEveryFileListed() throws {
        let dir = try Self.pluginDirectory()
        let url = try BundlePacker.pack(pluginDirectory: dir, signingKey: Self.publisherKey, publisher: "com.acme")
        #expect(url.lastPathComponent == "com.acme.reports-1.2.0.eopbundle")
        let verified = try Self.trustingAcme().verify(bundleAt: url)
        #expect(verified.manifest.id == "com.acme.reports")
        #expect(verified.publisher == "com.acme")
        #expect(verified.keyTrust == .operatorTrusted)
        #expect(verified.fileList.files.map(\.path) == [
            "assets/Docs/README.md", "assets/img/logo.png", "library/libReports.so",
            "manifest.json", "migrations/0001_create_report.sql",
        ])
        #expect(verified.fileList.files.first { $0.path == "library/libReports.so" }?.size == 4096)
        #expect(verified.licenseInfo == ModuleLicenseInfo(id: "com.acme.reports", version: "1.2.0",
                                                          releaseDate: LicenseDate.parseDay("2026-05-01"), channel: .stable, publisher: "com.acme"))
    }

    @Test func aManifestWithoutAMigrationsListPacksEverySQLFileOfMigrationsLikeTheLoaderRuns() throws {
        let dir = try Self.pluginDirectory()
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("manifest.json"))) as? [String: Any])
        manifest["migrations"] = nil
        try JSONSerialization.data(withJSONObject: manifest).write(to: dir.appendingPathComponent("manifest.json"))
        try Data("ALTER TABLE report ADD COLUMN n int;".utf8).write(to: dir.appendingPathComponent("Migrations/0002_add_n.sql"))
        try Data("not sql".utf8).write(to: dir.appendingPathComponent("Migrations/notes.txt"))
        let url = try BundlePacker.pack(pluginDirectory: dir, signingKey: Self.publisherKey, publisher: "com.acme")
        let paths = try Self.trustingAcme().verify(bundleAt: url).fileList.files.map(\.path)
        #expect(paths.filter { $0.hasPrefix("migrations/") } == ["migrations/0001_create_report.sql", "migrations/0002_add_n.sql"])
    }

    /// A repository's layout: the manifest in Manifests/, naming its migrations and docs
    /// by paths relative to it, the library in the build folder.
    @Test func aRepositoryManifestWithRelativePathsPacksIntoABundleThatNamesBundlePaths() throws {
        let root = Fixtures.tempDirectory()
        let fm = FileManager.default
        for sub in ["Manifests", "Plugins/Reports/Migrations", "Plugins/Reports/Docs", "build"] {
            try fm.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let manifestURL = root.appendingPathComponent("Manifests/reports.json")
        try Data("""
            {"id": "com.acme.reports", "version": "2.0.0", "library": "libReports.so", "abi": "1.1",
             "migrations": ["../Plugins/Reports/Migrations/0001_create.sql", "../Plugins/Reports/Migrations/0002_more.sql"],
             "docs": "../Plugins/Reports/Docs"}
            """.utf8).write(to: manifestURL)
        try Data("CREATE TABLE r (id text);".utf8).write(to: root.appendingPathComponent("Plugins/Reports/Migrations/0001_create.sql"))
        try Data("ALTER TABLE r ADD n int;".utf8).write(to: root.appendingPathComponent("Plugins/Reports/Migrations/0002_more.sql"))
        try Data("# Reports".utf8).write(to: root.appendingPathComponent("Plugins/Reports/Docs/README.md"))
        let library = root.appendingPathComponent("build/libReports.so")
        try Data([1, 2, 3]).write(to: library)

        // Without the library's place it is refused, naming where it looked.
        let missing = Self.bundleError { _ = try BundlePacker.pack(pluginDirectory: manifestURL, signingKey: Self.publisherKey, publisher: "com.acme") }
        #expect(missing?.description.contains("libReports.so") == true, "\(String(describing: missing))")

        let url = try BundlePacker.pack(pluginDirectory: manifestURL, signingKey: Self.publisherKey, publisher: "com.acme", library: library)
        let verified = try Self.trustingAcme().verify(bundleAt: url)
        #expect(verified.fileList.files.map(\.path) == [
            "assets/Docs/README.md", "library/libReports.so", "manifest.json", "migrations/0001_create.sql", "migrations/0002_more.sql",
        ])
        let manifestBytes = try #require(verified.entries["manifest.json"])
        let packed = try #require(try JSONSerialization.jsonObject(with: manifestBytes) as? [String: Any])
        #expect(packed["migrations"] as? [String] == ["0001_create.sql", "0002_more.sql"], "listed in order, by their names in migrations/")
        #expect(packed["docs"] as? String == "assets/Docs")
        #expect(packed["abi"] as? String == "1.1", "the loader's fields are kept")

        // A listed migration that is not there names the manifest field.
        try Data("""
            {"id": "com.acme.reports", "version": "2.0.1", "library": "libReports.so", "migrations": ["../Plugins/Reports/Migrations/0003_gone.sql"]}
            """.utf8).write(to: manifestURL)
        let gone = Self.bundleError { _ = try BundlePacker.pack(pluginDirectory: manifestURL, signingKey: Self.publisherKey, publisher: "com.acme", library: library) }
        #expect(gone?.description.contains("migrations[0]") == true, "\(String(describing: gone))")
    }

    @Test func aBundleWithOneFileChangedAfterSigningIsRefusedNamingTheFile() throws {
        let url = try BundlePacker.pack(pluginDirectory: try Self.pluginDirectory(), signingKey: Self.publisherKey, publisher: "com.acme")
        var entries = try TarArchive.read(Data(contentsOf: url))
        let i = entries.firstIndex { $0.path == "library/libReports.so" }!
        entries[i].data[100] ^= 0xff
        try TarArchive.write(entries).write(to: url)
        let error = Self.bundleError { _ = try Self.trustingAcme().verify(bundleAt: url) }
        guard case .fileChanged(let path, _) = error else { Issue.record("expected fileChanged, got \(String(describing: error))"); return }
        #expect(path == "library/libReports.so")
        #expect(error?.description.hasPrefix("bundle file 'library/libReports.so': changed after signing") == true)
    }

    @Test func aBundleWhosePluginIdIsOutsideItsPublisherNamespaceIsRefused() throws {
        let dir = try Self.pluginDirectory(id: "org.other.reports")
        // The packer refuses it too…
        #expect(Self.bundleError { _ = try BundlePacker.pack(pluginDirectory: dir, signingKey: Self.publisherKey, publisher: "com.acme") }
                == .outsideNamespace(pluginID: "org.other.reports", namespace: "com.acme"))
        // …so forge one without that check and let the verifier catch it.
        let (manifest, files) = try BundlePacker.collect(dir)
        let data = try BundlePacker.archive(files: files, manifest: manifest, signingKey: Self.publisherKey, publisher: "com.acme")
        let error = Self.bundleError { _ = try Self.trustingAcme().verify(data) }
        #expect(error == .outsideNamespace(pluginID: "org.other.reports", namespace: "com.acme"))
        #expect(error?.description == "manifest field 'id': plugin id 'org.other.reports' is outside publisher namespace 'com.acme'")
    }

    @Test func aFirstPartyIdCannotBePublishedByAThirdParty() throws {
        let dir = try Self.pluginDirectory(id: "cart")
        let (manifest, files) = try BundlePacker.collect(dir)
        let data = try BundlePacker.archive(files: files, manifest: manifest, signingKey: Self.publisherKey, publisher: "com.acme")
        #expect(Self.bundleError { _ = try Self.trustingAcme().verify(data) } == .outsideNamespace(pluginID: "cart", namespace: "com.acme"))
    }

    @Test func aBundleFromAnUntrustedKeyIsRefused() throws {
        let url = try BundlePacker.pack(pluginDirectory: try Self.pluginDirectory(), signingKey: Self.publisherKey, publisher: "com.acme")
        let error = Self.bundleError { _ = try BundleVerifier(trustStore: TrustStore()).verify(bundleAt: url) }
        #expect(error == .untrustedPublisherKey(kid: Self.publisherKey.publicKey.fingerprint))
    }

    @Test func aKeyTrustedForAnotherNamespaceCannotSignForThisOne() throws {
        var store = TrustStore()
        try store.add(publicKeyBase64URL: Self.publisherKey.publicKey.base64URL, namespace: "org.other")
        let url = try BundlePacker.pack(pluginDirectory: try Self.pluginDirectory(), signingKey: Self.publisherKey, publisher: "com.acme")
        let error = Self.bundleError { _ = try BundleVerifier(trustStore: store).verify(bundleAt: url) }
        #expect(error == .publisherMismatch(signed: "com.acme", trusted: "org.other"))
    }

    @Test func anUnlistedFileAddedAfterSigningIsRefused() throws {
        let url = try BundlePacker.pack(pluginDirectory: try Self.pluginDirectory(), signingKey: Self.publisherKey, publisher: "com.acme")
        var entries = try TarArchive.read(Data(contentsOf: url))
        entries.append(TarArchive.Entry(path: "library/evil.so", data: Data([1, 2, 3])))
        try TarArchive.write(entries).write(to: url)
        #expect(Self.bundleError { _ = try Self.trustingAcme().verify(bundleAt: url) } == .unlistedFile(path: "library/evil.so"))
    }

    @Test func aVendorCertifiedPublisherIsTrustedWithoutTrustAdd() throws {
        let cert = try PublisherCertificate.issue(namespace: "com.acme", publisherKey: Self.publisherKey.publicKey, vendorKey: Fixtures.vendorKey)
        let url = try BundlePacker.pack(pluginDirectory: try Self.pluginDirectory(), signingKey: Self.publisherKey,
                                        publisher: "com.acme", certificate: cert)
        let verified = try BundleVerifier(trustStore: TrustStore(), vendorKeyring: Fixtures.keyring).verify(bundleAt: url)
        #expect(verified.keyTrust == .vendorCertified(by: "k-test"))
        #expect(Self.bundleError { _ = try BundleVerifier(trustStore: TrustStore(), vendorKeyring: Fixtures.keyring, revokedKids: ["k-test"]).verify(bundleAt: url) }
                == .untrustedPublisherKey(kid: Self.publisherKey.publicKey.fingerprint))
    }

    @Test func installUnpacksIntoAContentAddressedDirectoryAndRefusesOlderVersionsUnlessForced() throws {
        let plugins = Fixtures.tempDirectory().appendingPathComponent("plugins")
        let verifier = try Self.trustingAcme()
        let v12 = try BundlePacker.pack(pluginDirectory: try Self.pluginDirectory(version: "1.2.0"), signingKey: Self.publisherKey, publisher: "com.acme")
        let v11 = try BundlePacker.pack(pluginDirectory: try Self.pluginDirectory(version: "1.1.0"), signingKey: Self.publisherKey, publisher: "com.acme")

        let installed = try BundleInstaller.install(bundle: v12, pluginsDirectory: plugins, verifier: verifier)
        let digest = try verifier.verify(bundleAt: v12).digest
        #expect(installed.directory == plugins.appendingPathComponent("store/\(digest)").path)
        #expect(FileManager.default.fileExists(atPath: installed.library))
        #expect(FileManager.default.fileExists(atPath: installed.directory + "/migrations/0001_create_report.sql"))
        #expect(try BundleInstaller.install(bundle: v12, pluginsDirectory: plugins, verifier: verifier) == installed)

        let error = Self.bundleError { _ = try BundleInstaller.install(bundle: v11, pluginsDirectory: plugins, verifier: verifier) }
        #expect(error == .downgrade(pluginID: "com.acme.reports", installed: "1.2.0", offered: "1.1.0"))
        #expect(BundleInstaller.installed(pluginsDirectory: plugins).map(\.version) == ["1.2.0"])

        let forced = try BundleInstaller.install(bundle: v11, pluginsDirectory: plugins, verifier: verifier, force: true)
        #expect(forced.version == "1.1.0")
        #expect(BundleInstaller.installed(pluginsDirectory: plugins).map(\.version) == ["1.1.0"])
    }

    @Test func trustStoreRefusesBadNamespacesAndPersists() throws {
        var store = TrustStore()
        #expect(throws: BundleError.self) { try store.add(publicKeyBase64URL: Self.publisherKey.publicKey.base64URL, namespace: "eop") }
        #expect(throws: BundleError.self) { try store.add(publicKeyBase64URL: Self.publisherKey.publicKey.base64URL, namespace: "Com.Acme") }
        #expect(throws: BundleError.self) { try store.add(publicKeyBase64URL: "not-a-key", namespace: "com.acme") }
        try store.add(publicKeyBase64URL: Self.publisherKey.publicKey.base64URL, namespace: "com.acme")
        let url = Fixtures.tempDirectory().appendingPathComponent("trusted-publishers.json")
        try store.save(to: url)
        #expect(try TrustStore.load(from: url) == store)
    }

    @Test func tarEntriesRoundTripIncludingLongPaths() throws {
        let long = String(repeating: "d", count: 90) + "/" + String(repeating: "f", count: 60) + ".txt"
        let entries = [TarArchive.Entry(path: "a.txt", data: Data("x".utf8)), TarArchive.Entry(path: long, data: Data(count: 1000))]
        #expect(try TarArchive.read(TarArchive.write(entries)) == entries)
        #expect(throws: TarArchive.FormatError.self) { _ = try TarArchive.read(TarArchive.write(entries).prefix(700)) }
    }

    @Test func semanticVersionsOrderBySemVerPrecedence() {
        let order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-rc.1", "1.0.0", "1.1.0", "2.0.0"].map { BundleVersion($0)! }
        #expect(order == order.sorted())
        #expect(BundleVersion("1.2") == nil)
        #expect(BundleVersion("1.0.0+build") == BundleVersion("1.0.0"))
    }

    @Test func manifestParsingReadsOnlyTheLicenseFieldsAndNamesBadOnes() throws {
        let m = try BundleManifest.parse(Data(#"{"id":"cart","version":"1.0.0","library":"libCart.so","routes":[1]}"#.utf8))
        #expect(m.channel == .stable && m.releaseDate == nil && m.migrations.isEmpty)
        #expect(Self.bundleError { _ = try BundleManifest.parse(Data(#"{"id":"cart","version":"1","library":"libCart.so"}"#.utf8)) }
                == .manifest(field: "version", reason: "'1' is not a semantic version"))
        #expect(Self.bundleError { _ = try BundleManifest.parse(Data(#"{"id":"cart","version":"1.0.0","library":"../x.so"}"#.utf8)) }
                == .manifest(field: "library", reason: "missing or not a plain file name"))
    }
}
