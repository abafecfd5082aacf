import ArgumentParser
import EOPLicense
import Foundation

/// `eop-license keygen`: a new vendor signing key, optionally certified by the previous one (rotation).
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make an Ed25519 vendor key (<kid>.key.json, mode 0600).",
        discussion: """
            With --rotate-from, the old key certifies the new one and the certificate is \
            added to --keyring (default keyring.json); ship that file to hosts so they \
            trust the new key without a new build.
            """)

    @Option(help: "Key id carried in every license this key signs, e.g. k2026.")
    var kid: String

    @Option(help: "Directory for the key file.")
    var outDir: String = "."

    @Option(help: "Old key file that certifies the new key (rotation).")
    var rotateFrom: String?

    @Option(help: "Keyring file to add the rotation certificate to.")
    var keyring: String = "keyring.json"

    func run() throws {
        let url = URL(fileURLWithPath: outDir).appendingPathComponent("\(kid).key.json")
        guard !FileManager.default.fileExists(atPath: url.path) else {
            throw ValidationError("\(url.path) exists; refusing to overwrite a key")
        }
        let key = SigningKey.generate(kid: kid)
        try key.write(to: url)
        print("key file:    \(url.path) (keep it offline; mode 0600)")
        print("kid:         \(kid)")
        print("public key:  \(key.publicKey.base64URL)")
        print("fingerprint: \(key.publicKey.fingerprint)")
        print("compile in (Sources/License/VendorKeys.swift):  \"\(kid)\": \"\(key.publicKey.base64URL)\",")
        if let rotateFrom {
            let old = try SigningKey.read(from: URL(fileURLWithPath: rotateFrom))
            let certificate = try Keyring.certify(key.publicKey, with: old, at: Date())
            let keyringURL = URL(fileURLWithPath: keyring)
            var file = KeyringFile()
            if FileManager.default.fileExists(atPath: keyringURL.path) {
                file = try JSONDecoder().decode(KeyringFile.self, from: Data(contentsOf: keyringURL))
            }
            file.certificates.append(certificate)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(file).write(to: keyringURL, options: .atomic)
            print("rotation:    '\(old.kid)' certified '\(kid)' in \(keyringURL.path)")
        }
    }
}
