import EOPABI
import EOPManifest

/// The host's side of the version rule: same major, plugin minor not newer.
public enum ABICheck {
    /// The ABI version this host implements.
    public static let host = (major: EOP_ABI_VERSION_MAJOR, minor: EOP_ABI_VERSION_MINOR, patch: EOP_ABI_VERSION_PATCH)

    /// `1.0.0`.
    public static var hostVersionText: String { "\(host.major).\(host.minor).\(host.patch)" }

    /// The smallest descriptor an ABI 1.x plugin may hand over (everything up to `destroy`).
    static let minimumDescriptorSize = MemoryLayout<eop_plugin_descriptor_t>.offset(of: \.destroy)! + MemoryLayout<UnsafeRawPointer?>.size

    /// nil when a plugin built for `major.minor` can run here, else the reason naming both versions.
    public static func refusal(major: UInt32, minor: UInt32, patch: UInt32? = nil) -> String? {
        let plugin = patch.map { "\(major).\(minor).\($0)" } ?? "\(major).\(minor)"
        if major != host.major {
            return "built for ABI \(plugin), but this host speaks ABI \(hostVersionText): major versions must match (rebuild the plugin against SDK \(host.major).x)"
        }
        if minor > host.minor {
            return "built for ABI \(plugin), newer than this host's ABI \(hostVersionText): upgrade the host, or build against SDK \(host.major).\(host.minor)"
        }
        return nil
    }

    /// Checks the descriptor a library returned against the host and the manifest.
    static func check(_ d: UnsafePointer<eop_plugin_descriptor_t>, manifest: PluginManifest) throws(LoadError) {
        let size = Int(d.pointee.struct_size)
        guard size >= minimumDescriptorSize else {
            throw LoadError("descriptor struct_size is \(size) bytes, smaller than ABI 1.0's \(minimumDescriptorSize): not an EOP descriptor, or a corrupt one")
        }
        let v = d.pointee.abi_version
        if let reason = refusal(major: v.major, minor: v.minor, patch: v.patch) { throw LoadError(reason) }
        if v.major != manifest.abi.major || v.minor != manifest.abi.minor {
            throw LoadError("the library says ABI \(v.major).\(v.minor) but the manifest says \(manifest.abi.major).\(manifest.abi.minor) (\(manifest.file), field 'abi')")
        }
        let id = d.pointee.id.string, version = d.pointee.version.string
        guard id == manifest.id else {
            throw LoadError("the library's descriptor id is '\(id)' but the manifest's id is '\(manifest.id)' (\(manifest.file), field 'id')")
        }
        guard version == manifest.version.description else {
            throw LoadError("the library's descriptor version is '\(version)' but the manifest says '\(manifest.version)' (\(manifest.file), field 'version')")
        }
        let missing = [("init", d.pointee.`init` == nil), ("activate", d.pointee.activate == nil),
                       ("deactivate", d.pointee.deactivate == nil), ("destroy", d.pointee.destroy == nil)]
            .filter(\.1).map(\.0)
        guard missing.isEmpty else {
            throw LoadError("the descriptor has no \(missing.joined(separator: ", ")) callback (all four lifecycle callbacks are required)")
        }
    }
}
