import Foundation
import Logging

/// Verifies a license file and records what it trusted.
///
/// Checks run in this order; the first failure throws its own `LicenseError`:
///  1. malformed (armor, envelope JSON, base64url)
///  2. envelope version, then algorithm (only `ed25519`)
///  3. key id unknown, revoked, or a development key signing a non-development license
///  4. signature over `eop/license/v1\0` + payload bytes (then the payload is parsed; bad JSON is `malformed`)
///  5. product
///  6. not yet valid (`issued_at` more than 5 minutes ahead)
///  7. clock set back (now more than 24 h before the latest trusted time)
///  8. rolled back (sequence lower than the highest seen for this licensee)
///  9. license id revoked
/// 10. instance mismatch
/// 11. development license in production mode
/// 12. expired: in grace → accepted with a warning; past grace → `on_expiry`
///     (`deactivate` throws `.expired`, `maintain` is accepted as `.maintained`).
///
/// On success the trusted state (if a store is given) is raised to
/// max(stored, now, issued_at) and the licensee's highest sequence; if that
/// write fails the license is still accepted, with a warning.
///
/// Contract: any thread; blocks on the trusted-state file.
public struct LicenseVerifier: Sendable {
    /// How far `issued_at` may be ahead of now.
    public static let futureTolerance: TimeInterval = 5 * 60
    /// How far now may be behind the latest trusted time.
    public static let clockSetBackTolerance: TimeInterval = 24 * 3600

    /// Trusted signing keys.
    public var keyring: Keyring
    /// Revoked key ids and license ids.
    public var revocations: RevocationList
    /// Source of "now".
    public var clock: any LicenseClock
    /// Where the latest trusted time and highest sequences live; nil checks nothing and records nothing (e.g. `eop-license inspect`).
    public var trustedState: TrustedStateStore?
    /// This machine; nil when unknown (a bound license is then refused).
    public var instance: InstanceIdentity?
    /// Production or development.
    public var mode: RuntimeMode
    /// Receives the grace and development warnings.
    public var logger: Logger

    /// Creates a verifier.
    public init(
        keyring: Keyring, revocations: RevocationList = .empty, clock: any LicenseClock = SystemLicenseClock(),
        trustedState: TrustedStateStore? = nil, instance: InstanceIdentity? = InstanceIdentity.current(),
        mode: RuntimeMode, logger: Logger = Logger(label: "eop.license")
    ) {
        self.keyring = keyring
        self.revocations = revocations
        self.clock = clock
        self.trustedState = trustedState
        self.instance = instance
        self.mode = mode
        self.logger = logger
    }

