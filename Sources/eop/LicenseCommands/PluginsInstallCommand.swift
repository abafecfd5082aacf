import ArgumentParser
import EOPLicense
import Foundation

/// `eop plugins install <bundle> [--force]`: verify a bundle and unpack it into the
/// content-addressed plugin store; then show License's decision for it.
/// Meant to sit under the CLI owner's `plugins` command.
struct PluginsInstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Verify and install a plugin bundle.")

    @OptionGroup var options: HostDataOptions
    @Argument(help: "Bundle file (.eopbundle).") var bundle: String
    @Flag(help: "Install even if the installed version is the same or newer.") var force = false

    func run() throws {
        do {
            let installed = try BundleInstaller.install(
                bundle: URL(fileURLWithPath: bundle), pluginsDirectory: options.files.plugins,
                verifier: options.bundleVerifier(), force: force)
            print("installed \(installed.id) \(installed.version) from \(installed.publisher) into \(installed.directory)")
            if let tiers = try? options.tierCatalog() {
                let gate = LicenseGate.boot(files: options.files, tiers: tiers, mode: options.mode)
                let verified = try options.bundleVerifier().verify(bundleAt: URL(fileURLWithPath: bundle))
                print("license: \(gate.decide(module: verified.licenseInfo).description)")
            }
        } catch let error as BundleError {
            print("refused: \(error.description)")
            throw ExitCode(1)
        }
    }
}
