import EOPDispatch
import EOPManifest
import Foundation

/// Where the loader looks for plugins and what it checks them against.
public struct LoaderConfiguration: Sendable {
    /// Folders holding manifests: `*.json` directly inside, or `*/manifest.json` one level down.
    public var manifestPaths: [URL]
    /// Folders searched for a manifest's library after the manifest's own folder
    /// (by default the folder of the built binaries).
    public var librarySearchPaths: [URL]
    /// Where fresh copies of libraries are placed before dlopen.
    public var imageDirectory: URL
    /// Event schemas, for payload validation and typed-handler checks.
    public var events: EventCatalog
    /// Each plugin's setting values as a JSON object, by plugin id.
    public var settings: [String: Data]
    /// Where the setting values came from, for messages.
    public var settingsSource: String
    /// Asked before each plugin is initialised.
    public var gate: ActivationGate
    /// Where facts go; nil = the dispatch table, in memory.
    public var transport: FactTransport?
    /// Schema, roles and migrations per plugin; nil = no database.
    public var storage: PluginStorage?
    /// Old Swift images one plugin may leave mapped after swaps before a swap is refused
    /// with "restart the host" (they cannot be unloaded).
    public var maxResidentGenerations = 16
    /// Where swap records are kept beyond the process (the database), if anywhere.
    public var swapHistory: SwapHistoryStore?

    /// Creates a configuration.
    public init(
        manifestPaths: [URL], librarySearchPaths: [URL], imageDirectory: URL, events: EventCatalog = EventCatalog(),
        settings: [String: Data] = [:], settingsSource: String = "settings", gate: ActivationGate = AllowAllGate(),
        transport: FactTransport? = nil, storage: PluginStorage? = nil, swapHistory: SwapHistoryStore? = nil
    ) {
        self.swapHistory = swapHistory
        self.transport = transport
        self.storage = storage
        self.manifestPaths = manifestPaths
        self.librarySearchPaths = librarySearchPaths
        self.imageDirectory = imageDirectory
        self.events = events
        self.settings = settings
        self.settingsSource = settingsSource
        self.gate = gate
    }
}

/// Finds manifest files.
public enum ManifestDiscovery {
    /// File names in a manifests folder that are not plugin manifests.
    public static let reservedNames: Set<String> = ["tiers.json"]

    /// Every manifest file under the given folders (or the files themselves), sorted.
    public static func files(in paths: [URL]) -> [URL] {
        var found: [URL] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path.path, isDirectory: &isDirectory) else { continue }
            guard isDirectory.boolValue else { found.append(path); continue }
            for name in ((try? fm.contentsOfDirectory(atPath: path.path)) ?? []).sorted() {
                let item = path.appendingPathComponent(name)
                var sub: ObjCBool = false
                _ = fm.fileExists(atPath: item.path, isDirectory: &sub)
                if sub.boolValue {
                    let nested = item.appendingPathComponent("manifest.json")
                    if fm.fileExists(atPath: nested.path) { found.append(nested) }
                } else if name.hasSuffix(".json"), !reservedNames.contains(name) {
                    found.append(item)
                }
            }
        }
        return found
    }
}
