import Foundation
import Testing
@testable import EOPLicense

@Suite("License verification refuses each failure with its own named reason")
struct LicenseVerifierTests {
    @Test func validStarterLicenseIsAccepted() throws {
        let license = try Fixtures.verifier().verify(armored: Fixtures.license())
        #expect(license.payload.tier == "starter")
        #expect(license.standing == .valid)
        #expect(license.warnings.isEmpty)
        #expect(license.kid == "k-test")
    }

    @Test func aFlippedPayloadByteIsABadSignature() {
        let forged = Fixtures.rewrite(Fixtures.license()) { envelope in
            var bytes = envelope.payloadBytes!
            let i = bytes.firstIndex(of: UInt8(ascii: "s"))!  // inside "starter"
            bytes[i] ^= 0x01
            envelope.payload = bytes.base64URLEncodedString()
        }
        let error = Fixtures.licenseError { _ = try Fixtures.verifier().verify(armored: forged) }
        #expect(error == .badSignature(kid: "k-test"))
        #expect(error?.description.hasPrefix("license field 'sig': signature does not verify") == true)
    }

    @Test func aValidBundleSignatureUsedAsALicenseIsRefusedByTheDomainPrefix() throws {
        let payloadBytes = Fixtures.payload().jsonData()
        let bundleEnvelope = try SignedEnvelope.sign(payloadBytes, domain: .bundle, with: Fixtures.vendorKey)
        #expect(bundleEnvelope.isSigned(by: Fixtures.vendorKey.publicKey, domain: .bundle))
        let text = Armor.wrap(bundleEnvelope, label: Armor.license)
        let error = Fixtures.licenseError { _ = try Fixtures.verifier().verify(armored: text) }
        #expect(error == .badSignature(kid: "k-test"))
    }

    @Test func algNoneIsRefused() {
        let text = Fixtures.rewrite(Fixtures.license()) { $0.alg = "none"; $0.sig = "" }
        let error = Fixtures.licenseError { _ = try Fixtures.verifier().verify(armored: text) }
        #expect(error == .unsupportedAlgorithm("none"))
        #expect(error?.description == "license field 'alg': unsupported algorithm 'none' (only ed25519 is accepted)")
    }

    @Test func anUnsupportedEnvelopeVersionIsRefused() {
        let text = Fixtures.rewrite(Fixtures.license()) { $0.v = 2 }
        #expect(Fixtures.licenseError { _ = try Fixtures.verifier().verify(armored: text) } == .unsupportedVersion(2))
    }

    @Test func anUnknownKidIsRefused() {
        let text = Fixtures.license(key: Fixtures.strangerKey)
        let error = Fixtures.licenseError { _ = try Fixtures.verifier().verify(armored: text) }
        #expect(error == .unknownKey(kid: "k-stranger"))
        #expect(error?.description == "license field 'kid': unknown key 'k-stranger'")
    }

    @Test func aRevokedKidIsRefused() {
        let revocations = RevocationList(sequence: 1, issuedAt: Fixtures.now, revokedKids: ["k-test"], revokedLicenseIDs: [])
        let error = Fixtures.licenseError { _ = try Fixtures.verifier(revocations: revocations).verify(armored: Fixtures.license()) }
        #expect(error?.description == "license field 'kid': key 'k-test' is revoked")
    }

    @Test func aRevokedLicenseIdIsRefused() {
        let revocations = RevocationList(sequence: 1, issuedAt: Fixtures.now, revokedKids: [], revokedLicenseIDs: ["lic-0001"])
        let error = Fixtures.licenseError { _ = try Fixtures.verifier(revocations: revocations).verify(armored: Fixtures.license()) }
        #expect(error == .revokedLicense(id: "lic-0001"))
        #expect(error?.description == "license field 'license_id': license 'lic-0001' is revoked")
    }

