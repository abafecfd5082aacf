import Crypto
import Foundation

/// Makes a signed plugin bundle (`eop bundle pack`).
///
/// A bundle is a POSIX tar file (`<id>-<version>.eopbundle`) holding:
/// `manifest.json`, `library/<library>`, `migrations/<file>`…, `assets/…`, and
/// `bundle.sig`: a `SignedEnvelope` for `eop/bundle/v1\0` over the
/// `BundleFileList` (each file's path, size, SHA-256), signed under the
/// publisher key's fingerprint. An optional `publisher.cert` carries the
/// vendor's certification of the publisher key.
///
/// Plugin directory layout read: `manifest.json`; the library named by the
/// manifest at the top level or in `lib/`; each listed migration (every `.sql`
/// file when the manifest lists none) in `Migrations/` or `migrations/`; every file under `assets/`, `Templates/`
/// and `Docs/` as assets (hidden files skipped).
public enum BundlePacker {
    /// File name of the signature inside a bundle.
    public static let signatureFile = "bundle.sig"
    /// File name of the optional vendor certificate inside a bundle.
    public static let certificateFile = "publisher.cert"
    /// Bundle file extension.
    public static let fileExtension = "eopbundle"

    /// Packs `pluginDirectory` and signs it as `publisher`.
    /// - Parameters:
    ///   - output: bundle path; default `<parent of pluginDirectory>/<id>-<version>.eopbundle`.
    ///   - certificate: optional vendor certificate for the publisher key.
    /// - Returns: the bundle's URL.
    /// - Throws: `BundleError` (missing files, bad manifest, id outside the namespace).
    @discardableResult
    public static func pack(
        pluginDirectory: URL, signingKey: SigningKey, publisher: String, output: URL? = nil,
        certificate: SignedEnvelope? = nil
    ) throws(BundleError) -> URL {
        let (manifest, files) = try collect(pluginDirectory)
        guard BundleNamespace.contains(publisher, pluginID: manifest.id) else {
            throw .outsideNamespace(pluginID: manifest.id, namespace: publisher)
        }
        let url = output ?? pluginDirectory.deletingLastPathComponent()
            .appendingPathComponent("\(manifest.id)-\(manifest.version).\(fileExtension)")
        let data = try archive(files: files, manifest: manifest, signingKey: signingKey, publisher: publisher, certificate: certificate)
        do { try AtomicFile.write(data, to: url) } catch { throw .packing(reason: "cannot write \(url.path): \(error)") }
        return url
    }

    /// Signs `files` (bundle path → bytes) into archive bytes. No namespace check: tests use it to build bad bundles.
    static func archive(files: [String: Data], manifest: BundleManifest, signingKey: SigningKey, publisher: String,
                        certificate: SignedEnvelope? = nil) throws(BundleError) -> Data {
        let list = BundleFileList(
            publisher: publisher, pluginID: manifest.id, version: manifest.version.description,
            files: files.keys.sorted().map { path in
                BundleFileList.File(path: path, size: files[path]!.count, sha256: Data(SHA256.hash(data: files[path]!)).hexString)
            })
        do {
            let key = SigningKey(kid: signingKey.publicKey.fingerprint, publisher: publisher, privateKey: signingKey.privateKey)
            let envelope = try SignedEnvelope.sign(try list.jsonData(), domain: .bundle, with: key)
            var entries = [TarArchive.Entry(path: signatureFile, data: envelope.jsonData())]
            if let certificate { entries.append(TarArchive.Entry(path: certificateFile, data: certificate.jsonData())) }
            entries += files.keys.sorted().map { TarArchive.Entry(path: $0, data: files[$0]!) }
            return try TarArchive.write(entries)
        } catch {
            throw .packing(reason: "\(error)")
        }
    }

    /// The `.sql` files of `Migrations/` or `migrations/`, sorted: what the loader runs
    /// for a manifest without a `migrations` list.
    static func defaultMigrations(_ dir: URL) -> [String] {
        for folder in ["Migrations", "migrations"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(folder).path)) ?? []
            let sql = names.filter { $0.hasSuffix(".sql") && BundlePath.isPlainFileName($0) }.sorted()
            if !sql.isEmpty { return sql }
        }
        return []
    }

    /// Reads the plugin directory into bundle paths.
    static func collect(_ dir: URL) throws(BundleError) -> (BundleManifest, [String: Data]) {
        func read(_ url: URL) -> Data? { try? Data(contentsOf: url) }
        guard let manifestData = read(dir.appendingPathComponent("manifest.json")) else {
            throw .packing(reason: "\(dir.path)/manifest.json not found")
        }
        let manifest = try BundleManifest.parse(manifestData)
        var files: [String: Data] = ["manifest.json": manifestData]
        guard let library = read(dir.appendingPathComponent(manifest.library))
            ?? read(dir.appendingPathComponent("lib").appendingPathComponent(manifest.library)) else {
            throw .packing(reason: "library '\(manifest.library)' not found in \(dir.path) or its lib/")
        }
        files["library/\(manifest.library)"] = library
        // No list in the manifest: the loader runs every migrations/*.sql, so pack them all.
        for name in manifest.migrations.isEmpty ? defaultMigrations(dir) : manifest.migrations {
            guard let data = read(dir.appendingPathComponent("Migrations").appendingPathComponent(name))
                ?? read(dir.appendingPathComponent("migrations").appendingPathComponent(name)) else {
                throw .packing(reason: "migration '\(name)' not found in \(dir.path)/Migrations or migrations")
            }
            files["migrations/\(name)"] = data
        }
        for folder in ["assets", "Templates", "Docs"] {
            let root = dir.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                              options: [.skipsHiddenFiles]) else { continue }
            for case let url as URL in walker {
                guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
                let relative = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
                let path = folder == "assets" ? "assets/\(relative)" : "assets/\(folder)/\(relative)"
                guard BundlePath.isSafeRelativePath(path), let data = read(url) else { continue }
                files[path] = data
            }
        }
        return (manifest, files)
    }
}
