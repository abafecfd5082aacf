import Foundation

/// What a license grants: the signed payload inside the envelope.
///
/// JSON field names are snake_case (see README.md for the full format). Unknown
/// fields are ignored, so newer issuers may add fields without breaking older hosts.
public struct LicensePayload: Sendable, Equatable {
    /// The product every EOP license names.
    public static let productName = "eop"

    /// Payload format version (`format`), currently 1.
    public var format: Int = 1
    /// Product (`product`); must be `eop`.
    public var product: String = LicensePayload.productName
    /// Unique license id (`license_id`), the unit of revocation.
    public var licenseID: String
    /// Sequence number (`sequence`): a reissue for the same licensee carries a higher one.
    public var sequence: UInt64
    /// Licensee display name (`licensee.name`).
    public var licenseeName: String
    /// Stable licensee id (`licensee.id`); the scope of the rollback check.
    public var licenseeID: String
    /// Tier id from tiers.json (`tier`), e.g. `starter`.
    public var tier: String
    /// First-party modules added beyond the tier (`modules_added`).
    public var modulesAdded: [String] = []
    /// First-party modules removed from the tier (`modules_removed`); core and always-active cannot be removed.
    public var modulesRemoved: [String] = []
    /// Third-party plugin ids entitled (`plugins`).
    public var plugins: [String] = []
    /// Rights (`rights`), e.g. `white_label`.
    public var rights: [String] = []
    /// Update channels allowed (`channels`); the highest listed implies the lower ones (stable ⊂ rc ⊂ beta).
    public var channels: [ReleaseChannel] = [.stable]
    /// Issue time (`issued_at`, RFC 3339).
    public var issuedAt: Date
    /// Expiry time (`expires_at`, RFC 3339).
    public var expiresAt: Date
    /// What happens after expiry and grace (`on_expiry`).
    public var onExpiry: ExpiryPolicy = .deactivate
    /// Newest plugin release date this license may run (`updates_until`, YYYY-MM-DD).
    public var updatesUntil: Date
    /// Days after `expires_at` during which the license still works, with a warning (`grace_days`).
    public var graceDays: Int = 0
    /// Instance binding (`instance`): hex SHA-256 from `InstanceIdentity`; nil = any machine.
    public var instance: String?
    /// Environment (`environment`).
    public var environment: LicenseEnvironment = .production

    /// Creates a payload; defaults match a plain production license.
    public init(
        licenseID: String, sequence: UInt64, licenseeName: String, licenseeID: String, tier: String,
        modulesAdded: [String] = [], modulesRemoved: [String] = [], plugins: [String] = [],
        rights: [String] = [], channels: [ReleaseChannel] = [.stable],
        issuedAt: Date, expiresAt: Date, onExpiry: ExpiryPolicy = .deactivate, updatesUntil: Date,
        graceDays: Int = 0, instance: String? = nil, environment: LicenseEnvironment = .production,
        product: String = LicensePayload.productName
    ) {
        self.licenseID = licenseID
        self.sequence = sequence
        self.licenseeName = licenseeName
        self.licenseeID = licenseeID
        self.tier = tier
        self.modulesAdded = modulesAdded
        self.modulesRemoved = modulesRemoved
        self.plugins = plugins
        self.rights = rights
        self.channels = channels
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.onExpiry = onExpiry
        self.updatesUntil = updatesUntil
        self.graceDays = graceDays
        self.instance = instance
        self.environment = environment
        self.product = product
    }

    /// True when `rights` contains `white_label`.
    public var whiteLabel: Bool { rights.contains("white_label") }

    /// The highest channel allowed; all lower channels are allowed too.
    public var highestChannel: ReleaseChannel { channels.max() ?? .stable }

    /// Every channel allowed, lowest first.
    public var allowedChannels: [ReleaseChannel] { ReleaseChannel.allCases.filter { $0 <= highestChannel } }

    /// End of grace: `expires_at + grace_days`.
    public var graceEndsAt: Date { expiresAt.addingTimeInterval(TimeInterval(graceDays) * 86_400) }

    /// The payload as JSON (sorted keys). These are the bytes a signer signs.
    public func jsonData() -> Data {
        var object: [String: Any] = [
            "format": format,
            "product": product,
            "license_id": licenseID,
            "sequence": sequence,
            "licensee": ["name": licenseeName, "id": licenseeID],
            "tier": tier,
            "modules_added": modulesAdded,
            "modules_removed": modulesRemoved,
            "plugins": plugins,
            "rights": rights,
            "channels": channels.map(\.rawValue),
            "issued_at": LicenseDate.formatTimestamp(issuedAt),
            "expires_at": LicenseDate.formatTimestamp(expiresAt),
            "on_expiry": onExpiry.rawValue,
            "updates_until": LicenseDate.formatDay(updatesUntil),
            "grace_days": graceDays,
            "environment": environment.rawValue,
        ]
        if let instance { object["instance"] = instance }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
    }

    /// Parses payload JSON (as signed, or as given to `eop-license issue --from`).
    /// - Throws: `LicenseError.malformed` naming the field.
    public static func parse(_ data: Data) throws(LicenseError) -> LicensePayload {
        guard let any = try? JSONSerialization.jsonObject(with: data), let o = any as? [String: Any] else {
            throw .malformed(field: "payload", reason: "not a JSON object")
        }
        return try parse(object: o)
    }

