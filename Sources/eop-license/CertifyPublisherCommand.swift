import ArgumentParser
import EOPLicense
import Foundation

/// `eop-license certify-publisher`: the vendor vouches for a third-party publisher key.
struct CertifyPublisherCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certify-publisher",
        abstract: "Certify a publisher key for a namespace (packed into bundles with `eop bundle pack --certificate`).")

    @Option(help: "Vendor key file.") var key: String
    @Option(help: "Publisher namespace, e.g. com.acme.") var publisher: String
    @Option(help: "Publisher public key, base64url.") var publicKey: String
    @Option(help: "Certificate file to write.") var out: String

    func run() throws {
        guard BundleNamespace.isValid(publisher), publisher != BundleNamespace.vendor else {
            throw ValidationError("namespace must be lowercase dot-separated labels and not '\(BundleNamespace.vendor)'")
        }
        guard let probe = VerificationKey(kid: "", base64URL: publicKey) else { throw ValidationError("not a base64url Ed25519 public key") }
        let vendor = try SigningKey.read(from: URL(fileURLWithPath: key))
        let certificate = try PublisherCertificate.issue(namespace: publisher, publisherKey: probe, vendorKey: vendor)
        try certificate.jsonData().write(to: URL(fileURLWithPath: out), options: .atomic)
        print("wrote \(out): '\(vendor.kid)' certifies key \(probe.fingerprint) for namespace '\(publisher)'")
    }
}
