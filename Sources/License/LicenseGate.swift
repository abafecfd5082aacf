import Foundation
import Logging

/// The activation gate the loader asks before a module's `init`: on every boot,
/// every install and every hot swap.
///
/// Usage by the loader:
/// ```swift
/// let gate = LicenseGate.boot(files: LicenseFiles(dataDirectory: data), tiers: tiers,
///                             mode: .from(environment: ProcessInfo.processInfo.environment))
/// for manifest in manifests {
///     switch gate.decide(module: ModuleLicenseInfo(manifest: manifest, publisher: bundlePublisher)) {
///     case .entitled: activate(manifest)
///     case .refused(let reason): markRefused(manifest.id, reason)   // shown in `eop plugins list` and /admin
///     }
/// }
/// ```
/// A gate never throws: when no license can be trusted, every module but the
/// core ones is refused with the license's error as the reason.
public struct LicenseGate: Sendable {
    /// The license outcome.
    public enum State: Sendable {
        /// A license was verified.
        case licensed(Entitlements)
        /// No license could be trusted; every non-core module is refused with this error.
        case unlicensed(LicenseError)
    }

    /// The license outcome.
    public let state: State
    /// tiers.json.
    public let tiers: TierCatalog

    /// A gate over a verified license.
    public init(entitlements: Entitlements) {
        self.state = .licensed(entitlements)
        self.tiers = entitlements.tiers
    }

    /// A gate that refuses every non-core module because of `failure`.
    public init(failure: LicenseError, tiers: TierCatalog) {
        self.state = .unlicensed(failure)
        self.tiers = tiers
    }

    /// Decides whether `module` may activate now.
    public func decide(module: ModuleLicenseInfo) -> ModuleDecision {
        switch state {
        case .licensed(let entitlements):
            return entitlements.decide(module: module)
        case .unlicensed(let error):
            if !module.isThirdParty && tiers.isCore(module.id.lowercased()) { return .entitled }
            return .refused(reason: "no valid license: \(error.description)")
        }
    }

    /// Tier and list checks only, for a module known by id (no manifest): `eop license show`.
    public func decideEntitlement(moduleID: String, thirdParty: Bool = false) -> ModuleDecision {
        switch state {
        case .licensed(let entitlements):
            return entitlements.decideEntitlement(moduleID: moduleID, thirdParty: thirdParty)
        case .unlicensed(let error):
            if !thirdParty && tiers.isCore(moduleID.lowercased()) { return .entitled }
            return .refused(reason: "no valid license: \(error.description)")
        }
    }

    /// The verified license, if any.
    public var license: VerifiedLicense? {
        if case .licensed(let e) = state { return e.license }
        return nil
    }

    /// Text for the storefront and admin banner: set for a development license or an unlicensed host.
    public var banner: String? {
        switch state {
        case .licensed(let e): e.license.isDevelopment ? "development license" : nil
        case .unlicensed(let error): "unlicensed: \(error.description)"
        }
    }

    /// Operator warnings (grace, maintain, development).
    public var warnings: [String] { license?.warnings ?? [] }

    /// Builds the verifier for the host's files: compiled-in roots (plus `vendor-roots.json`
    /// in development mode), keyring rotation certificates, revocation list, trusted state.
    public static func makeVerifier(
        files: LicenseFiles, mode: RuntimeMode, clock: any LicenseClock = SystemLicenseClock(),
        instance: InstanceIdentity? = InstanceIdentity.current(), logger: Logger = Logger(label: "eop.license")
    ) throws(LicenseError) -> LicenseVerifier {
        var keyring = Keyring()
        if mode == .development {
            do {
                for key in try files.readVendorRoots() { keyring.addRoot(key) }
            } catch {
                logger.error("ignoring \(files.vendorRoots.path): \(error)")
            }
        }
        var revocations = RevocationList.empty
        if FileManager.default.fileExists(atPath: files.revocations.path) {
            do {
                var rootsAndCerts = keyring
                _ = try? rootsAndCerts.load(file: files.keyring)
                let text = try String(contentsOf: files.revocations, encoding: .utf8)
                revocations = try RevocationList.parse(armored: text, keyring: rootsAndCerts)
            } catch {
                throw .revocationListUnusable(reason: "\(files.revocations.path): \(error)")
            }
        }
        do {
            for problem in try keyring.load(file: files.keyring, revokedKids: revocations.revokedKids) {
                logger.warning("keyring certificate skipped: \(problem)")
            }
        } catch {
            logger.error("keyring \(files.keyring.path) unreadable: \(error)")
        }
        return LicenseVerifier(
            keyring: keyring, revocations: revocations, clock: clock,
            trustedState: TrustedStateStore(url: files.trustedState), instance: instance, mode: mode, logger: logger)
    }

    /// Verifies the installed license, or (development mode, none installed) the
    /// development license, and returns the gate. Never throws.
    public static func boot(
        files: LicenseFiles, tiers: TierCatalog, mode: RuntimeMode, clock: any LicenseClock = SystemLicenseClock(),
        instance: InstanceIdentity? = InstanceIdentity.current(), logger: Logger = Logger(label: "eop.license")
    ) -> LicenseGate {
        do {
            var verifier = try makeVerifier(files: files, mode: mode, clock: clock, instance: instance, logger: logger)
            let text: String
            if FileManager.default.fileExists(atPath: files.license.path) {
                do { text = try String(contentsOf: files.license, encoding: .utf8) } catch {
                    throw LicenseError.malformed(field: "file", reason: "\(files.license.path) unreadable: \(error)")
                }
            } else if mode == .development {
                let dev: (license: String, keyring: Keyring)
                do { dev = try DevelopmentLicense.ensure(dataDirectory: files.dataDirectory, clock: clock) } catch {
                    throw LicenseError.notInstalled(path: "\(files.license.path) (development license could not be created: \(error))")
                }
                for entry in dev.keyring.entries.values where entry.trust == .development {
                    verifier.keyring.addDevelopmentKey(entry.key)
                }
                text = dev.license
            } else {
                throw LicenseError.notInstalled(path: files.license.path)
            }
            let license = try verifier.verify(armored: text)
            return LicenseGate(entitlements: Entitlements(license: license, tiers: tiers, clock: clock))
        } catch let error as LicenseError {
            logger.error("\(error.description)")
            return LicenseGate(failure: error, tiers: tiers)
        } catch {
            return LicenseGate(failure: .malformed(field: "file", reason: "\(error)"), tiers: tiers)
        }
    }

    /// Verifies `armoredText` with the host's keys and state, then installs it as
    /// `<data>/license/license.eop` (atomically). Nothing is written when it fails.
    public static func install(
        armoredText: String, files: LicenseFiles, mode: RuntimeMode, clock: any LicenseClock = SystemLicenseClock(),
        instance: InstanceIdentity? = InstanceIdentity.current(), logger: Logger = Logger(label: "eop.license")
    ) throws(LicenseError) -> VerifiedLicense {
        let verifier = try makeVerifier(files: files, mode: mode, clock: clock, instance: instance, logger: logger)
        let license = try verifier.verify(armored: armoredText)
        do {
            try AtomicFile.write(Data(armoredText.utf8), to: files.license, permissions: 0o600)
        } catch {
            throw .malformed(field: "file", reason: "cannot write \(files.license.path): \(error)")
        }
        return license
    }
}
