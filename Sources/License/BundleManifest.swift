import Foundation

/// The fields of a plugin manifest License reads: `id`, `version` (semver),
/// `library` (file name), optional `release_date` (YYYY-MM-DD), `channel`
/// (stable when absent) and `migrations` (file names). Other fields belong to
/// the loader and are ignored here.
public struct BundleManifest: Sendable, Equatable {
    /// Module id.
    public var id: String
    /// Version.
    public var version: BundleVersion
    /// Library file name, e.g. `libCart.so`.
    public var library: String
    /// Release date.
    public var releaseDate: Date?
    /// Release channel.
    public var channel: ReleaseChannel
    /// Migration file names, in order.
    public var migrations: [String]

    /// Creates a manifest value.
    public init(id: String, version: BundleVersion, library: String, releaseDate: Date? = nil,
                channel: ReleaseChannel = .stable, migrations: [String] = []) {
        self.id = id
        self.version = version
        self.library = library
        self.releaseDate = releaseDate
        self.channel = channel
        self.migrations = migrations
    }

    /// Parses manifest JSON.
    /// - Throws: `BundleError.manifest` naming the field.
    public static func parse(_ data: Data) throws(BundleError) -> BundleManifest {
        guard let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .manifest(field: "manifest", reason: "not a JSON object")
        }
        guard let id = o["id"] as? String, !id.isEmpty else { throw .manifest(field: "id", reason: "missing or not a string") }
        guard let vText = o["version"] as? String else { throw .manifest(field: "version", reason: "missing or not a string") }
        guard let version = BundleVersion(vText) else { throw .manifest(field: "version", reason: "'\(vText)' is not a semantic version") }
        guard let library = o["library"] as? String, BundlePath.isPlainFileName(library) else {
            throw .manifest(field: "library", reason: "missing or not a plain file name")
        }
        var releaseDate: Date? = nil
        if let r = o["release_date"], !(r is NSNull) {
            guard let text = r as? String, let d = LicenseDate.parseDay(text) else {
                throw .manifest(field: "release_date", reason: "not YYYY-MM-DD")
            }
            releaseDate = d
        }
        var channel = ReleaseChannel.stable
        if let c = o["channel"], !(c is NSNull) {
            guard let text = c as? String, let parsed = ReleaseChannel(rawValue: text) else {
                throw .manifest(field: "channel", reason: "not stable, rc or beta")
            }
            channel = parsed
        }
        var migrations: [String] = []
        if let m = o["migrations"], !(m is NSNull) {
            guard let list = m as? [String], list.allSatisfy(BundlePath.isPlainFileName) else {
                throw .manifest(field: "migrations", reason: "not a list of plain file names")
            }
            migrations = list
        }
        return BundleManifest(id: id, version: version, library: library, releaseDate: releaseDate,
                              channel: channel, migrations: migrations)
    }
}

/// Path rules inside bundles.
enum BundlePath {
    /// A single path component: no `/`, not `.`/`..`, no NUL, not hidden.
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("/") && !name.contains("\0") && name != "." && name != ".." && !name.hasPrefix(".")
    }

    /// A relative path of plain components.
    static func isSafeRelativePath(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
            isPlainFileName(String($0))
        }
    }
}
