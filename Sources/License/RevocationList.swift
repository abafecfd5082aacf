import Foundation

/// Revoked vendor key ids and license ids, signed by a vendor key for
/// `eop/revocations/v1\0` and armored as `EOP REVOCATIONS`.
///
/// Payload: `{"format":1,"sequence":N,"issued_at":"…","revoked_kids":[…],"revoked_license_ids":[…]}`.
public struct RevocationList: Sendable, Equatable {
    /// Monotonic list version; `eop-license revoke` increments it.
    public var sequence: UInt64
    /// When the list was signed.
    public var issuedAt: Date
    /// Revoked key ids.
    public var revokedKids: Set<String>
    /// Revoked license ids.
    public var revokedLicenseIDs: Set<String>

    /// An empty list (nothing revoked).
    public static let empty = RevocationList(sequence: 0, issuedAt: Date(timeIntervalSince1970: 0), revokedKids: [], revokedLicenseIDs: [])

    /// Creates a list.
    public init(sequence: UInt64, issuedAt: Date, revokedKids: Set<String>, revokedLicenseIDs: Set<String>) {
        self.sequence = sequence
        self.issuedAt = issuedAt
        self.revokedKids = revokedKids
        self.revokedLicenseIDs = revokedLicenseIDs
    }

    /// Payload JSON (sorted keys, sorted lists).
    public func jsonData() -> Data {
        let object: [String: Any] = [
            "format": 1, "sequence": sequence, "issued_at": LicenseDate.formatTimestamp(issuedAt),
            "revoked_kids": revokedKids.sorted(), "revoked_license_ids": revokedLicenseIDs.sorted(),
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data()
    }

    /// Signs and armors the list.
    public func armored(signedBy key: SigningKey) throws -> String {
        Armor.wrap(try SignedEnvelope.sign(jsonData(), domain: .revocations, with: key), label: Armor.revocations)
    }

    /// Parses and verifies an armored list against vendor keys (roots or certified; not development).
    /// - Throws: `RevocationListError` naming the reason.
    public static func parse(armored text: String, keyring: Keyring) throws -> RevocationList {
        guard let json = Armor.unwrap(text, label: Armor.revocations),
              let envelope = try? JSONDecoder().decode(SignedEnvelope.self, from: Data(json.utf8)) else {
            throw RevocationListError(reason: "not an armored EOP REVOCATIONS envelope")
        }
        guard envelope.v == SignedEnvelope.currentVersion, envelope.alg == SignedEnvelope.algorithm else {
            throw RevocationListError(reason: "unsupported envelope v=\(envelope.v) alg=\(envelope.alg)")
        }
        guard let signer = keyring.entry(for: envelope.kid), signer.trust != .development else {
            throw RevocationListError(reason: "signed by unknown key '\(envelope.kid)'")
        }
        guard envelope.isSigned(by: signer.key, domain: .revocations), let bytes = envelope.payloadBytes else {
            throw RevocationListError(reason: "bad signature from '\(envelope.kid)'")
        }
        guard let o = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any],
              let seq = jsonInteger(o["sequence"]), seq >= 0,
              let issuedText = o["issued_at"] as? String, let issued = LicenseDate.parseTimestamp(issuedText) else {
            throw RevocationListError(reason: "malformed payload")
        }
        return RevocationList(
            sequence: UInt64(seq), issuedAt: issued,
            revokedKids: Set(o["revoked_kids"] as? [String] ?? []),
            revokedLicenseIDs: Set(o["revoked_license_ids"] as? [String] ?? []))
    }
}

/// A revocation list that cannot be used.
public struct RevocationListError: Error, Sendable, CustomStringConvertible {
    /// Why.
    public let reason: String
    /// "revocation list: <reason>".
    public var description: String { "revocation list: \(reason)" }
}
