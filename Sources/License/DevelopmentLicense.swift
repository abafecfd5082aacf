import Foundation

/// The license a fresh development install runs on: a local Ed25519 key and an
/// Enterprise license with `environment: development`, made on first run and
/// reused afterwards (remade when within 30 days of expiry or unreadable).
///
/// The key is trusted with `Keyring.Trust.development`: it verifies only
/// development licenses, and `LicenseVerifier` refuses development licenses in
/// production mode.
public enum DevelopmentLicense {
    /// Key id prefix of development keys.
    public static let kidPrefix = "dev-"
    /// Licensee id used for development licenses (scope of their sequence numbers).
    public static let licenseeID = "development"

    /// Ensures a development key and license exist under `<dataDirectory>/license/development/`.
    /// - Returns: the armored license text and a keyring holding the compiled-in roots plus the development key.
    /// - Throws: file-system errors.
    public static func ensure(dataDirectory: URL, clock: any LicenseClock = SystemLicenseClock()) throws -> (license: String, keyring: Keyring) {
        let dir = LicenseFiles(dataDirectory: dataDirectory).development
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let keyURL = dir.appendingPathComponent("dev-key.json")
        let licenseURL = dir.appendingPathComponent("dev-license.eop")

        let key: SigningKey
        if let existing = try? SigningKey.read(from: keyURL) {
            key = existing
        } else {
            let fresh = SigningKey.generate(kid: "pending")
            key = SigningKey(kid: kidPrefix + fresh.publicKey.fingerprint.prefix(12), privateKey: fresh.privateKey)
            try key.write(to: keyURL)
        }
        var keyring = Keyring()
        keyring.addDevelopmentKey(key.publicKey)

        let now = clock.now()
        if let text = try? String(contentsOf: licenseURL, encoding: .utf8),
           let envelope = try? LicenseVerifier.decodeEnvelope(armored: text),
           envelope.kid == key.kid, envelope.isSigned(by: key.publicKey, domain: .license),
           let bytes = envelope.payloadBytes, let payload = try? LicensePayload.parse(bytes),
           payload.environment == .development,
           payload.expiresAt.timeIntervalSince(now) > 30 * 86_400, payload.issuedAt <= now.addingTimeInterval(300) {
            return (text, keyring)
        }
        let payload = LicensePayload(
            licenseID: "dev-" + UUID().uuidString.lowercased(), sequence: UInt64(now.timeIntervalSince1970),
            licenseeName: "Local development", licenseeID: licenseeID, tier: "enterprise",
            rights: ["white_label"], channels: [.stable, .rc, .beta],
            issuedAt: now, expiresAt: now.addingTimeInterval(365 * 86_400), onExpiry: .deactivate,
            updatesUntil: now.addingTimeInterval(10 * 365 * 86_400), graceDays: 0, instance: nil,
            environment: .development)
        let text = try LicenseIssuer.issue(payload, signedBy: key)
        try AtomicFile.write(Data(text.utf8), to: licenseURL, permissions: 0o600)
        return (text, keyring)
    }
}
