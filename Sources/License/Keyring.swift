import Foundation

/// The license-signing keys a host trusts, by key id: compiled-in vendor roots,
/// keys certified by an already trusted key (rotation), and, in development
/// mode only, the local development key.
///
/// A keyring file is `{"format":1,"certificates":[<SignedEnvelope>…]}`; each
/// certificate's payload is `{"kid","public_key","issued_at"}` signed for
/// `eop/key/v1\0` by an older key. Certificates may appear in any order.
public struct Keyring: Sendable {
    /// How a key came to be trusted.
    public enum Trust: Sendable, Equatable {
        /// Compiled in (or an explicit root given by the host).
        case root
        /// Certified by the key with this id (rotation).
        case certified(by: String)
        /// The local development key: signs development licenses only.
        case development
    }

    /// One trusted key.
    public struct Entry: Sendable, Equatable {
        /// The public key.
        public let key: VerificationKey
        /// Why it is trusted.
        public let trust: Trust
    }

    /// Trusted keys by key id.
    public private(set) var entries: [String: Entry] = [:]

    /// A keyring holding `roots` (by default the compiled-in vendor keys).
    public init(roots: [VerificationKey] = VendorKeys.compiledIn) {
        for key in roots { entries[key.kid] = Entry(key: key, trust: .root) }
    }

    /// The entry for `kid`, if trusted.
    public func entry(for kid: String) -> Entry? { entries[kid] }

    /// Adds a root key (for the host's own configuration or tests).
    public mutating func addRoot(_ key: VerificationKey) {
        entries[key.kid] = Entry(key: key, trust: .root)
    }

    /// Adds the local development key; it verifies development licenses only.
    public mutating func addDevelopmentKey(_ key: VerificationKey) {
        entries[key.kid] = Entry(key: key, trust: .development)
    }

    /// Adds the key a rotation certificate carries, if its signer is trusted and not development.
    /// - Throws: `KeyringError` naming the certificate and the reason.
    public mutating func add(certificate: SignedEnvelope, revokedKids: Set<String> = []) throws(KeyringError) {
        guard let signer = entries[certificate.kid], signer.trust != .development else {
            throw KeyringError(reason: "certificate signed by unknown key '\(certificate.kid)'")
        }
        guard !revokedKids.contains(certificate.kid) else {
            throw KeyringError(reason: "certificate signed by revoked key '\(certificate.kid)'")
        }
        guard certificate.isSigned(by: signer.key, domain: .keyCertificate) else {
            throw KeyringError(reason: "certificate from '\(certificate.kid)' has a bad signature")
        }
        guard let bytes = certificate.payloadBytes,
              let o = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any],
              let kid = o["kid"] as? String, let pub = o["public_key"] as? String,
              let key = VerificationKey(kid: kid, base64URL: pub) else {
            throw KeyringError(reason: "certificate from '\(certificate.kid)' has a malformed payload")
        }
        if let existing = entries[kid], existing.key != key {
            throw KeyringError(reason: "certificate for '\(kid)' conflicts with the key already trusted under that id")
        }
        if entries[kid] == nil { entries[kid] = Entry(key: key, trust: .certified(by: certificate.kid)) }
    }

    /// Makes a rotation certificate: `signer` (the old key) vouches for `newKey`.
    public static func certify(_ newKey: VerificationKey, with signer: SigningKey, at date: Date) throws -> SignedEnvelope {
        let object: [String: Any] = [
            "kid": newKey.kid, "public_key": newKey.base64URL, "issued_at": LicenseDate.formatTimestamp(date),
        ]
        let payload = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return try SignedEnvelope.sign(payload, domain: .keyCertificate, with: signer)
    }

    /// Adds every certificate in a keyring file whose chain reaches a trusted key.
    /// A missing file adds nothing.
    /// - Returns: the problems with certificates that were skipped (for the host to log).
    @discardableResult
    public mutating func load(file url: URL, revokedKids: Set<String> = []) throws -> [String] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        let file = try JSONDecoder().decode(KeyringFile.self, from: Data(contentsOf: url))
        var pending = file.certificates
        var progress = true
        while progress && !pending.isEmpty {
            progress = false
            pending.removeAll { cert in
                if (try? add(certificate: cert, revokedKids: revokedKids)) != nil {
                    progress = true
                    return true
                }
                return false
            }
        }
        return pending.map { cert in
            var copy = self
            do { try copy.add(certificate: cert, revokedKids: revokedKids); return "" } catch { return "\(error)" }
        }
    }
}

/// The JSON shape of a keyring file.
public struct KeyringFile: Codable, Sendable {
    /// Format version, 1.
    public var format: Int = 1
    /// Rotation certificates.
    public var certificates: [SignedEnvelope] = []

    /// Creates a keyring file value.
    public init(certificates: [SignedEnvelope] = []) { self.certificates = certificates }
}

/// A keyring certificate that cannot be used.
public struct KeyringError: Error, Sendable, CustomStringConvertible {
    /// Why.
    public let reason: String
    /// "keyring: <reason>".
    public var description: String { "keyring: \(reason)" }
}
