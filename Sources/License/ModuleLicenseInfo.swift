import Foundation

/// What License needs to know about a module to decide whether it may activate.
/// The loader builds one from the module's manifest (see `init(manifest:publisher:)`).
public struct ModuleLicenseInfo: Sendable, Equatable {
    /// Module id: a tiers.json id (`catalog`) for first-party modules, a namespaced id (`acme.reports`) for third-party.
    public var id: String
    /// Semantic version text.
    public var version: String
    /// Release date from the manifest (`release_date`), nil when absent.
    public var releaseDate: Date?
    /// Release channel (`channel`), stable when absent.
    public var channel: ReleaseChannel
    /// Publisher namespace for a third-party plugin; nil (or `eop`) for first-party modules.
    public var publisher: String?

    /// Creates the info.
    public init(id: String, version: String, releaseDate: Date? = nil, channel: ReleaseChannel = .stable, publisher: String? = nil) {
        self.id = id
        self.version = version
        self.releaseDate = releaseDate
        self.channel = channel
        self.publisher = publisher
    }

    /// From a plugin manifest; `publisher` is the namespace that signed its bundle (nil or `eop` for first-party).
    public init(manifest: BundleManifest, publisher: String? = nil) {
        self.init(id: manifest.id, version: manifest.version.description, releaseDate: manifest.releaseDate,
                  channel: manifest.channel, publisher: publisher)
    }

    /// From manifest text as another module parsed it: `releaseDate` as `YYYY-MM-DD`
    /// (unparseable → nil, which a production license refuses), `channel` as
    /// `stable`/`rc`/`beta` (absent → stable; unknown → beta, the least stable, so
    /// only a beta license admits it).
    public init(id: String, version: String, releaseDateText: String?, channelText: String?, publisher: String? = nil) {
        self.init(id: id, version: version, releaseDate: releaseDateText.flatMap(LicenseDate.parseDay),
                  channel: channelText.map { ReleaseChannel(rawValue: $0.lowercased()) ?? .beta } ?? .stable,
                  publisher: publisher)
    }

    /// True when the module comes from a publisher other than the platform vendor.
    public var isThirdParty: Bool {
        if let publisher, publisher != BundleNamespace.vendor { return true }
        return false
    }
}