    @Test func aWrongProductIsRefused() {
        let text = Fixtures.license(Fixtures.payload(product: "other"))
        let error = Fixtures.licenseError { _ = try Fixtures.verifier().verify(armored: text) }
        #expect(error == .wrongProduct("other"))
    }

    @Test func aLicenseExpiredPastGraceIsRefused() {
        let text = Fixtures.license(Fixtures.payload(expiresAt: Fixtures.now - 20 * Fixtures.day, graceDays: 14))
        let error = Fixtures.licenseError { _ = try Fixtures.verifier().verify(armored: text) }
        #expect(error == .expired(expiresAt: Fixtures.now - 20 * Fixtures.day, graceDays: 14))
        #expect(error?.field == "expires_at")
        #expect(error?.description.contains("on_expiry: deactivate") == true)
    }

    @Test func aLicenseInGraceIsAcceptedWithALoudWarning() throws {
        let text = Fixtures.license(Fixtures.payload(expiresAt: Fixtures.now - 3 * Fixtures.day, graceDays: 14))
        let license = try Fixtures.verifier().verify(armored: text)
        #expect(license.standing == .grace(until: Fixtures.now + 11 * Fixtures.day))
        #expect(license.warnings.first?.hasPrefix("LICENSE EXPIRED on 2026-05-29") == true)
    }

    @Test func aLicenseWithOnExpiryMaintainIsAcceptedAsMaintainedPastGrace() throws {
        let text = Fixtures.license(Fixtures.payload(onExpiry: .maintain, issuedAt: Fixtures.now - 400 * Fixtures.day, expiresAt: Fixtures.now - 30 * Fixtures.day, graceDays: 7))
        let license = try Fixtures.verifier().verify(armored: text)
        #expect(license.standing == .maintained(expiredAt: Fixtures.now - 30 * Fixtures.day))
    }

