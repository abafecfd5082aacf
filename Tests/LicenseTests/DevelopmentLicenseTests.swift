import Foundation
import Testing
@testable import EOPLicense

@Suite("Development default license")
struct DevelopmentLicenseTests {
    @Test func firstRunCreatesAnEnterpriseDevelopmentLicenseThatIsReusedAfterwards() throws {
        let dir = Fixtures.tempDirectory()
        let clock = ManualLicenseClock(Fixtures.now)
        let first = try DevelopmentLicense.ensure(dataDirectory: dir, clock: clock)
        let second = try DevelopmentLicense.ensure(dataDirectory: dir, clock: clock)
        #expect(first.license == second.license)
        let verifier = LicenseVerifier(keyring: first.keyring, clock: clock, instance: nil, mode: .development)
        let license = try verifier.verify(armored: first.license)
        #expect(license.payload.tier == "enterprise")
        #expect(license.payload.environment == .development)
        #expect(license.keyTrust == .development)
        #expect(license.warnings.contains("development license: not for production use"))
        let keyFile = LicenseFiles(dataDirectory: dir).development.appendingPathComponent("dev-key.json")
        let perms = try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? Int
        #expect(perms == 0o600)
    }

    @Test func theDevelopmentLicenseIsRefusedInProductionMode() throws {
        let dir = Fixtures.tempDirectory()
        let dev = try DevelopmentLicense.ensure(dataDirectory: dir, clock: ManualLicenseClock(Fixtures.now))
        let verifier = LicenseVerifier(keyring: dev.keyring, clock: ManualLicenseClock(Fixtures.now), instance: nil, mode: .production)
        let error = Fixtures.licenseError { _ = try verifier.verify(armored: dev.license) }
        #expect(error?.description == "license field 'environment': development license refused in production mode (EOP_ENV=production)")
    }

    @Test func bootingInDevelopmentWithNoLicenseEntitlesEverythingWithABanner() {
        let files = LicenseFiles(dataDirectory: Fixtures.tempDirectory())
        let gate = LicenseGate.boot(files: files, tiers: Fixtures.tiers, mode: .development,
                                    clock: ManualLicenseClock(Fixtures.now), instance: nil)
        #expect(gate.banner == "development license")
        for m in Fixtures.tiers.allModules {
            #expect(gate.decide(module: ModuleLicenseInfo(id: m.id, version: "1.0.0", channel: .beta)) == .entitled)
        }
    }

    @Test func bootingInProductionWithNoLicenseRefusesPluginsNamingTheMissingFile() {
        let files = LicenseFiles(dataDirectory: Fixtures.tempDirectory())
        let gate = LicenseGate.boot(files: files, tiers: Fixtures.tiers, mode: .production,
                                    clock: ManualLicenseClock(Fixtures.now), instance: nil)
        #expect(gate.decide(module: ModuleLicenseInfo(id: "cart", version: "1.0.0")).reason?.contains("no license installed") == true)
        #expect(!FileManager.default.fileExists(atPath: files.development.path))
    }

    @Test func runtimeModeComesFromEOP_ENV() {
        #expect(RuntimeMode.from(environment: ["EOP_ENV": "production"]) == .production)
        #expect(RuntimeMode.from(environment: ["EOP_ENV": "Production"]) == .production)
        #expect(RuntimeMode.from(environment: [:]) == .development)
    }
}