    /// Parses an already-decoded JSON object. Missing optional fields take defaults:
    /// `format` 1, `product` eop, lists empty, `channels` [stable], `on_expiry` deactivate,
    /// `grace_days` 0, `environment` production.
    public static func parse(object o: [String: Any]) throws(LicenseError) -> LicensePayload {
        func string(_ key: String, _ value: Any?) throws(LicenseError) -> String {
            guard let s = value as? String, !s.isEmpty else {
                throw .malformed(field: key, reason: value == nil ? "missing" : "not a non-empty string")
            }
            return s
        }
        func strings(_ key: String) throws(LicenseError) -> [String] {
            guard let v = o[key] else { return [] }
            guard let a = v as? [String] else { throw .malformed(field: key, reason: "not a list of strings") }
            return a
        }
        func integer(_ key: String) throws(LicenseError) -> Int64? {
            guard let v = o[key] else { return nil }
            guard let n = jsonInteger(v) else { throw .malformed(field: key, reason: "not an integer") }
            return n
        }
        func timestamp(_ key: String) throws(LicenseError) -> Date {
            let s = try string(key, o[key])
            guard let d = LicenseDate.parseTimestamp(s) else {
                throw .malformed(field: key, reason: "'\(s)' is not an RFC 3339 time")
            }
            return d
        }

        let format = try integer("format") ?? 1
        guard format == 1 else { throw .malformed(field: "format", reason: "unsupported payload format \(format)") }
        let product = o["product"] == nil ? LicensePayload.productName : try string("product", o["product"])
        let licenseID = try string("license_id", o["license_id"])
        guard let sequence = try integer("sequence"), sequence >= 0 else {
            throw .malformed(field: "sequence", reason: o["sequence"] == nil ? "missing" : "negative")
        }
        let licenseeName: String
        let licenseeID: String
        if let l = o["licensee"] as? [String: Any] {
            licenseeName = try string("licensee.name", l["name"])
            licenseeID = try string("licensee.id", l["id"])
        } else {
            throw .malformed(field: "licensee", reason: o["licensee"] == nil ? "missing" : "not an object {name, id}")
        }
        let tier = try string("tier", o["tier"]).lowercased()
        var channels: [ReleaseChannel] = [.stable]
        if o["channels"] != nil {
            channels = []
            for name in try strings("channels") {
                guard let c = ReleaseChannel(rawValue: name) else {
                    throw .malformed(field: "channels", reason: "unknown channel '\(name)' (stable, rc, beta)")
                }
                channels.append(c)
            }
            if channels.isEmpty { throw .malformed(field: "channels", reason: "empty") }
        }
        let onExpiryText = o["on_expiry"] == nil ? "deactivate" : try string("on_expiry", o["on_expiry"])
        guard let onExpiry = ExpiryPolicy(rawValue: onExpiryText) else {
            throw .malformed(field: "on_expiry", reason: "'\(onExpiryText)' is not deactivate or maintain")
        }
        let untilText = try string("updates_until", o["updates_until"])
        guard let updatesUntil = LicenseDate.parseDay(untilText) else {
            throw .malformed(field: "updates_until", reason: "'\(untilText)' is not YYYY-MM-DD")
        }
        let grace = try integer("grace_days") ?? 0
        guard (0...3650).contains(grace) else { throw .malformed(field: "grace_days", reason: "\(grace) is outside 0...3650") }
        var instance: String? = nil
        if let v = o["instance"], !(v is NSNull) {
            let s = try string("instance", v).lowercased()
            guard s.count == 64, s.allSatisfy(\.isHexDigit) else {
                throw .malformed(field: "instance", reason: "not a 64-digit hex SHA-256")
            }
            instance = s
        }
        let envText = o["environment"] == nil ? "production" : try string("environment", o["environment"])
        guard let environment = LicenseEnvironment(rawValue: envText) else {
            throw .malformed(field: "environment", reason: "'\(envText)' is not production or development")
        }
        let issuedAt = try timestamp("issued_at")
        let expiresAt = try timestamp("expires_at")
        guard expiresAt > issuedAt else { throw .malformed(field: "expires_at", reason: "not after issued_at") }

        var payload = LicensePayload(
            licenseID: licenseID, sequence: UInt64(sequence), licenseeName: licenseeName, licenseeID: licenseeID,
            tier: tier,
            modulesAdded: try strings("modules_added").map { $0.lowercased() },
            modulesRemoved: try strings("modules_removed").map { $0.lowercased() },
            plugins: try strings("plugins"), rights: try strings("rights"), channels: channels,
            issuedAt: issuedAt, expiresAt: expiresAt, onExpiry: onExpiry, updatesUntil: updatesUntil,
            graceDays: Int(grace), instance: instance, environment: environment, product: product)
        payload.format = Int(format)
        return payload
    }
}

/// What happens when a license is past expiry and grace (`on_expiry`).
public enum ExpiryPolicy: String, Sendable, CaseIterable {
    /// Every module is refused.
    case deactivate
    /// Modules released before expiry keep running; newer releases are refused.
    case maintain
}

/// The environment a license is issued for (`environment`).
public enum LicenseEnvironment: String, Sendable, CaseIterable {
    /// A production license from the vendor.
    case production
    /// A development license: accepted only while the host runs in development mode.
    case development
}
