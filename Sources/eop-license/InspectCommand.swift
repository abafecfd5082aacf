import ArgumentParser
import EOPLicense
import Foundation

/// `eop-license inspect`: decode a license, verify it against given keys, print every field.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Decode and verify a license file; print every field in a table.",
        discussion: "Exit status 1 when verification fails. Without --key/--public-key the signature is not checked.")

    @Argument(help: "License file.") var file: String
    @Option(help: "Vendor key file whose public half verifies the license (repeatable).") var key: [String] = []
    @Option(help: "Trusted public key as kid=base64url (repeatable).") var publicKey: [String] = []
    @Option(help: "Keyring file of rotation certificates.") var keyring: String?
    @Option(help: "Revocation list file.") var revocations: String?
    @Option(help: "Check as of this time (RFC 3339; default now).") var at: String?
    @Option(help: "Host mode to check against: production or development.") var mode: String = "production"
    @Option(help: "Machine id to check the instance binding against (default: this machine).") var machineID: String?

    func run() throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let envelope = try LicenseVerifier.decodeEnvelope(armored: text)
        var rows: [(String, String)] = [("file", file)]
        if let bytes = envelope.payloadBytes, let payload = try? LicensePayload.parse(bytes) {
            rows += LicenseTable.rows(envelope: envelope, payload: payload)
            if payload.instance != nil {
                let here = machineID.map { InstanceIdentity(machineID: $0) } ?? InstanceIdentity.current()
                rows.append(("this machine", here?.hash ?? "(no machine id)"))
            }
        } else {
            rows += [("envelope v", "\(envelope.v)"), ("alg", envelope.alg), ("kid", envelope.kid), ("payload", "(not decodable)")]
        }
        var roots: [VerificationKey] = []
        for path in key { roots.append(try SigningKey.read(from: URL(fileURLWithPath: path)).publicKey) }
        for spec in publicKey {
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let k = VerificationKey(kid: parts[0], base64URL: parts[1]) else {
                throw ValidationError("--public-key must be kid=base64url")
            }
            roots.append(k)
        }
        var failed = false
        if roots.isEmpty {
            rows.append(("signature", "not checked (give --key or --public-key)"))
        } else {
            var ring = Keyring(roots: VendorKeys.compiledIn + roots)
            if let keyring { try ring.load(file: URL(fileURLWithPath: keyring)) }
            var revoked = RevocationList.empty
            if let revocations {
                revoked = try RevocationList.parse(armored: String(contentsOfFile: revocations, encoding: .utf8), keyring: ring)
            }
            let now = try at.map { t -> Date in
                guard let d = LicenseDate.parseTimestamp(t) else { throw ValidationError("--at must be RFC 3339") }
                return d
            } ?? Date()
            let verifier = LicenseVerifier(
                keyring: ring, revocations: revoked, clock: ManualLicenseClock(now),
                instance: machineID.map { InstanceIdentity(machineID: $0) } ?? InstanceIdentity.current(),
                mode: mode == "development" ? .development : .production)
            do {
                let verified = try verifier.verify(envelope: envelope)
                rows.append(("signature", "valid (kid \(verified.kid))"))
                let standing: String = switch verified.standing {
                case .valid: "valid"
                case .grace(let until): "IN GRACE until \(LicenseDate.formatTimestamp(until))"
                case .maintained(let at): "expired \(LicenseDate.formatDay(at)), maintained"
                }
                rows.append(("verification", "accepted as of \(LicenseDate.formatTimestamp(now)) (\(mode) mode): \(standing)"))
                for w in verified.warnings { rows.append(("warning", w)) }
            } catch {
                rows.append(("verification", "REFUSED: \(error.description)"))
                failed = true
            }
        }
        print(LicenseTable.render(rows))
        if failed { throw ExitCode(1) }
    }
}
