import Foundation

/// Per-module answers for one verified license.
///
/// Checks per module, in order (the first failing one is the reason):
///  1. core host modules are always entitled (License must run to say why others are refused)
///  2. license past grace with `on_expiry: deactivate` → `license expired on … (on_expiry: deactivate)`
///  3. entitlement: always-active plugins; tier ∪ `modules_added` − `modules_removed`;
///     third-party ids must be in `plugins` → `not in tier Starter`, …
///  4. `release 2027-03-01 is newer than updates_until 2027-01-01` (a production license needs a release date)
///  5. past grace with `on_expiry: maintain`: release must predate expiry
///  6. `channel beta not allowed (license allows: stable)`
///
/// Expiry is re-evaluated against the clock on every call, so a long-running
/// host that asks again at swap time gets today's answer.
public struct Entitlements: Sendable {
    /// The verified license.
    public let license: VerifiedLicense
    /// tiers.json.
    public let tiers: TierCatalog
    /// Source of "now".
    public let clock: any LicenseClock

    /// Creates the entitlements of `license` under `tiers`.
    public init(license: VerifiedLicense, tiers: TierCatalog, clock: any LicenseClock = SystemLicenseClock()) {
        self.license = license
        self.tiers = tiers
        self.clock = clock
    }

    /// The license's tier display name (its id when unknown to tiers.json).
    public var tierName: String { tiers.tier(license.payload.tier)?.name ?? license.payload.tier }

    /// First-party module ids the license entitles, ignoring versions and expiry.
    public var entitledModuleIDs: Set<String> {
        let p = license.payload
        var ids = Set((try? tiers.modules(inTier: p.tier))?.map(\.id) ?? tiers.core.map(\.id) + tiers.alwaysActive.map(\.id))
        ids.formUnion(p.modulesAdded.filter { id in tiers.allModules.contains { $0.id == id } })
        for id in p.modulesRemoved where !tiers.isAlwaysEntitled(id) { ids.remove(id) }
        return ids
    }

    /// True when the license (or its tier) grants `white_label`.
    public var whiteLabel: Bool {
        license.payload.whiteLabel || tiers.rights(inTier: license.payload.tier).contains("white_label")
    }

    /// Decides whether `module` may activate now (all checks).
    public func decide(module: ModuleLicenseInfo) -> ModuleDecision {
        let p = license.payload
        if !module.isThirdParty && tiers.isCore(module.id.lowercased()) { return .entitled }
        if case .refused(let reason) = decideEntitlement(moduleID: module.id, thirdParty: module.isThirdParty) {
            return .refused(reason: reason)
        }
        let pastGrace = clock.now() >= p.graceEndsAt
        // 4. updates_until
        let until = LicenseDate.formatDay(p.updatesUntil)
        if let release = module.releaseDate {
            if release > p.updatesUntil {
                return .refused(reason: "release \(LicenseDate.formatDay(release)) is newer than updates_until \(until)")
            }
        } else if p.environment == .production {
            return .refused(reason: "release_date missing from the manifest: cannot check updates_until \(until)")
        }
        // 5. maintained after expiry
        if pastGrace && p.onExpiry == .maintain {
            guard let release = module.releaseDate, release < p.expiresAt else {
                let released = module.releaseDate.map { "release \(LicenseDate.formatDay($0))" } ?? "a release without release_date"
                return .refused(reason: "license expired on \(LicenseDate.formatDay(p.expiresAt)) (on_expiry: maintain): \(released) is not older than the expiry")
            }
        }
        // 6. channel
        if module.channel > p.highestChannel {
            let allowed = p.allowedChannels.map(\.rawValue).joined(separator: ", ")
            return .refused(reason: "channel \(module.channel.rawValue) not allowed (license allows: \(allowed))")
        }
        return .entitled
    }

    /// Checks 1–3 only (core, deactivation after grace, tier and lists), for a module
    /// known by id alone, e.g. `eop license show` listing every tiers.json module.
    public func decideEntitlement(moduleID: String, thirdParty: Bool = false) -> ModuleDecision {
        let p = license.payload
        let id = moduleID.lowercased()
        // 1. core
        if !thirdParty && tiers.isCore(id) { return .entitled }
        // 2. deactivated after grace
        if clock.now() >= p.graceEndsAt && p.onExpiry == .deactivate {
            return .refused(reason: "license expired on \(LicenseDate.formatDay(p.expiresAt)) (on_expiry: deactivate)")
        }
        // 3. entitlement
        if thirdParty {
            // Rationale: a development license exists so that plugin authors can run
            // their own plugins; production licenses must name every third-party id.
            if p.environment == .development { return .entitled }
            guard p.plugins.contains(moduleID) else {
                return .refused(reason: "third-party plugin '\(moduleID)' is not entitled by the license (plugins)")
            }
            return .entitled
        }
        if tiers.isAlwaysEntitled(id) { return .entitled }
        guard tiers.tier(p.tier) != nil else {
            return .refused(reason: "license field 'tier': unknown tier '\(p.tier)'")
        }
        guard tiers.allModules.contains(where: { $0.id == id }) else {
            return .refused(reason: "unknown module '\(id)' (not in tiers.json; third-party plugins must be published under a namespace)")
        }
        if p.modulesRemoved.contains(id) { return .refused(reason: "removed by the license (modules_removed)") }
        guard entitledModuleIDs.contains(id) else { return .refused(reason: "not in tier \(tierName)") }
        return .entitled
    }
}
