import Foundation

/// Signs license payloads (vendor side: `eop-license issue`, and the local development license).
public enum LicenseIssuer {
    /// Signs `payload` with `key` for `eop/license/v1\0` and returns the armored license file text.
    public static func issue(_ payload: LicensePayload, signedBy key: SigningKey) throws -> String {
        Armor.wrap(try SignedEnvelope.sign(payload.jsonData(), domain: .license, with: key), label: Armor.license)
    }
}
