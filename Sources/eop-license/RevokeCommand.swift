import ArgumentParser
import EOPLicense
import Foundation

/// `eop-license revoke`: add key ids or license ids to the signed revocation list.
struct RevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Add revoked key ids / license ids to a revocation list and re-sign it (sequence + 1).",
        discussion: "Ship the list to hosts as <data>/license/revocations.eop.")

    @Option(help: "Vendor key file that signs the list.") var key: String
    @Option(help: "Revocation list file (read if present, then rewritten).") var list: String = "revocations.eop"
    @Option(help: "Key id to revoke (repeatable).") var kid: [String] = []
    @Option(help: "License id to revoke (repeatable).") var licenseID: [String] = []
    @Option(help: "Public key (kid=base64url) that signed the existing list, if not --key.") var publicKey: [String] = []

    func run() throws {
        guard !kid.isEmpty || !licenseID.isEmpty else { throw ValidationError("give --kid and/or --license-id") }
        let signer = try SigningKey.read(from: URL(fileURLWithPath: key))
        guard !kid.contains(signer.kid) else { throw ValidationError("refusing to sign a list that revokes the signing key itself") }
        let url = URL(fileURLWithPath: list)
        var current = RevocationList.empty
        if FileManager.default.fileExists(atPath: url.path) {
            var roots = [signer.publicKey]
            for spec in publicKey {
                let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2, let k = VerificationKey(kid: parts[0], base64URL: parts[1]) { roots.append(k) }
            }
            current = try RevocationList.parse(armored: String(contentsOf: url, encoding: .utf8), keyring: Keyring(roots: VendorKeys.compiledIn + roots))
        }
        current.sequence += 1
        current.issuedAt = Date()
        current.revokedKids.formUnion(kid)
        current.revokedLicenseIDs.formUnion(licenseID)
        try Data(try current.armored(signedBy: signer).utf8).write(to: url, options: .atomic)
        print("wrote \(url.path): sequence \(current.sequence), \(current.revokedKids.count) key id(s), \(current.revokedLicenseIDs.count) license id(s) revoked")
        if !current.revokedKids.isEmpty { print("revoked kids:        \(current.revokedKids.sorted().joined(separator: ", "))") }
        if !current.revokedLicenseIDs.isEmpty { print("revoked license ids: \(current.revokedLicenseIDs.sorted().joined(separator: ", "))") }
    }
}