    /// Decodes an armored license file's envelope (check 1 only).
    public static func decodeEnvelope(armored text: String) throws(LicenseError) -> SignedEnvelope {
        guard let json = Armor.unwrap(text, label: Armor.license) else {
            throw .malformed(field: "armor", reason: "no '-----BEGIN EOP LICENSE-----' … '-----END EOP LICENSE-----' block")
        }
        guard let data = json.data(using: .utf8),
              let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .malformed(field: "envelope", reason: "not a JSON object")
        }
        guard let v64 = jsonInteger(o["v"]), let v = Int(exactly: v64) else { throw .malformed(field: "v", reason: "missing or not an integer") }
        guard let alg = o["alg"] as? String else { throw .malformed(field: "alg", reason: "missing or not a string") }
        guard let kid = o["kid"] as? String, !kid.isEmpty else { throw .malformed(field: "kid", reason: "missing or empty") }
        guard let payload = o["payload"] as? String, Data(base64URLEncoded: payload) != nil else {
            throw .malformed(field: "payload", reason: "missing or not base64url")
        }
        guard let sig = o["sig"] as? String, Data(base64URLEncoded: sig) != nil else {
            throw .malformed(field: "sig", reason: "missing or not base64url")
        }
        return SignedEnvelope(v: v, alg: alg, kid: kid, payload: payload, sig: sig)
    }

    /// Verifies an armored license file (all checks, in order).
    public func verify(armored text: String) throws(LicenseError) -> VerifiedLicense {
        try verify(envelope: Self.decodeEnvelope(armored: text))
    }

    /// Verifies a decoded envelope (checks 2–12).
    public func verify(envelope: SignedEnvelope) throws(LicenseError) -> VerifiedLicense {
        // 2. envelope version and algorithm
        guard envelope.v == SignedEnvelope.currentVersion else { throw .unsupportedVersion(envelope.v) }
        guard envelope.alg == SignedEnvelope.algorithm else { throw .unsupportedAlgorithm(envelope.alg) }
        // 3. key id
        if revocations.revokedKids.contains(envelope.kid) { throw .revokedKey(kid: envelope.kid) }
        guard let entry = keyring.entry(for: envelope.kid) else { throw .unknownKey(kid: envelope.kid) }
        // 4. signature, then the payload it covers
        guard let bytes = envelope.payloadBytes else { throw .malformed(field: "payload", reason: "not base64url") }
        guard envelope.isSigned(by: entry.key, domain: .license) else { throw .badSignature(kid: envelope.kid) }
        let payload = try LicensePayload.parse(bytes)
        if entry.trust == .development && payload.environment != .development {
            throw .developmentKeyMisuse(kid: envelope.kid)
        }
        // 5. product
        guard payload.product == LicensePayload.productName else { throw .wrongProduct(payload.product) }
        let now = clock.now()
        // 6. not yet valid
        if payload.issuedAt.timeIntervalSince(now) > Self.futureTolerance {
            throw .notYetValid(issuedAt: payload.issuedAt, now: now)
        }
        // 7, 8. clock set back, rolled back
        let state = try trustedState?.load() ?? TrustedState()
        if let latest = state.latestTrustedTime, now < latest.addingTimeInterval(-Self.clockSetBackTolerance) {
            throw .clockSetBack(now: now, latestTrusted: latest)
        }
        if let highest = state.highestSequence[payload.licenseeID], payload.sequence < highest {
            throw .rolledBack(sequence: payload.sequence, highestSeen: highest)
        }
        // 9. revoked license
        if revocations.revokedLicenseIDs.contains(payload.licenseID) { throw .revokedLicense(id: payload.licenseID) }
        // 10. instance
        if let bound = payload.instance, bound != instance?.hash {
            throw .instanceMismatch(expected: bound, actual: instance?.hash ?? "unknown (no machine id)")
        }
        // 11. environment
        if payload.environment == .development && mode == .production { throw .developmentLicenseInProduction }
        // 12. expiry, grace, on_expiry
        var warnings: [String] = []
        var standing = VerifiedLicense.Standing.valid
        if now >= payload.expiresAt {
            if now < payload.graceEndsAt {
                standing = .grace(until: payload.graceEndsAt)
                warnings.append("LICENSE EXPIRED on \(LicenseDate.formatDay(payload.expiresAt)); grace ends \(LicenseDate.formatDay(payload.graceEndsAt)), then on_expiry: \(payload.onExpiry.rawValue) applies. Renew the license.")
            } else if payload.onExpiry == .maintain {
                standing = .maintained(expiredAt: payload.expiresAt)
                warnings.append("License expired on \(LicenseDate.formatDay(payload.expiresAt)) (on_expiry: maintain): only module releases before that date run.")
            } else {
                throw .expired(expiresAt: payload.expiresAt, graceDays: payload.graceDays)
            }
        }
        if payload.environment == .development {
            warnings.append("development license: not for production use")
        }
        // Record what was trusted. A failed write does not refuse the license (the
        // old state stays valid on disk); it is reported as a warning.
        do {
            try trustedState?.update { s in
                let candidate = max(now, payload.issuedAt)
                if s.latestTrustedTime.map({ candidate > $0 }) ?? true { s.latestTrustedTime = candidate }
                if s.highestSequence[payload.licenseeID].map({ payload.sequence > $0 }) ?? true {
                    s.highestSequence[payload.licenseeID] = payload.sequence
                }
            }
        } catch {
            warnings.append("trusted state not recorded: \(error.description)")
        }
        for warning in warnings { logger.warning("\(warning)", metadata: ["license_id": "\(payload.licenseID)"]) }
        return VerifiedLicense(
            payload: payload, kid: envelope.kid, keyTrust: entry.trust, standing: standing,
            warnings: warnings, verifiedAt: now)
    }
}
