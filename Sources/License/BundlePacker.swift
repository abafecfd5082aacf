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
/// What is read: the manifest (`manifest.json` of a plugin directory, or a manifest
/// file such as `Manifests/catalog.json`); the library named by the manifest beside
/// it, in `lib/`, or the file given; each listed migration, resolved against the
/// manifest's folder (bare names also in `Migrations/` or `migrations/`; every `.sql`
/// file there when the manifest lists none); the `docs` folder (default `Docs/`),
/// `assets/` and `Templates/` as assets (hidden files skipped).
public enum BundlePacker {
    /// File name of the signature inside a bundle.
    public static let signatureFile = "bundle.sig"
    /// File name of the optional vendor certificate inside a bundle.
    public static let certificateFile = "publisher.cert"
    /// Bundle file extension.
    public static let fileExtension = "eopbundle"

    /// Packs `pluginDirectory` (or a manifest file, see `collect`) and signs it as `publisher`.
    /// - Parameters:
    ///   - library: the built library, when it is not beside the manifest (e.g. `.build/release/libX.so`).
    ///   - output: bundle path; default `<parent of pluginDirectory>/<id>-<version>.eopbundle`.
    ///   - certificate: optional vendor certificate for the publisher key.
    /// - Returns: the bundle's URL.
    /// - Throws: `BundleError` (missing files, bad manifest, id outside the namespace).
    @discardableResult
    public static func pack(
        pluginDirectory: URL, signingKey: SigningKey, publisher: String, output: URL? = nil,
        certificate: SignedEnvelope? = nil, library: URL? = nil
    ) throws(BundleError) -> URL {
        let (manifest, files) = try collect(pluginDirectory, library: library)
        guard BundleNamespace.contains(publisher, pluginID: manifest.id) else {
            throw .outsideNamespace(pluginID: manifest.id, namespace: publisher)
        }
        let url = output ?? (pluginDirectory.pathExtension == "json" ? pluginDirectory.deletingLastPathComponent() : pluginDirectory).deletingLastPathComponent()
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
    static func defaultMigrations(_ dir: URL) -> [URL] {
        for folder in ["Migrations", "migrations"].map(dir.appendingPathComponent) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            let sql = names.filter { $0.hasSuffix(".sql") && BundlePath.isPlainFileName($0) }.sorted()
            if !sql.isEmpty { return sql.map(folder.appendingPathComponent) }
        }
        return []
    }

    /// Reads a plugin into bundle paths. `source` is the plugin directory (with
    /// `manifest.json`) or a manifest file anywhere (a repository's `Manifests/x.json`
    /// naming `../Plugins/X/Migrations/…` and `../Plugins/X/Docs`); every path in the
    /// manifest is resolved against the manifest's folder, as the loader does.
    ///
    /// The bundle's `manifest.json` is the manifest with those paths made bundle paths:
    /// `migrations` lists plain file names (packed in `migrations/`) and `docs` is
    /// `assets/Docs`, so the unpacked bundle loads and shows its docs as the source did.
    static func collect(_ source: URL, library libraryFile: URL? = nil) throws(BundleError) -> (BundleManifest, [String: Data]) {
        func read(_ url: URL) -> Data? { try? Data(contentsOf: url) }
        var isDirectory: ObjCBool = false
        let manifestURL = FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory) && !isDirectory.boolValue
            ? source : source.appendingPathComponent("manifest.json")
        let dir = manifestURL.deletingLastPathComponent()
        guard let manifestData = read(manifestURL) else { throw .packing(reason: "\(manifestURL.path) not found") }
        guard var fields = (try? JSONSerialization.jsonObject(with: manifestData)) as? [String: Any] else {
            throw .manifest(field: "manifest", reason: "\(manifestURL.path) is not a JSON object")
        }
        if let raw = fields["migrations"], !(raw is NSNull), !(raw is [String]) {
            throw .manifest(field: "migrations", reason: "must be a list of file paths")
        }
        let listed = fields["migrations"] as? [String] ?? []
        // License's parse wants plain migration names: it checks the rewritten list.
        if !listed.isEmpty { fields["migrations"] = listed.map { URL(fileURLWithPath: $0).lastPathComponent } }
        var files: [String: Data] = [:]

        guard let libraryName = fields["library"] as? String, BundlePath.isPlainFileName(libraryName) else {
            throw .manifest(field: "library", reason: "missing or not a plain file name")
        }
        let libraryCandidates = (libraryFile.map { [$0] } ?? []) + [dir.appendingPathComponent(libraryName), dir.appendingPathComponent("lib").appendingPathComponent(libraryName)]
        guard let library = libraryCandidates.lazy.compactMap(read).first else {
            throw .packing(reason: "library '\(libraryName)' not found in \(dir.path) or its lib/\(libraryFile.map { ", nor at \($0.path)" } ?? "")")
        }
        files["library/\(libraryName)"] = library

        // Listed migrations: beside the manifest as the loader reads them (older plugin
        // folders list bare names kept in Migrations/ or migrations/). None listed: the
        // loader runs every migrations/*.sql, so pack them all.
        let migrationFolders = ["", "Migrations", "migrations"].map { $0.isEmpty ? dir : dir.appendingPathComponent($0) }
        for (index, entry) in listed.enumerated() {
            let name = URL(fileURLWithPath: entry).lastPathComponent
            guard BundlePath.isPlainFileName(name), name.hasSuffix(".sql") else {
                throw .manifest(field: "migrations[\(index)]", reason: "'\(entry)' does not name a .sql file")
            }
            guard files["migrations/\(name)"] == nil else {
                throw .manifest(field: "migrations[\(index)]", reason: "a second migration named '\(name)'; a bundle keeps them in one folder")
            }
            guard let data = migrationFolders.lazy.compactMap({ read($0.appendingPathComponent(entry)) }).first else {
                throw .packing(reason: "\(manifestURL.lastPathComponent): migrations[\(index)] '\(entry)' not found beside the manifest nor in its Migrations/ or migrations/")
            }
            files["migrations/\(name)"] = data
        }
        if listed.isEmpty {
            for url in defaultMigrations(dir) {
                guard let data = read(url) else { continue }
                files["migrations/\(url.lastPathComponent)"] = data
            }
        }

        // Docs where the manifest says (default Docs/ beside it), packed as assets/Docs.
        let docsFolder = dir.appendingPathComponent(fields["docs"] as? String ?? "Docs")
        if fields["docs"] != nil, !FileManager.default.fileExists(atPath: docsFolder.path) {
            throw .packing(reason: "\(manifestURL.lastPathComponent): docs folder '\(fields["docs"]!)' not found at \(docsFolder.standardizedFileURL.path)")
        }
        // The unpacked bundle's docs are where the packer puts them (none packed: no field).
        fields["docs"] = FileManager.default.fileExists(atPath: docsFolder.path) ? "assets/Docs" : nil
        for (folder, root) in [("assets", dir.appendingPathComponent("assets")), ("Templates", dir.appendingPathComponent("Templates")), ("Docs", docsFolder)] {
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

        let packedManifest: Data
        do {
            packedManifest = try JSONSerialization.data(withJSONObject: fields, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw .packing(reason: "cannot write the bundle's manifest: \(error)")
        }
        files["manifest.json"] = packedManifest
        return (try BundleManifest.parse(packedManifest), files)
    }
}
