import Crypto
import Foundation

/// An Ed25519 private key with its key id, as used by the vendor (licenses,
/// revocations, rotation) and by plugin publishers (bundles).
///
/// On disk it is a JSON key file (see `SigningKeyFile`) written with mode 0600.
public struct SigningKey: Sendable {
    /// Key id carried in every envelope this key signs (`kid`).
    public let kid: String
    /// Publisher namespace, for a publisher key; nil for a vendor key.
    public let publisher: String?
    /// Raw 32-byte private key (kept as bytes so the value is `Sendable`).
    private let rawPrivateKey: Data

    /// The Ed25519 private key.
    public var privateKey: Curve25519.Signing.PrivateKey {
        // The bytes came from a valid key, so this cannot fail.
        try! Curve25519.Signing.PrivateKey(rawRepresentation: rawPrivateKey)
    }

    /// Wraps an existing private key.
    public init(kid: String, publisher: String? = nil, privateKey: Curve25519.Signing.PrivateKey) {
        self.kid = kid
        self.publisher = publisher
        self.rawPrivateKey = privateKey.rawRepresentation
    }

    /// Makes a fresh random key.
    public static func generate(kid: String, publisher: String? = nil) -> SigningKey {
        SigningKey(kid: kid, publisher: publisher, privateKey: Curve25519.Signing.PrivateKey())
    }

    /// The public half, under the same key id.
    public var publicKey: VerificationKey {
        VerificationKey(kid: kid, key: privateKey.publicKey)
    }

    /// Signs `payload` for `domain` (prefix + NUL + payload).
    public func sign(_ payload: Data, domain: SigningDomain) throws -> Data {
        try privateKey.signature(for: domain.signedBytes(payload))
    }

    /// Reads a key file written by `write(to:)`.
    /// - Throws: `KeyFileError` naming what is wrong.
    public static func read(from url: URL) throws -> SigningKey {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw KeyFileError(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        let file: SigningKeyFile
        do { file = try JSONDecoder().decode(SigningKeyFile.self, from: data) } catch {
            throw KeyFileError(path: url.path, reason: "not a key file (\(error))")
        }
        guard file.alg == "ed25519" else {
            throw KeyFileError(path: url.path, reason: "algorithm '\(file.alg)' is not ed25519")
        }
        guard let raw = Data(base64URLEncoded: file.privateKey),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw KeyFileError(path: url.path, reason: "field 'private_key' is not a base64url Ed25519 key")
        }
        return SigningKey(kid: file.kid, publisher: file.publisher, privateKey: key)
    }

    /// Writes the key file with mode 0600 (atomically).
    public func write(to url: URL) throws {
        let file = SigningKeyFile(
            kid: kid, alg: "ed25519", publisher: publisher,
            privateKey: privateKey.rawRepresentation.base64URLEncodedString(),
            publicKey: privateKey.publicKey.rawRepresentation.base64URLEncodedString())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(file), to: url, permissions: 0o600)
    }
}

/// The JSON shape of a key file: `{kid, alg, publisher?, private_key, public_key}` (keys base64url).
public struct SigningKeyFile: Codable, Sendable {
    /// Key id.
    public var kid: String
    /// Always `ed25519`.
    public var alg: String
    /// Publisher namespace for a publisher key.
    public var publisher: String?
    /// Raw 32-byte private key, base64url.
    public var privateKey: String
    /// Raw 32-byte public key, base64url.
    public var publicKey: String

    enum CodingKeys: String, CodingKey {
        case kid, alg, publisher
        case privateKey = "private_key"
        case publicKey = "public_key"
    }
}

/// A key file that cannot be used; the description names the file and the reason.
public struct KeyFileError: Error, CustomStringConvertible, Sendable {
    /// The file.
    public let path: String
    /// Why it cannot be used.
    public let reason: String
    /// "key file '<path>': <reason>".
    public var description: String { "key file '\(path)': \(reason)" }
}

/// An Ed25519 public key with its key id.
public struct VerificationKey: Sendable, Hashable {
    /// Key id.
    public let kid: String
    /// Raw 32-byte public key.
    public let rawRepresentation: Data

    /// Wraps a swift-crypto public key.
    public init(kid: String, key: Curve25519.Signing.PublicKey) {
        self.kid = kid
        self.rawRepresentation = key.rawRepresentation
    }

    /// Parses a base64url raw public key; nil if it is not one.
    public init?(kid: String, base64URL: String) {
        guard let raw = Data(base64URLEncoded: base64URL),
              (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else { return nil }
        self.kid = kid
        self.rawRepresentation = raw
    }

    /// The raw key as unpadded base64url, the form used in files and on the command line.
    public var base64URL: String { rawRepresentation.base64URLEncodedString() }

    /// First 16 hex digits of SHA-256 of the raw key; shown to operators.
    public var fingerprint: String {
        String(Data(SHA256.hash(data: rawRepresentation)).hexString.prefix(16))
    }

    /// True when `signature` is this key's Ed25519 signature of `domain`-prefixed `payload`.
    public func isValidSignature(_ signature: Data, for payload: Data, domain: SigningDomain) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation) else { return false }
        return key.isValidSignature(signature, for: domain.signedBytes(payload))
    }
}
