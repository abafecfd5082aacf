import Foundation

/// A plugin installed from a bundle.
public struct InstalledPlugin: Codable, Sendable, Equatable {
    /// Plugin id.
    public var id: String
    /// Version.
    public var version: String
    /// Publisher namespace.
    public var publisher: String
    /// Content address (hex SHA-256 of the signed file list).
    public var digest: String
    /// Directory holding the unpacked bundle (`<plugins>/store/<digest>`).
    public var directory: String
    /// Library path inside it.
    public var library: String
    /// When it was installed (RFC 3339).
    public var installedAt: String

    enum CodingKeys: String, CodingKey {
        case id, version, publisher, digest, directory, library
        case installedAt = "installed_at"
    }
}

/// Installs verified bundles into a content-addressed store (`eop plugins install`).
///
/// Layout: `<plugins>/store/<digest>/` holds `manifest.json`, `library/`,
/// `migrations/`, `assets/`, `bundle.sig`; `<plugins>/installed/<id>.json`
/// records the active version. Unpacking goes to a temp directory renamed into
/// place, so a store directory is complete or absent. Installing the same
/// bundle again changes nothing.
///
/// The installer checks signature and files; whether the plugin may activate
/// is License's `LicenseGate.decide`, asked by the loader (and shown by the CLI).
public enum BundleInstaller {
    /// Verifies and installs the bundle at `bundle`.
    /// - Parameter force: install even when the offered version is not newer than the installed one.
    /// - Throws: `BundleError` (verification, `.downgrade`, file-system problems as `.unreadable`).
    public static func install(
        bundle: URL, pluginsDirectory: URL, verifier: BundleVerifier, force: Bool = false, at date: Date = Date()
    ) throws(BundleError) -> InstalledPlugin {
        let verified = try verifier.verify(bundleAt: bundle)
        let id = verified.manifest.id
        let recordURL = pluginsDirectory.appendingPathComponent("installed").appendingPathComponent("\(id).json")
        if let current = installed(recordURL) {
            if current.digest == verified.digest { return current }
            let offered = verified.manifest.version
            if !force, let installedVersion = BundleVersion(current.version), !(installedVersion < offered) {
                throw .downgrade(pluginID: id, installed: current.version, offered: offered.description)
            }
        }
        let fm = FileManager.default
        let store = pluginsDirectory.appendingPathComponent("store", isDirectory: true)
        let target = store.appendingPathComponent(verified.digest, isDirectory: true)
        do {
            if !fm.fileExists(atPath: target.path) {
                let temp = store.appendingPathComponent(".tmp-\(UUID().uuidString)", isDirectory: true)
                try fm.createDirectory(at: temp, withIntermediateDirectories: true)
                for (path, data) in verified.entries {
                    let url = temp.appendingPathComponent(path)
                    try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try data.write(to: url)
                }
                try fm.moveItem(at: temp, to: target)
            }
            let record = InstalledPlugin(
                id: id, version: verified.manifest.version.description, publisher: verified.publisher,
                digest: verified.digest, directory: target.path,
                library: target.appendingPathComponent("library").appendingPathComponent(verified.manifest.library).path,
                installedAt: LicenseDate.formatTimestamp(date))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try AtomicFile.write(try encoder.encode(record), to: recordURL)
            return record
        } catch {
            throw .unreadable(reason: "install into \(pluginsDirectory.path) failed: \(error)")
        }
    }

    /// Every installed plugin, sorted by id.
    public static func installed(pluginsDirectory: URL) -> [InstalledPlugin] {
        let dir = pluginsDirectory.appendingPathComponent("installed")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
            .compactMap { installed(dir.appendingPathComponent($0)) }
    }

    private static func installed(_ url: URL) -> InstalledPlugin? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(InstalledPlugin.self, from: data)
    }
}
