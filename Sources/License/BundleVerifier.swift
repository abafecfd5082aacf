import Crypto
import Foundation

/// A bundle that passed `BundleVerifier`.
public struct VerifiedBundle: Sendable {
    /// How the publisher key is trusted.
    public enum KeyTrust: Sendable, Equatable {
        /// `eop trust add`.
        case operatorTrusted
        /// Certified by the vendor key with this id (`publisher.cert`).
        case vendorCertified(by: String)
    }

    /// The manifest.
    public let manifest: BundleManifest
    /// Publisher namespace.
    public let publisher: String
    /// Publisher key id (fingerprint).
    public let kid: String
    /// How that key is trusted.
    public let keyTrust: KeyTrust
    /// The signed file list.
    public let fileList: BundleFileList
    /// Hex SHA-256 of the signed file list bytes: the bundle's content address.
    public let digest: String
    /// Every archive entry by path (signature included), for installing.
    let entries: [String: Data]

    /// What License needs to decide on this plugin.
    public var licenseInfo: ModuleLicenseInfo { ModuleLicenseInfo(manifest: manifest, publisher: publisher) }
}

/// Verifies bundles (`eop bundle verify`, and before every install).
///
/// Checks in order: archive readable → `bundle.sig` present → envelope v1/ed25519
/// → key trusted (trust store, else vendor-certified `publisher.cert`) →
/// signature over `eop/bundle/v1\0` + file list → file list publisher is the
/// key's namespace → every listed file present with its size and SHA-256, no
/// unlisted file → manifest parses and matches the list (id, version, library,
/// migrations present) → plugin id inside the publisher namespace.
public struct BundleVerifier: Sendable {
    /// Operator-trusted publisher keys.
    public var trustStore: TrustStore
    /// Vendor keys that may certify publishers (nil: operator trust only).
    public var vendorKeyring: Keyring?
    /// Revoked vendor key ids (certificates from them are ignored).
    public var revokedKids: Set<String>

    /// Creates a verifier.
    /// The verifier a host's data directory gives: its operator trust store, plus vendor
    /// certification through the license keyring and revocations when a license verifier loads.
    public static func forHost(files: LicenseFiles, mode: RuntimeMode) throws -> BundleVerifier {
        let store = try TrustStore.load(from: files.trustedPublishers)
        if let license = try? LicenseGate.makeVerifier(files: files, mode: mode) {
            return BundleVerifier(trustStore: store, vendorKeyring: license.keyring, revokedKids: license.revocations.revokedKids)
        }
        return BundleVerifier(trustStore: store)
    }

    public init(trustStore: TrustStore, vendorKeyring: Keyring? = nil, revokedKids: Set<String> = []) {
        self.trustStore = trustStore
        self.vendorKeyring = vendorKeyring
        self.revokedKids = revokedKids
    }

    /// Verifies the bundle file at `url`.
    public func verify(bundleAt url: URL) throws(BundleError) -> VerifiedBundle {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(reason: "\(url.path): \(error.localizedDescription)") }
        return try verify(data)
    }

    /// Verifies bundle bytes.
    public func verify(_ data: Data) throws(BundleError) -> VerifiedBundle {
        let list: [TarArchive.Entry]
        do { list = try TarArchive.read(data) } catch { throw .unreadable(reason: "\(error)") }
        var entries: [String: Data] = [:]
        for e in list { entries[e.path] = e.data }
        guard let sigData = entries[BundlePacker.signatureFile] else { throw .missingSignature }
        guard let envelope = try? JSONDecoder().decode(SignedEnvelope.self, from: sigData) else {
            throw .unsupportedEnvelope(reason: "not a signed envelope")
        }
        guard envelope.v == SignedEnvelope.currentVersion else { throw .unsupportedEnvelope(reason: "envelope version \(envelope.v) is not 1") }
        guard envelope.alg == SignedEnvelope.algorithm else { throw .unsupportedEnvelope(reason: "algorithm '\(envelope.alg)' is not ed25519") }

        var trusted: (key: VerificationKey, namespace: String, trust: VerifiedBundle.KeyTrust)?
        if let p = trustStore.publisher(kid: envelope.kid) {
            trusted = (p.key, p.namespace, .operatorTrusted)
        } else if let keyring = vendorKeyring, let certData = entries[BundlePacker.certificateFile],
                  let cert = try? JSONDecoder().decode(SignedEnvelope.self, from: certData),
                  let c = PublisherCertificate.verify(cert, keyring: keyring, revokedKids: revokedKids),
                  c.key.kid == envelope.kid {
            trusted = (c.key, c.namespace, .vendorCertified(by: cert.kid))
        }
        guard let trusted else { throw .untrustedPublisherKey(kid: envelope.kid) }
        guard envelope.isSigned(by: trusted.key, domain: .bundle), let payload = envelope.payloadBytes else {
            throw .badSignature(kid: envelope.kid)
        }
        let fileList = try BundleFileList.parse(payload)
        guard fileList.publisher == trusted.namespace else {
            throw .publisherMismatch(signed: fileList.publisher, trusted: trusted.namespace)
        }
        for file in fileList.files {
            guard let bytes = entries[file.path] else { throw .missingFile(path: file.path) }
            guard bytes.count == file.size else {
                throw .fileChanged(path: file.path, reason: "size \(bytes.count), signed \(file.size)")
            }
            let sha = Data(SHA256.hash(data: bytes)).hexString
            guard sha == file.sha256 else {
                throw .fileChanged(path: file.path, reason: "SHA-256 \(sha.prefix(12))…, signed \(file.sha256.prefix(12))…")
            }
        }
        let listed = Set(fileList.files.map(\.path))
        for path in entries.keys.sorted() where !listed.contains(path)
            && path != BundlePacker.signatureFile && path != BundlePacker.certificateFile {
            throw .unlistedFile(path: path)
        }
        guard let manifestData = entries["manifest.json"], listed.contains("manifest.json") else {
            throw .missingFile(path: "manifest.json")
        }
        let manifest = try BundleManifest.parse(manifestData)
        guard manifest.id == fileList.pluginID else {
            throw .manifest(field: "id", reason: "'\(manifest.id)' differs from signed plugin_id '\(fileList.pluginID)'")
        }
        guard manifest.version.description == fileList.version else {
            throw .manifest(field: "version", reason: "'\(manifest.version)' differs from signed version '\(fileList.version)'")
        }
        guard listed.contains("library/\(manifest.library)") else { throw .missingFile(path: "library/\(manifest.library)") }
        for m in manifest.migrations where !listed.contains("migrations/\(m)") { throw .missingFile(path: "migrations/\(m)") }
        guard BundleNamespace.contains(trusted.namespace, pluginID: manifest.id) else {
            throw .outsideNamespace(pluginID: manifest.id, namespace: trusted.namespace)
        }
        return VerifiedBundle(
            manifest: manifest, publisher: trusted.namespace, kid: envelope.kid, keyTrust: trusted.trust,
            fileList: fileList, digest: Data(SHA256.hash(data: payload)).hexString, entries: entries)
    }
}
