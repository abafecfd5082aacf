import Foundation
import Testing
@testable import EOPLicense

@Suite("Operator flow: install a Starter license, then list modules")
struct LicenseInstallFlowTests {
    @Test func installingAStarterLicenseActivatesExactly12ModulesAndRefusesTheRestWithTheTier() throws {
        let files = LicenseFiles(dataDirectory: Fixtures.tempDirectory())
        let clock = ManualLicenseClock(Fixtures.now)
        let machine = InstanceIdentity(machineID: "shop-1")
        // The vendor's key reaches this development host as an extra root.
        try files.addVendorRoot(Fixtures.vendorKey.publicKey)
        let text = Fixtures.license(Fixtures.payload(instance: machine.hash))
        let installed = try LicenseGate.install(armoredText: text, files: files, mode: .development, clock: clock, instance: machine)
        #expect(installed.payload.tier == "starter")
        #expect(FileManager.default.fileExists(atPath: files.license.path))

        let gate = LicenseGate.boot(files: files, tiers: Fixtures.tiers, mode: .development, clock: clock, instance: machine)
        #expect(gate.banner == nil)
        let decisions = Fixtures.tiers.allModules.map {
            gate.decide(module: ModuleLicenseInfo(id: $0.id, version: "1.0.0", releaseDate: LicenseDate.parseDay("2026-05-01")))
        }
        #expect(decisions.filter(\.isEntitled).count == 12)
        #expect(decisions.filter { $0.reason == "not in tier Starter" }.count == 22)
    }

    @Test func vendorRootsAreIgnoredInProductionMode() throws {
        let files = LicenseFiles(dataDirectory: Fixtures.tempDirectory())
        try files.addVendorRoot(Fixtures.vendorKey.publicKey)
        let error = Fixtures.licenseError {
            _ = try LicenseGate.install(armoredText: Fixtures.license(), files: files, mode: .production,
                                        clock: ManualLicenseClock(Fixtures.now), instance: nil)
        }
        #expect(error == .unknownKey(kid: "k-test"))
        #expect(!FileManager.default.fileExists(atPath: files.license.path))
    }

    @Test func aRevocationListFileIsHonouredAtBoot() throws {
        let files = LicenseFiles(dataDirectory: Fixtures.tempDirectory())
        try files.addVendorRoot(Fixtures.vendorKey.publicKey)
        let clock = ManualLicenseClock(Fixtures.now)
        _ = try LicenseGate.install(armoredText: Fixtures.license(), files: files, mode: .development, clock: clock, instance: nil)
        let list = RevocationList(sequence: 1, issuedAt: Fixtures.now, revokedKids: [], revokedLicenseIDs: ["lic-0001"])
        try Data(list.armored(signedBy: Fixtures.vendorKey).utf8).write(to: files.revocations)
        let gate = LicenseGate.boot(files: files, tiers: Fixtures.tiers, mode: .development, clock: clock, instance: nil)
        #expect(gate.decide(module: ModuleLicenseInfo(id: "cart", version: "1.0.0")).reason
                == "no valid license: license field 'license_id': license 'lic-0001' is revoked")
    }

    @Test func inspectTableShowsEveryField() throws {
        let envelope = try LicenseVerifier.decodeEnvelope(armored: Fixtures.license())
        let payload = try LicensePayload.parse(envelope.payloadBytes!)
        let table = LicenseTable.render(LicenseTable.rows(envelope: envelope, payload: payload))
        for field in ["alg", "kid", "product", "license_id", "sequence", "licensee.name", "licensee.id", "tier", "modules_added",
                      "modules_removed", "plugins", "rights", "white_label", "channels", "issued_at", "expires_at", "grace_days",
                      "on_expiry", "updates_until", "instance", "environment"] {
            #expect(table.split(separator: "\n").contains { $0.hasPrefix(field + " ") }, "missing \(field)")
        }
    }
}
