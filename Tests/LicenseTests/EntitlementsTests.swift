import Foundation
import Testing
@testable import EOPLicense

@Suite("Entitlements decide per module, naming the reason for every refusal")
struct EntitlementsTests {
    func entitlements(_ payload: LicensePayload = Fixtures.payload(), clock: ManualLicenseClock = ManualLicenseClock(Fixtures.now),
                      mode: RuntimeMode = .production) throws -> Entitlements {
        let license = try Fixtures.verifier(at: clock.now(), mode: mode).verify(armored: Fixtures.license(payload))
        return Entitlements(license: license, tiers: Fixtures.tiers, clock: clock)
    }

    func module(_ id: String, released: String = "2026-05-01", channel: ReleaseChannel = .stable, publisher: String? = nil) -> ModuleLicenseInfo {
        ModuleLicenseInfo(id: id, version: "1.0.0", releaseDate: LicenseDate.parseDay(released), channel: channel, publisher: publisher)
    }

    @Test func tiersJSONMatchesTheDesign() throws {
        let t = Fixtures.tiers
        #expect(try t.modules(inTier: "starter").count == 12)
        #expect(try t.modules(inTier: "growth").count == 20)
        #expect(try t.modules(inTier: "business").count == 29)
        #expect(try t.modules(inTier: "enterprise").count == 34)
        #expect(t.allModules.count == 34)
        #expect(Set(t.allModules.map(\.id)).count == 34)
        #expect(t.rights(inTier: "enterprise") == ["white_label"])
        #expect(t.rights(inTier: "business").isEmpty)
        #expect(t.displayName("pagebuilder") == "PageBuilder")
        #expect(try t.modules(inTier: "starter").map(\.id) == [
            "platformkit", "license", "notification", "launcher", "docs", "menu",
            "catalog", "storefront", "cart", "order", "payment", "gallery",
        ])
    }

    @Test func aStarterLicenseEntitlesExactlyTheTwelveStarterModulesAndRefusesTheOther22() throws {
        let e = try entitlements()
        var entitled: [String] = []
        var refused: [String: String] = [:]
        for m in Fixtures.tiers.allModules {
            switch e.decide(module: module(m.id)) {
            case .entitled: entitled.append(m.id)
            case .refused(let reason): refused[m.id] = reason
            }
        }
        #expect(entitled == ["platformkit", "license", "notification", "launcher", "docs", "menu",
                             "catalog", "storefront", "cart", "order", "payment", "gallery"])
        #expect(refused.count == 22)
        #expect(refused.values.allSatisfy { $0 == "not in tier Starter" })
    }

    @Test func aModuleOfAHigherTierThanLicensedIsRefused() throws {
        let e = try entitlements(Fixtures.payload(tier: "growth"))
        #expect(e.decide(module: module("hrm")) == .refused(reason: "not in tier Growth"))
        #expect(e.decide(module: module("inventory")) == .entitled)
    }

    @Test func aPluginReleasedAfterUpdatesUntilIsRefused() throws {
        let e = try entitlements(Fixtures.payload(updatesUntil: "2027-01-01"))
        #expect(e.decide(module: module("cart", released: "2027-03-01"))
                == .refused(reason: "release 2027-03-01 is newer than updates_until 2027-01-01"))
        #expect(e.decide(module: module("cart", released: "2027-01-01")) == .entitled)
    }

    @Test func aBetaBuildOnAStableOnlyLicenseIsRefused() throws {
        let e = try entitlements()
        #expect(e.decide(module: module("cart", channel: .beta)) == .refused(reason: "channel beta not allowed (license allows: stable)"))
    }

    @Test func aBetaLicenseAllowsRcAndStableToo() throws {
        let e = try entitlements(Fixtures.payload(channels: [.beta]))
        for c in ReleaseChannel.allCases { #expect(e.decide(module: module("cart", channel: c)) == .entitled) }
        let rc = try entitlements(Fixtures.payload(channels: [.rc]))
        #expect(rc.decide(module: module("cart", channel: .beta)) == .refused(reason: "channel beta not allowed (license allows: stable, rc)"))
    }

    @Test func onExpiryDeactivateRefusesEveryPluginOnceGraceEnds() throws {
        let clock = ManualLicenseClock(Fixtures.now)
        let e = try entitlements(Fixtures.payload(expiresAt: Fixtures.now + Fixtures.day, graceDays: 2), clock: clock)
        #expect(e.decide(module: module("cart")) == .entitled)
        clock.advance(by: 4 * Fixtures.day)
        #expect(e.decide(module: module("cart")) == .refused(reason: "license expired on 2026-06-02 (on_expiry: deactivate)"))
        #expect(e.decide(module: module("menu")).reason == "license expired on 2026-06-02 (on_expiry: deactivate)")
        #expect(e.decide(module: module("license")) == .entitled)  // core keeps running to say why
    }

    @Test func onExpiryMaintainKeepsReleasesFromBeforeExpiry() throws {
        let expiry = Fixtures.now - 30 * Fixtures.day  // 2026-05-02
        let e = try entitlements(Fixtures.payload(onExpiry: .maintain, issuedAt: expiry - 365 * Fixtures.day, expiresAt: expiry, graceDays: 0))
        #expect(e.decide(module: module("cart", released: "2026-04-01")) == .entitled)
        let refused = e.decide(module: module("cart", released: "2026-05-20"))
        #expect(refused.reason?.hasPrefix("license expired on 2026-05-02 (on_expiry: maintain)") == true)
    }

    @Test func aThirdPartyPluginMustBeListedInTheLicense() throws {
        let e = try entitlements(Fixtures.payload(plugins: ["com.acme.reports"]))
        #expect(e.decide(module: module("com.acme.reports", publisher: "com.acme")) == .entitled)
        #expect(e.decide(module: module("com.acme.other", publisher: "com.acme"))
                == .refused(reason: "third-party plugin 'com.acme.other' is not entitled by the license (plugins)"))
    }

    @Test func modulesAddedAndRemovedAdjustTheTier() throws {
        let e = try entitlements(Fixtures.payload(added: ["hrm"], removed: ["gallery", "menu"]))
        #expect(e.decide(module: module("hrm")) == .entitled)
        #expect(e.decide(module: module("gallery")) == .refused(reason: "removed by the license (modules_removed)"))
        #expect(e.decide(module: module("menu")) == .entitled)  // always-active cannot be removed
    }

    @Test func aProductionLicenseNeedsAReleaseDate() throws {
        let e = try entitlements()
        let info = ModuleLicenseInfo(id: "cart", version: "1.0.0", releaseDate: nil)
        #expect(e.decide(module: info).reason == "release_date missing from the manifest: cannot check updates_until 2027-01-01")
    }

    @Test func enterpriseGrantsWhiteLabel() throws {
        #expect(try entitlements(Fixtures.payload(tier: "enterprise")).whiteLabel)
        #expect(try !entitlements(Fixtures.payload(tier: "business")).whiteLabel)
    }

    @Test func anUnlicensedGateRefusesEveryPluginWithTheLicenseReason() {
        let gate = LicenseGate(failure: .notInstalled(path: "/x/license.eop"), tiers: Fixtures.tiers)
        #expect(gate.decide(module: module("platformkit")) == .entitled)
        #expect(gate.decide(module: module("cart")).reason == "no valid license: license field 'file': no license installed at /x/license.eop")
        #expect(gate.banner?.hasPrefix("unlicensed") == true)
    }
}
