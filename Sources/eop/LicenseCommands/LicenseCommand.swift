import ArgumentParser
import EOPLicense
import Foundation

/// `eop license`: install and show the host's license (operator side).
struct LicenseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "license",
        abstract: "Install and show the license.",
        subcommands: [Install.self, Show.self, TrustVendorKey.self])

    /// `eop license install <file>`: verify, then install as <data>/license/license.eop.
    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify a license file and install it.")

        @OptionGroup var options: HostDataOptions
        @Argument(help: "Armored license file from the vendor.") var file: String

        func run() throws {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            do {
                let license = try LicenseGate.install(armoredText: text, files: options.files, mode: options.mode)
                print("installed \(options.files.license.path)")
                print("license \(license.payload.licenseID): \(license.payload.tier) for \(license.payload.licenseeName), expires \(LicenseDate.formatDay(license.payload.expiresAt))")
                for w in license.warnings { print("WARNING: \(w)") }
            } catch {
                print("refused: \(error.description)")
                throw ExitCode(1)
            }
        }
    }

    /// `eop license show`: the license table and every module's entitlement.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the license in force and which modules it entitles.",
            discussion: "Modules are judged by tier and lists only; `eop plugins list` adds each build's release date and channel.")

        @OptionGroup var options: HostDataOptions

        func run() throws {
            let tiers = try options.tierCatalog()
            let gate = LicenseGate.boot(files: options.files, tiers: tiers, mode: options.mode)
            var rows: [(String, String)] = [("mode", options.mode.rawValue)]
            if let license = gate.license {
                let text = (try? String(contentsOf: options.files.license, encoding: .utf8))
                if let text, let envelope = try? LicenseVerifier.decodeEnvelope(armored: text), envelope.kid == license.kid {
                    rows += LicenseTable.rows(envelope: envelope, payload: license.payload)
                } else {
                    rows += [("license_id", license.payload.licenseID), ("tier", license.payload.tier),
                             ("environment", license.payload.environment.rawValue), ("kid", license.kid)]
                }
                for w in license.warnings { rows.append(("warning", w)) }
            }
            if let banner = gate.banner { rows.append(("banner", banner)) }
            rows.append(("this instance", InstanceIdentity.current()?.hash ?? "(no machine id)"))
            print(LicenseTable.render(rows))
            print("")
            var active = 0
            var moduleRows: [(String, String)] = []
            for module in tiers.allModules {
                let decision = gate.decideEntitlement(moduleID: module.id)
                if decision.isEntitled { active += 1 }
                moduleRows.append((module.name, decision.isEntitled ? "entitled" : "refused: \(decision.reason!)"))
            }
            print(LicenseTable.render(moduleRows))
            print("\n\(active) of \(tiers.allModules.count) modules entitled")
        }
    }

    /// `eop license trust-vendor-key <kid> <pubkey>`: an extra vendor root, honoured in development mode only.
    struct TrustVendorKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trust-vendor-key",
            abstract: "Trust a license-signing key (development mode only; production trusts compiled-in keys).")

        @OptionGroup var options: HostDataOptions
        @Argument(help: "Key id.") var kid: String
        @Argument(help: "Public key, base64url.") var publicKey: String

        func run() throws {
            guard let key = VerificationKey(kid: kid, base64URL: publicKey) else {
                throw ValidationError("not a base64url Ed25519 public key")
            }
            try options.files.addVendorRoot(key)
            print("trusted vendor key '\(kid)' (\(key.fingerprint)) in \(options.files.vendorRoots.path); honoured only when EOP_ENV is not production")
        }
    }
}
