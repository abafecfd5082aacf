import EOPManifest
import Foundation

/// What the host knows of one plugin: its manifest, state, and why it is not running.
public struct PluginRecord: Sendable {
    /// The plugin id (the manifest file's name when the manifest could not be read).
    public var id: String
    /// The manifest, nil when it is malformed.
    public var manifest: PluginManifest?
    /// The manifest file.
    public var file: String
    /// The state.
    public var state: PluginState
    /// Why it is refused or failed.
    public var reason: String?
    /// Things worth knowing that did not stop it (e.g. a subscription nobody publishes).
    public var warnings: [String] = []

    /// The version text, or `?`.
    public var versionText: String { manifest?.version.description ?? "?" }
}
