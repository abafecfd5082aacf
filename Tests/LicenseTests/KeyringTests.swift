import Foundation
import Testing
@testable import EOPLicense

@Suite("Vendor keys: rotation and revocation lists")
struct KeyringTests {
    @Test func aNewKeyCertifiedByTheOldOneVerifiesLicenses() throws {
        let newKey = SigningKey.generate(kid: "k-2027")
        let certificate = try Keyring.certify(newKey.publicKey, with: Fixtures.vendorKey, at: Fixtures.now)
        let file = Fixtures.tempDirectory().appendingPathComponent("keyring.json")
        try JSONEncoder().encode(KeyringFile(certificates: [certificate])).write(to: file)
        var ring = Fixtures.keyring
        let problems = try ring.load(file: file)
        #expect(problems.isEmpty)
        #expect(ring.entry(for: "k-2027")?.trust == .certified(by: "k-test"))
        let license = try Fixtures.verifier(keyring: ring).verify(armored: Fixtures.license(key: newKey))
        #expect(license.kid == "k-2027")
    }

    @Test func chainsLoadInAnyOrder() throws {
        let k2 = SigningKey.generate(kid: "k2"), k3 = SigningKey.generate(kid: "k3")
        let c2 = try Keyring.certify(k2.publicKey, with: Fixtures.vendorKey, at: Fixtures.now)
        let c3 = try Keyring.certify(k3.publicKey, with: k2, at: Fixtures.now)
        let file = Fixtures.tempDirectory().appendingPathComponent("keyring.json")
        try JSONEncoder().encode(KeyringFile(certificates: [c3, c2])).write(to: file)
        var ring = Fixtures.keyring
        try ring.load(file: file)
        #expect(ring.entry(for: "k3") != nil)
    }

    @Test func aCertificateFromAnUntrustedKeyIsSkipped() throws {
        let k = SigningKey.generate(kid: "k-evil")
        let cert = try Keyring.certify(k.publicKey, with: Fixtures.strangerKey, at: Fixtures.now)
        var ring = Fixtures.keyring
        #expect(throws: KeyringError.self) { try ring.add(certificate: cert) }
        #expect(ring.entry(for: "k-evil") == nil)
    }

    @Test func aCertificateFromARevokedKeyIsSkipped() throws {
        let k = SigningKey.generate(kid: "k-new")
        let cert = try Keyring.certify(k.publicKey, with: Fixtures.vendorKey, at: Fixtures.now)
        var ring = Fixtures.keyring
        #expect(throws: KeyringError.self) { try ring.add(certificate: cert, revokedKids: ["k-test"]) }
    }

    @Test func aSignedRevocationListRoundTripsAndATamperedOneIsRefused() throws {
        let list = RevocationList(sequence: 3, issuedAt: Fixtures.now, revokedKids: ["k-old"], revokedLicenseIDs: ["lic-9"])
        let text = try list.armored(signedBy: Fixtures.vendorKey)
        #expect(try RevocationList.parse(armored: text, keyring: Fixtures.keyring) == list)
        #expect(throws: RevocationListError.self) { _ = try RevocationList.parse(armored: text, keyring: Keyring(roots: [])) }
        var envelope = try JSONDecoder().decode(SignedEnvelope.self, from: Data(Armor.unwrap(text, label: Armor.revocations)!.utf8))
        envelope.payload = RevocationList(sequence: 3, issuedAt: Fixtures.now, revokedKids: [], revokedLicenseIDs: [])
            .jsonData().base64URLEncodedString()
        #expect(throws: RevocationListError.self) {
            _ = try RevocationList.parse(armored: Armor.wrap(envelope, label: Armor.revocations), keyring: Fixtures.keyring)
        }
    }

    @Test func keyFilesRoundTripWithMode0600() throws {
        let url = Fixtures.tempDirectory().appendingPathComponent("k.key.json")
        try Fixtures.vendorKey.write(to: url)
        let read = try SigningKey.read(from: url)
        #expect(read.kid == "k-test")
        #expect(read.publicKey == Fixtures.vendorKey.publicKey)
        let perms = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        #expect(perms == 0o600)
    }
}
