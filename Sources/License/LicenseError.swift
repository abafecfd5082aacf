import Foundation

/// Why a license was refused. Cases are listed in the order `LicenseVerifier`
/// checks them; the first failing check is reported. Every description names
/// the field and the reason: `license field 'kid': key 'k2025' is revoked`.
public enum LicenseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1. Not a license: armor, envelope JSON, base64url or payload JSON is wrong.
    case malformed(field: String, reason: String)
    /// 2. Envelope version other than 1.
    case unsupportedVersion(Int)
    /// 2. Algorithm other than ed25519 (`none` included).
    case unsupportedAlgorithm(String)
    /// 3. No trusted key has this id.
    case unknownKey(kid: String)
    /// 3. The key id is on the revocation list.
    case revokedKey(kid: String)
    /// 3. A development key signed a license that is not a development license.
    case developmentKeyMisuse(kid: String)
    /// 4. The signature does not verify over `eop/license/v1\0` + payload.
    case badSignature(kid: String)
    /// 5. `product` is not `eop`.
    case wrongProduct(String)
    /// 6. `issued_at` is more than 5 minutes after now.
    case notYetValid(issuedAt: Date, now: Date)
    /// 7. Now is more than 24 h before the latest trusted time stored.
    case clockSetBack(now: Date, latestTrusted: Date)
    /// 8. `sequence` is lower than one already seen for this licensee.
    case rolledBack(sequence: UInt64, highestSeen: UInt64)
    /// 9. `license_id` is on the revocation list.
    case revokedLicense(id: String)
    /// 10. `instance` does not match this machine.
    case instanceMismatch(expected: String, actual: String)
    /// 11. A development license while the host runs in production mode.
    case developmentLicenseInProduction
    /// 12. Past `expires_at` and `grace_days`, with `on_expiry: deactivate`.
    case expired(expiresAt: Date, graceDays: Int)
    /// The trusted-state file exists but cannot be read or written.
    case trustedStateUnavailable(reason: String)
    /// No license is installed (and no development license applies).
    case notInstalled(path: String)
    /// The revocation list file exists but cannot be trusted.
    case revocationListUnusable(reason: String)

    /// The license field this error is about.
    public var field: String {
        switch self {
        case .malformed(let field, _): field
        case .unsupportedVersion: "v"
        case .unsupportedAlgorithm: "alg"
        case .unknownKey, .revokedKey, .developmentKeyMisuse: "kid"
        case .badSignature: "sig"
        case .wrongProduct: "product"
        case .notYetValid, .clockSetBack: "issued_at"
        case .rolledBack: "sequence"
        case .revokedLicense: "license_id"
        case .instanceMismatch: "instance"
        case .developmentLicenseInProduction: "environment"
        case .expired: "expires_at"
        case .trustedStateUnavailable: "trusted_state"
        case .notInstalled: "file"
        case .revocationListUnusable: "revocations"
        }
    }

    /// Why, without the field prefix.
    public var reason: String {
        switch self {
        case .malformed(_, let reason): "malformed: \(reason)"
        case .unsupportedVersion(let v): "unsupported envelope version \(v) (this host reads 1)"
        case .unsupportedAlgorithm(let alg): "unsupported algorithm '\(alg)' (only ed25519 is accepted)"
        case .unknownKey(let kid): "unknown key '\(kid)'"
        case .revokedKey(let kid): "key '\(kid)' is revoked"
        case .developmentKeyMisuse(let kid): "development key '\(kid)' may sign only development licenses"
        case .badSignature(let kid): "signature does not verify with key '\(kid)' (payload changed or not signed as a license)"
        case .wrongProduct(let p): "product '\(p)' is not '\(LicensePayload.productName)'"
        case .notYetValid(let issued, let now):
            "not yet valid: issued at \(LicenseDate.formatTimestamp(issued)), now is \(LicenseDate.formatTimestamp(now)) (more than 5 minutes earlier)"
        case .clockSetBack(let now, let latest):
            "clock set back: now is \(LicenseDate.formatTimestamp(now)) but this host already trusted \(LicenseDate.formatTimestamp(latest)) (more than 24 h later)"
        case .rolledBack(let seq, let highest):
            "license rolled back: sequence \(seq) is lower than \(highest) already seen"
        case .revokedLicense(let id): "license '\(id)' is revoked"
        case .instanceMismatch(let expected, let actual):
            "instance mismatch: license is bound to \(expected.prefix(16))…, this machine is \(actual.prefix(16))…"
        case .developmentLicenseInProduction:
            "development license refused in production mode (EOP_ENV=production)"
        case .expired(let at, let grace):
            "license expired on \(LicenseDate.formatDay(at)) and its \(grace)-day grace is over (on_expiry: deactivate)"
        case .trustedStateUnavailable(let reason): "trusted state unavailable: \(reason)"
        case .notInstalled(let path): "no license installed at \(path)"
        case .revocationListUnusable(let reason): "revocation list unusable: \(reason)"
        }
    }

    /// `license field '<field>': <reason>`.
    public var description: String { "license field '\(field)': \(reason)" }
}
