import ArgumentParser
import EOPLicense
import Foundation

/// Options shared by the license, bundle, trust and plugin-install commands of `eop`.
struct HostDataOptions: ParsableArguments {
    @Option(help: "Host data directory (default: $EOP_HOME or .eop).")
    var dataDir: String = ProcessInfo.processInfo.environment["EOP_HOME"] ?? ".eop"

    @Option(help: "tiers.json (default: $EOP_TIERS or Manifests/tiers.json).")
    var tiers: String = ProcessInfo.processInfo.environment["EOP_TIERS"] ?? "Manifests/tiers.json"

    /// License file locations.
    var files: LicenseFiles { LicenseFiles(dataDirectory: URL(fileURLWithPath: dataDir)) }

    /// `EOP_ENV` of this process.
    var mode: RuntimeMode { RuntimeMode.from(environment: ProcessInfo.processInfo.environment) }

    /// tiers.json, parsed.
    func tierCatalog() throws -> TierCatalog { try TierCatalog(contentsOf: URL(fileURLWithPath: tiers)) }

    /// Bundle verifier: operator trust store plus vendor certification through the license keyring.
    func bundleVerifier() throws -> BundleVerifier { try BundleVerifier.forHost(files: files, mode: mode) }
}
