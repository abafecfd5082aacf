import Foundation

/// The signed JSON envelope used by licenses, revocation lists, key
/// certificates and bundle file lists:
/// `{"v":1,"alg":"ed25519","kid":"…","payload":"<base64url bytes>","sig":"<base64url>"}`.
///
/// The signature covers `SigningDomain.signedBytes(payloadBytes)`: the raw
/// payload bytes exactly as carried, never a re-serialisation of the JSON.
public struct SignedEnvelope: Codable, Sendable, Equatable {
    /// The only envelope version this build reads.
    public static let currentVersion = 1
    /// The only algorithm accepted.
    public static let algorithm = "ed25519"

    /// Envelope version.
    public var v: Int
    /// Signature algorithm; anything but `ed25519` is refused.
    public var alg: String
    /// Id of the signing key.
    public var kid: String
    /// The payload bytes, base64url.
    public var payload: String
    /// The signature, base64url.
    public var sig: String

    /// Builds an envelope from its fields (no signing).
    public init(v: Int, alg: String, kid: String, payload: String, sig: String) {
        self.v = v
        self.alg = alg
        self.kid = kid
        self.payload = payload
        self.sig = sig
    }

    /// Signs `payload` with `key` for `domain`.
    public static func sign(_ payload: Data, domain: SigningDomain, with key: SigningKey) throws -> SignedEnvelope {
        let signature = try key.sign(payload, domain: domain)
        return SignedEnvelope(
            v: currentVersion, alg: algorithm, kid: key.kid,
            payload: payload.base64URLEncodedString(), sig: signature.base64URLEncodedString())
    }

    /// The payload bytes, or nil when `payload` is not base64url.
    public var payloadBytes: Data? { Data(base64URLEncoded: payload) }

    /// The signature bytes, or nil when `sig` is not base64url.
    public var signatureBytes: Data? { Data(base64URLEncoded: sig) }

    /// True when `key` signed exactly these payload bytes for `domain`.
    public func isSigned(by key: VerificationKey, domain: SigningDomain) -> Bool {
        guard alg == Self.algorithm, let bytes = payloadBytes, let signature = signatureBytes else { return false }
        return key.isValidSignature(signature, for: bytes, domain: domain)
    }

    /// Stable JSON (sorted keys, pretty-printed).
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }
}

/// ASCII armor: `-----BEGIN EOP <LABEL>-----`, the envelope JSON, `-----END EOP <LABEL>-----`.
public enum Armor {
    /// Label of a license file.
    public static let license = "LICENSE"
    /// Label of a revocation list.
    public static let revocations = "REVOCATIONS"

    /// Wraps `envelope` in armor lines.
    public static func wrap(_ envelope: SignedEnvelope, label: String) -> String {
        let json = String(decoding: envelope.jsonData(), as: UTF8.self)
        return "-----BEGIN EOP \(label)-----\n\(json)\n-----END EOP \(label)-----\n"
    }

    /// Extracts the JSON text between the armor lines; nil when the markers are missing.
    public static func unwrap(_ text: String, label: String) -> String? {
        let begin = "-----BEGIN EOP \(label)-----"
        let end = "-----END EOP \(label)-----"
        guard let b = text.range(of: begin), let e = text.range(of: end, range: b.upperBound..<text.endIndex) else {
            return nil
        }
        return String(text[b.upperBound..<e.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
