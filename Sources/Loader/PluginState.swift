/// Where a plugin is in its life. See SDK/docs/manifest.md (plugin states).
///
///     installed → resolved → active → stopping → resolved
///         ↘ refused (manifest, ABI, license, dependency: it never ran)
///         ↘ failed  (its init or activate returned an error)
public enum PluginState: String, Sendable, Codable {
    /// The manifest was read.
    case installed
    /// Dependencies, license, library, ABI and symbols check out; not serving.
    case resolved
    /// Receiving events.
    case active
    /// Being deactivated.
    case stopping
    /// Not allowed to run; `reason` says why.
    case refused
    /// Its own init or activate failed; `reason` has its message.
    case failed
}