    @Test func aLicenseIssuedMoreThanFiveMinutesAheadIsNotYetValid() {
        let text = Fixtures.license(Fixtures.payload(issuedAt: Fixtures.now + 10 * 60))
        let error = Fixtures.licenseError { _ = try Fixtures.verifier().verify(armored: text) }
        #expect(error == .notYetValid(issuedAt: Fixtures.now + 600, now: Fixtures.now))
        #expect(error?.reason.hasPrefix("not yet valid") == true)
        // Four minutes ahead is tolerated.
        #expect(throws: Never.self) {
            _ = try Fixtures.verifier().verify(armored: Fixtures.license(Fixtures.payload(issuedAt: Fixtures.now + 4 * 60)))
        }
    }

    @Test func aClockMovedBackTwoDaysIsDetected() throws {
        let dir = Fixtures.tempDirectory()
        let store = TrustedStateStore(url: dir.appendingPathComponent("trusted-state.json"))
        _ = try Fixtures.verifier(state: store).verify(armored: Fixtures.license())
        let error = Fixtures.licenseError {
            _ = try Fixtures.verifier(at: Fixtures.now - 2 * Fixtures.day, state: store).verify(armored: Fixtures.license())
        }
        #expect(error == .clockSetBack(now: Fixtures.now - 2 * Fixtures.day, latestTrusted: Fixtures.now))
        #expect(error?.reason.hasPrefix("clock set back") == true)
        // Twelve hours back is within tolerance.
        _ = try Fixtures.verifier(at: Fixtures.now - 12 * 3600, state: store).verify(armored: Fixtures.license())
    }

    @Test func aLowerSequenceThanStoredIsARollback() throws {
        let dir = Fixtures.tempDirectory()
        let store = TrustedStateStore(url: dir.appendingPathComponent("trusted-state.json"))
        _ = try Fixtures.verifier(state: store).verify(armored: Fixtures.license(Fixtures.payload(sequence: 7)))
        let error = Fixtures.licenseError {
            _ = try Fixtures.verifier(state: store).verify(armored: Fixtures.license(Fixtures.payload(sequence: 6, licenseID: "lic-old")))
        }
        #expect(error == .rolledBack(sequence: 6, highestSeen: 7))
        #expect(error?.description == "license field 'sequence': license rolled back: sequence 6 is lower than 7 already seen")
        #expect(try store.load().highestSequence["acme"] == 7)
    }

    @Test func anInstanceMismatchIsRefused() {
        let bound = InstanceIdentity(machineID: "the-licensed-machine").hash
        let text = Fixtures.license(Fixtures.payload(instance: bound))
        let error = Fixtures.licenseError {
            _ = try Fixtures.verifier(instance: InstanceIdentity(machineID: "another-machine")).verify(armored: text)
        }
        #expect(error?.field == "instance")
        #expect(error?.reason.hasPrefix("instance mismatch") == true)
        #expect(throws: Never.self) {
            _ = try Fixtures.verifier(instance: InstanceIdentity(machineID: "the-licensed-machine")).verify(armored: text)
        }
    }

    @Test func aDevelopmentLicenseIsRefusedInProductionMode() throws {
        let text = Fixtures.license(Fixtures.payload(environment: .development))
        let error = Fixtures.licenseError { _ = try Fixtures.verifier(mode: .production).verify(armored: text) }
        #expect(error == .developmentLicenseInProduction)
        #expect(error?.description == "license field 'environment': development license refused in production mode (EOP_ENV=production)")
        let accepted = try Fixtures.verifier(mode: .development).verify(armored: text)
        #expect(accepted.isDevelopment)
    }

    @Test func aDevelopmentKeyCannotSignAProductionLicense() {
        let devKey = SigningKey.generate(kid: "dev-local")
        var ring = Fixtures.keyring
        ring.addDevelopmentKey(devKey.publicKey)
        let text = Fixtures.license(Fixtures.payload(environment: .production), key: devKey)
        let error = Fixtures.licenseError { _ = try Fixtures.verifier(mode: .development, keyring: ring).verify(armored: text) }
        #expect(error == .developmentKeyMisuse(kid: "dev-local"))
    }

    @Test func textWithoutArmorIsMalformed() {
        let error = Fixtures.licenseError { _ = try Fixtures.verifier().verify(armored: "hello") }
        #expect(error?.field == "armor")
        #expect(error?.reason.hasPrefix("malformed") == true)
    }

    @Test func checksRunInTheDocumentedOrder() {
        // Unknown key AND expired AND wrong product: the key check comes first.
        let text = Fixtures.license(Fixtures.payload(expiresAt: Fixtures.now - 100 * Fixtures.day, product: "x"), key: Fixtures.strangerKey)
        #expect(Fixtures.licenseError { _ = try Fixtures.verifier().verify(armored: text) } == .unknownKey(kid: "k-stranger"))
        // Not yet valid AND revoked id: not-yet-valid comes first.
        let revoked = RevocationList(sequence: 1, issuedAt: Fixtures.now, revokedKids: [], revokedLicenseIDs: ["lic-0001"])
        let early = Fixtures.license(Fixtures.payload(issuedAt: Fixtures.now + Fixtures.day))
        #expect(Fixtures.licenseError { _ = try Fixtures.verifier(revocations: revoked).verify(armored: early) }?.field == "issued_at")
    }

    @Test func anAcceptedLicenseRaisesTheTrustedState() throws {
        let store = TrustedStateStore(url: Fixtures.tempDirectory().appendingPathComponent("s.json"))
        _ = try Fixtures.verifier(state: store).verify(armored: Fixtures.license())
        let state = try store.load()
        #expect(state.latestTrustedTime == Fixtures.now)
        #expect(state.highestSequence == ["acme": 5])
    }

    @Test func payloadFieldsRoundTripThroughJSON() throws {
        let p = Fixtures.payload(channels: [.rc], instance: InstanceIdentity(machineID: "m").hash, plugins: ["com.acme.reports"], added: ["hrm"])
        #expect(try LicensePayload.parse(p.jsonData()) == p)
    }
}
