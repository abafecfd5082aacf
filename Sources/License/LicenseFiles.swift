import Foundation

/// Where License keeps its files under the host's data directory:
///
/// ```
/// <data>/license/license.eop              installed license (armored)
/// <data>/license/keyring.json             vendor rotation certificates
/// <data>/license/revocations.eop          signed revocation list
/// <data>/license/trusted-state.json       latest trusted time, highest sequences
/// <data>/license/vendor-roots.json        extra vendor roots, honoured in development mode only
/// <data>/license/development/             local development key and license
/// <data>/license/trusted-publishers.json  operator-trusted bundle publisher keys
/// <data>/plugins/                         installed bundles (content-addressed)
/// ```
public struct LicenseFiles: Sendable {
    /// The host's data directory.
    public let dataDirectory: URL

    /// Files under `dataDirectory`.
    public init(dataDirectory: URL) { self.dataDirectory = dataDirectory }

    /// `<data>/license`.
    public var directory: URL { dataDirectory.appendingPathComponent("license", isDirectory: true) }
    /// Installed license.
    public var license: URL { directory.appendingPathComponent("license.eop") }
    /// Rotation certificates.
    public var keyring: URL { directory.appendingPathComponent("keyring.json") }
    /// Revocation list.
    public var revocations: URL { directory.appendingPathComponent("revocations.eop") }
    /// Trusted state.
    public var trustedState: URL { directory.appendingPathComponent("trusted-state.json") }
    /// Extra vendor roots (development mode only): `{"kid": "<base64url public key>"}`.
    public var vendorRoots: URL { directory.appendingPathComponent("vendor-roots.json") }
    /// Development key and license.
    public var development: URL { directory.appendingPathComponent("development", isDirectory: true) }
    /// Operator-trusted publisher keys.
    public var trustedPublishers: URL { directory.appendingPathComponent("trusted-publishers.json") }
    /// Installed plugin bundles.
    public var plugins: URL { dataDirectory.appendingPathComponent("plugins", isDirectory: true) }

    /// Extra vendor roots from `vendor-roots.json` (empty when absent).
    public func readVendorRoots() throws -> [VerificationKey] {
        guard FileManager.default.fileExists(atPath: vendorRoots.path) else { return [] }
        let map = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: vendorRoots))
        return try map.sorted { $0.key < $1.key }.map { kid, value in
            guard let key = VerificationKey(kid: kid, base64URL: value) else {
                throw KeyFileError(path: vendorRoots.path, reason: "key '\(kid)' is not a base64url Ed25519 public key")
            }
            return key
        }
    }

    /// Adds a vendor root to `vendor-roots.json` (honoured in development mode only).
    public func addVendorRoot(_ key: VerificationKey) throws {
        var map: [String: String] = [:]
        if FileManager.default.fileExists(atPath: vendorRoots.path) {
            map = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: vendorRoots))
        }
        map[key.kid] = key.base64URL
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(map), to: vendorRoots)
    }
}
