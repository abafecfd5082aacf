import ArgumentParser
import EOPLicense
import Foundation

/// `eop trust`: publisher keys the operator trusts for bundles.
struct TrustCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Manage trusted plugin publisher keys.",
        subcommands: [Add.self, List.self, Remove.self])

    /// `eop trust add <pubkey> --publisher <namespace>`.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Trust a publisher key for one namespace.")
        @OptionGroup var options: HostDataOptions
        @Argument(help: "Publisher public key, base64url.") var publicKey: String
        @Option(help: "Namespace the key may publish under, e.g. com.acme.") var publisher: String

        func run() throws {
            var store = try TrustStore.load(from: options.files.trustedPublishers)
            let entry = try store.add(publicKeyBase64URL: publicKey, namespace: publisher)
            try store.save(to: options.files.trustedPublishers)
            print("trusted key \(entry.kid) for namespace '\(entry.namespace)'")
        }
    }

    /// `eop trust list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List trusted publisher keys.")
        @OptionGroup var options: HostDataOptions

        func run() throws {
            let store = try TrustStore.load(from: options.files.trustedPublishers)
            if store.publishers.isEmpty { print("no trusted publisher keys"); return }
            print(LicenseTable.render([("NAMESPACE", "KID              PUBLIC KEY                                   ADDED")] +
                store.publishers.map { ($0.namespace, "\($0.kid) \($0.publicKey) \($0.addedAt)") }))
        }
    }

    /// `eop trust remove <kid>`.
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop trusting a publisher key.")
        @OptionGroup var options: HostDataOptions
        @Argument(help: "Key id (fingerprint) from `eop trust list`.") var kid: String

        func run() throws {
            var store = try TrustStore.load(from: options.files.trustedPublishers)
            guard store.remove(kid: kid) else { throw ValidationError("no trusted key \(kid)") }
            try store.save(to: options.files.trustedPublishers)
            print("removed \(kid)")
        }
    }
}
