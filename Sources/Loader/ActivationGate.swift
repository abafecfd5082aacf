import EOPManifest

/// Asked before a plugin is initialised, on every boot (and, later, every swap):
/// the License module answers whether the licensee is entitled to it.
public protocol ActivationGate: Sendable {
    /// nil when the plugin may run, else the reason it may not (shown to the operator).
    func refusal(for manifest: PluginManifest) -> String?
    /// What plugins may know of the license (tier, expiry) through `platform.plugins.list`.
    var licenseSummary: [String: String] { get }
}

extension ActivationGate {
    /// Nothing known by default.
    public var licenseSummary: [String: String] { [:] }
}

/// Lets every plugin run; for tests of the loader alone.
public struct AllowAllGate: ActivationGate {
    /// Creates the gate.
    public init() {}
    public func refusal(for manifest: PluginManifest) -> String? { nil }
}
