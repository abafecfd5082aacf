import Foundation
@testable import EOPLicense

/// Shared fixtures: one test vendor key per test process, signed licenses made from it,
/// fixed times, temp directories and the repository's tiers.json.
enum Fixtures {
    /// The test vendor key (never compare signature bytes; signatures are made once per run).
    static let vendorKey = SigningKey.generate(kid: "k-test")
    /// A second, untrusted key.
    static let strangerKey = SigningKey.generate(kid: "k-stranger")

    /// 2026-06-01T00:00:00Z, the "now" of most tests.
    static let now = LicenseDate.parseTimestamp("2026-06-01T00:00:00Z")!
    static let day: TimeInterval = 86_400

    /// Keyring trusting the test vendor key as a root.
    static var keyring: Keyring { Keyring(roots: [vendorKey.publicKey]) }

    /// A one-year Starter production license payload issued 30 days before `now`.
    static func payload(
        tier: String = "starter", sequence: UInt64 = 5, licenseID: String = "lic-0001",
        channels: [ReleaseChannel] = [.stable], onExpiry: ExpiryPolicy = .deactivate,
        issuedAt: Date = now - 30 * day, expiresAt: Date = now + 335 * day, graceDays: Int = 14,
        updatesUntil: String = "2027-01-01", instance: String? = nil,
        environment: LicenseEnvironment = .production, plugins: [String] = [],
        added: [String] = [], removed: [String] = [], product: String = "eop"
    ) -> LicensePayload {
        LicensePayload(
            licenseID: licenseID, sequence: sequence, licenseeName: "Acme Shop", licenseeID: "acme",
            tier: tier, modulesAdded: added, modulesRemoved: removed, plugins: plugins, channels: channels,
            issuedAt: issuedAt, expiresAt: expiresAt, onExpiry: onExpiry,
            updatesUntil: LicenseDate.parseDay(updatesUntil)!, graceDays: graceDays, instance: instance,
            environment: environment, product: product)
    }

    /// Armored license signed by `key`.
    static func license(_ payload: LicensePayload = payload(), key: SigningKey = vendorKey) -> String {
        try! LicenseIssuer.issue(payload, signedBy: key)
    }

    /// A verifier at `now` with the test keyring.
    static func verifier(
        at date: Date = now, state: TrustedStateStore? = nil, revocations: RevocationList = .empty,
        instance: InstanceIdentity? = InstanceIdentity(machineID: "test-machine"), mode: RuntimeMode = .production,
        keyring: Keyring = keyring
    ) -> LicenseVerifier {
        LicenseVerifier(keyring: keyring, revocations: revocations, clock: ManualLicenseClock(date),
                        trustedState: state, instance: instance, mode: mode)
    }

    /// A fresh temporary directory.
    static func tempDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("eop-license-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The repository's Manifests/tiers.json.
    static let tiersURL: URL = {
        let file = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        return file.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Manifests/tiers.json")
    }()

    /// Parsed tiers.json.
    static let tiers: TierCatalog = try! TierCatalog(contentsOf: tiersURL)

    /// Replaces the envelope of an armored license (to forge variants).
    static func rewrite(_ text: String, _ change: (inout SignedEnvelope) -> Void) -> String {
        var envelope = try! LicenseVerifier.decodeEnvelope(armored: text)
        change(&envelope)
        return Armor.wrap(envelope, label: Armor.license)
    }

    /// Runs `body` and returns the `LicenseError` it throws (nil if none).
    static func licenseError(_ body: () throws -> Void) -> LicenseError? {
        do { try body(); return nil } catch let error as LicenseError { return error } catch { return nil }
    }
}
