import ArgumentParser
import EOPLicense
import Foundation

/// `eop-license issue`: sign a license from a JSON payload file or from flags.
struct IssueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Sign a license (from --from JSON, or from flags) and write the armored file.",
        discussion: """
            JSON uses the payload field names (license_id, sequence, licensee {name,id}, tier, \
            modules_added, modules_removed, plugins, rights, channels, issued_at, expires_at, \
            on_expiry, updates_until, grace_days, instance, environment); license_id and \
            issued_at default to a new id and now.
            """)

    @Option(help: "Vendor key file (from keygen).")
    var key: String

    @Option(help: "Payload JSON file; flags below are then ignored.")
    var from: String?

    @Option(help: "Output file (default: standard output).")
    var out: String?

    @Option(help: "License id (default: a new UUID).") var licenseID: String?
    @Option(help: "Sequence number; a reissue for the same licensee needs a higher one.") var sequence: UInt64 = 1
    @Option(help: "Licensee display name.") var licensee: String?
    @Option(help: "Stable licensee id (default: derived from the name).") var licenseeID: String?
    @Option(help: "Tier id: starter, growth, business, enterprise.") var tier: String = "starter"
    @Option(name: .customLong("add"), help: "Add a module (repeatable).") var added: [String] = []
    @Option(name: .customLong("remove"), help: "Remove a module (repeatable).") var removed: [String] = []
    @Option(name: .customLong("plugin"), help: "Entitle a third-party plugin id (repeatable).") var plugins: [String] = []
    @Flag(help: "Grant white-label rights.") var whiteLabel = false
    @Option(name: .customLong("channel"), help: "Allowed channel: stable, rc or beta (highest implies lower).") var channel: String = "stable"
    @Option(help: "Issue time, RFC 3339 (default: now).") var issuedAt: String?
    @Option(help: "Expiry time, RFC 3339 or YYYY-MM-DD (default: issued + --days).") var expiresAt: String?
    @Option(help: "Days of validity when --expires-at is absent.") var days: Int = 365
    @Option(help: "deactivate or maintain.") var onExpiry: String = "deactivate"
    @Option(help: "Newest plugin release date allowed, YYYY-MM-DD (default: expiry day).") var updatesUntil: String?
    @Option(help: "Grace days after expiry.") var graceDays: Int = 14
    @Option(help: "Bind to an instance hash (from `eop license show`).") var instance: String?
    @Option(help: "Bind to a raw machine id (hashed here).") var machineID: String?
    @Option(help: "production or development.") var environment: String = "production"

    func run() throws {
        let signer = try SigningKey.read(from: URL(fileURLWithPath: key))
        let payload: LicensePayload
        if let from {
            let data = try Data(contentsOf: URL(fileURLWithPath: from))
            guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ValidationError("\(from) is not a JSON object")
            }
            if object["license_id"] == nil { object["license_id"] = UUID().uuidString.lowercased() }
            if object["issued_at"] == nil { object["issued_at"] = LicenseDate.formatTimestamp(Date()) }
            payload = try LicensePayload.parse(object: object)
        } else {
            payload = try payloadFromFlags()
        }
        let text = try LicenseIssuer.issue(payload, signedBy: signer)
        if let out {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            FileHandle.standardError.write(Data("wrote \(out): \(payload.tier) license \(payload.licenseID) for \(payload.licenseeName), signed by \(signer.kid)\n".utf8))
        } else {
            print(text, terminator: "")
        }
    }

    private func payloadFromFlags() throws -> LicensePayload {
        guard let licensee else { throw ValidationError("--licensee is required without --from") }
        let issued = try issuedAt.map { try date($0, "--issued-at") } ?? Date()
        let expires = try expiresAt.map { try date($0, "--expires-at") } ?? issued.addingTimeInterval(TimeInterval(days) * 86_400)
        guard let channelValue = ReleaseChannel(rawValue: channel) else { throw ValidationError("--channel must be stable, rc or beta") }
        guard let policy = ExpiryPolicy(rawValue: onExpiry) else { throw ValidationError("--on-expiry must be deactivate or maintain") }
        guard let env = LicenseEnvironment(rawValue: environment) else { throw ValidationError("--environment must be production or development") }
        let until: Date
        if let updatesUntil {
            guard let d = LicenseDate.parseDay(updatesUntil) else { throw ValidationError("--updates-until must be YYYY-MM-DD") }
            until = d
        } else {
            until = LicenseDate.parseDay(LicenseDate.formatDay(expires))!
        }
        var bound = instance?.lowercased()
        if let machineID { bound = InstanceIdentity(machineID: machineID).hash }
        let id = licenseeID ?? licensee.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.reduce("") { $0 + String($1) }
        let payload = LicensePayload(
            licenseID: licenseID ?? UUID().uuidString.lowercased(), sequence: sequence,
            licenseeName: licensee, licenseeID: id, tier: tier.lowercased(),
            modulesAdded: added.map { $0.lowercased() }, modulesRemoved: removed.map { $0.lowercased() },
            plugins: plugins, rights: whiteLabel ? ["white_label"] : [], channels: [channelValue],
            issuedAt: issued, expiresAt: expires, onExpiry: policy, updatesUntil: until,
            graceDays: graceDays, instance: bound, environment: env)
        // Round-trip through the parser so the vendor gets the same checks a host applies.
        return try LicensePayload.parse(payload.jsonData())
    }

    private func date(_ text: String, _ flag: String) throws -> Date {
        guard let d = LicenseDate.parseTimestamp(text) else { throw ValidationError("\(flag) must be RFC 3339 or YYYY-MM-DD") }
        return d
    }
}
