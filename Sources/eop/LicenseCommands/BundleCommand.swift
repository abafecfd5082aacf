import ArgumentParser
import EOPLicense
import Foundation

/// `eop bundle`: make publisher keys, pack and verify signed plugin bundles.
struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Pack and verify signed plugin bundles.",
        subcommands: [Keygen.self, Pack.self, Verify.self])

    /// `eop bundle keygen --publisher <ns>`.
    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a publisher signing key.")
        @Option(help: "Publisher namespace, e.g. com.acme.") var publisher: String
        @Option(help: "Key file to write.") var out: String

        func run() throws {
            guard BundleNamespace.isValid(publisher) else { throw ValidationError("namespace must be lowercase dot-separated labels") }
            let draft = SigningKey.generate(kid: "", publisher: publisher)
            let key = SigningKey(kid: draft.publicKey.fingerprint, publisher: publisher, privateKey: draft.privateKey)
            try key.write(to: URL(fileURLWithPath: out))
            print("key file:   \(out) (mode 0600)")
            print("public key: \(key.publicKey.base64URL)")
            print("operators trust it with: eop trust add \(key.publicKey.base64URL) --publisher \(publisher)")
        }
    }

    /// `eop bundle pack <plugin dir>`.
    struct Pack: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pack a plugin directory into a signed bundle.")
        @Argument(help: "Plugin directory (manifest.json, library, Migrations/, assets/, Templates/, Docs/), or a manifest file such as Manifests/catalog.json.") var pluginDirectory: String
        @Option(help: "The built library, when it is not beside the manifest (e.g. .build/release/libCatalog.so).") var library: String?
        @Option(help: "Publisher key file.") var key: String
        @Option(help: "Publisher namespace (default: the key file's).") var publisher: String?
        @Option(help: "Bundle file (default: <parent>/<id>-<version>.eopbundle).") var out: String?
        @Option(help: "Vendor certificate of the publisher key (JSON envelope).") var certificate: String?

        func run() throws {
            let signingKey = try SigningKey.read(from: URL(fileURLWithPath: key))
            guard let namespace = publisher ?? signingKey.publisher else { throw ValidationError("give --publisher") }
            let cert = try certificate.map { try JSONDecoder().decode(SignedEnvelope.self, from: Data(contentsOf: URL(fileURLWithPath: $0))) }
            do {
                let url = try BundlePacker.pack(
                    pluginDirectory: URL(fileURLWithPath: pluginDirectory), signingKey: signingKey, publisher: namespace,
                    output: out.map { URL(fileURLWithPath: $0) }, certificate: cert, library: library.map { URL(fileURLWithPath: $0) })
                print("wrote \(url.path)")
            } catch {
                print("refused: \(error.description)")
                throw ExitCode(1)
            }
        }
    }

    /// `eop bundle verify <bundle>`.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify a bundle's signature, files and namespace.")
        @OptionGroup var options: HostDataOptions
        @Argument(help: "Bundle file.") var bundle: String

        func run() throws {
            do {
                let verified = try options.bundleVerifier().verify(bundleAt: URL(fileURLWithPath: bundle))
                let trust: String = switch verified.keyTrust {
                case .operatorTrusted: "operator-trusted"
                case .vendorCertified(let by): "certified by vendor key \(by)"
                }
                var rows: [(String, String)] = [
                    ("bundle", bundle), ("plugin", verified.manifest.id), ("version", verified.manifest.version.description),
                    ("channel", verified.manifest.channel.rawValue),
                    ("release_date", verified.manifest.releaseDate.map(LicenseDate.formatDay) ?? "(none)"),
                    ("publisher", verified.publisher), ("key", "\(verified.kid) (\(trust))"),
                    ("digest", verified.digest), ("files", "\(verified.fileList.files.count), all match the signed list"),
                ]
                if let tiers = try? options.tierCatalog() {
                    let gate = LicenseGate.boot(files: options.files, tiers: tiers, mode: options.mode)
                    rows.append(("license", gate.decide(module: verified.licenseInfo).description))
                }
                print(LicenseTable.render(rows))
            } catch let error as BundleError {
                print("refused: \(error.description)")
                throw ExitCode(1)
            }
        }
    }
}
