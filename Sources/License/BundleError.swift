/// Why a bundle was refused; every description names the file or field and the reason.
public enum BundleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The archive cannot be read.
    case unreadable(reason: String)
    /// The archive has no `bundle.sig`.
    case missingSignature
    /// Envelope version or algorithm not supported.
    case unsupportedEnvelope(reason: String)
    /// The signing key is neither operator-trusted nor vendor-certified.
    case untrustedPublisherKey(kid: String)
    /// The signature over `eop/bundle/v1\0` + file list does not verify.
    case badSignature(kid: String)
    /// The signed file list is malformed.
    case malformedFileList(reason: String)
    /// The file list names a publisher other than the one the key is trusted for.
    case publisherMismatch(signed: String, trusted: String)
    /// A listed file is absent.
    case missingFile(path: String)
    /// A file differs from the signed list (size or SHA-256).
    case fileChanged(path: String, reason: String)
    /// A file is in the archive but not in the signed list.
    case unlistedFile(path: String)
    /// A manifest field is wrong.
    case manifest(field: String, reason: String)
    /// The plugin id lies outside the publisher's namespace.
    case outsideNamespace(pluginID: String, namespace: String)
    /// An older (or same-version, different-content) bundle than the installed one, without force.
    case downgrade(pluginID: String, installed: String, offered: String)
    /// Packing failed.
    case packing(reason: String)
    /// A trust-store problem.
    case trustStore(reason: String)

    /// Human-readable reason naming the file or field.
    public var description: String {
        switch self {
        case .unreadable(let r): "bundle unreadable: \(r)"
        case .missingSignature: "bundle file 'bundle.sig': missing (bundle is not signed)"
        case .unsupportedEnvelope(let r): "bundle file 'bundle.sig': \(r)"
        case .untrustedPublisherKey(let kid):
            "bundle file 'bundle.sig': publisher key '\(kid)' is not trusted (run `eop trust add <pubkey> --publisher <namespace>`, or ship a vendor certificate)"
        case .badSignature(let kid): "bundle file 'bundle.sig': signature does not verify with key '\(kid)'"
        case .malformedFileList(let r): "bundle file 'bundle.sig': malformed file list: \(r)"
        case .publisherMismatch(let signed, let trusted):
            "bundle field 'publisher': signed as '\(signed)' but the key is trusted for '\(trusted)'"
        case .missingFile(let p): "bundle file '\(p)': listed but missing"
        case .fileChanged(let p, let r): "bundle file '\(p)': changed after signing (\(r))"
        case .unlistedFile(let p): "bundle file '\(p)': not in the signed file list"
        case .manifest(let f, let r): "manifest field '\(f)': \(r)"
        case .outsideNamespace(let id, let ns): "manifest field 'id': plugin id '\(id)' is outside publisher namespace '\(ns)'"
        case .downgrade(let id, let installed, let offered):
            "plugin '\(id)': \(offered) is not newer than installed \(installed) (use --force to install anyway)"
        case .packing(let r): "bundle pack: \(r)"
        case .trustStore(let r): "trust store: \(r)"
        }
    }
}
