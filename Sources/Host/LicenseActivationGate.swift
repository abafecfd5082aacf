import EOPLicense
import EOPLoader
import EOPManifest
import EOPPlatformKit
import Foundation

/// The loader's activation gate, answered by the License module: asked before every
/// plugin's init, on every boot.
public struct LicenseActivationGate: ActivationGate {
    /// The verified license (or the reason there is none) and tiers.json.
    public let gate: LicenseGate

    /// Wraps a license gate.
    public init(gate: LicenseGate) { self.gate = gate }

    /// Reads the installed license (creating the development one in development mode)
    /// and tiers.json. Never throws for a bad license: every non-core module is then
    /// refused with the license's error as the reason.
    public static func boot(configuration: HostConfiguration) throws -> LicenseActivationGate {
        let tiers: TierCatalog
        do { tiers = try TierCatalog(contentsOf: configuration.tiersFile) } catch {
            throw HostConfigurationError("\(configuration.tiersFile.path): \(error)")
        }
        return LicenseActivationGate(gate: LicenseGate.boot(files: configuration.licenseFiles, tiers: tiers, mode: configuration.licenseMode))
    }

    /// How the License module sees a manifest: a module of tiers.json is first-party;
    /// anything else is a third-party plugin of its bundle's publisher (or `local`).
    public func licenseInfo(for manifest: PluginManifest) -> ModuleLicenseInfo {
        let firstParty = gate.tiers.allModules.contains { $0.id == manifest.id } && (manifest.publisher == nil || manifest.publisher == BundleNamespace.vendor)
        return ModuleLicenseInfo(id: manifest.id, version: manifest.version.description, releaseDateText: manifest.releaseDate,
                                 channelText: manifest.channel, publisher: firstParty ? nil : (manifest.publisher ?? "local"))
    }

    /// Tier, licensee and expiry for `platform.plugins.list` (Launcher's health page), or the error.
    public var licenseSummary: [String: String] {
        guard let license = gate.license else { return ["error": gate.banner ?? "no valid license"] }
        let payload = license.payload
        return ["tier": payload.tier, "licensee": payload.licenseeName, "expires_at": UTCTime.format(payload.expiresAt),
                "development": license.isDevelopment ? "true" : "false"]
    }

    public func refusal(for manifest: PluginManifest) -> String? {
        if case .refused(let reason) = gate.decide(module: licenseInfo(for: manifest)) { return reason }
        return nil
    }

    /// The tiers.json modules that have no manifest among `installed`, each with the
    /// license's answer, so the operator sees every module of the product and why it
    /// is or is not available.
    public func catalogRows(installed: Set<String>) -> [(id: String, name: String, core: Bool, decision: ModuleDecision)] {
        gate.tiers.allModules.filter { !installed.contains($0.id) }.map { module in
            (module.id, module.name, gate.tiers.isCore(module.id), gate.decideEntitlement(moduleID: module.id))
        }
    }
}

extension HostConfiguration {
    /// The License module's files under this host's home.
    var licenseFiles: LicenseFiles { LicenseFiles(dataDirectory: home) }
    /// The License module's mode: production only when the host runs in production.
    var licenseMode: RuntimeMode { mode == .production ? .production : .development }
}
