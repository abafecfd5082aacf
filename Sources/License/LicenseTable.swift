import Foundation

/// Renders license fields as an aligned two-column text table, for
/// `eop-license inspect` and `eop license show`.
public enum LicenseTable {
    /// Rows (field, value) for every field of the envelope and payload.
    public static func rows(envelope: SignedEnvelope, payload: LicensePayload) -> [(String, String)] {
        func list(_ a: [String]) -> String { a.isEmpty ? "(none)" : a.joined(separator: ", ") }
        return [
            ("envelope v", "\(envelope.v)"),
            ("alg", envelope.alg),
            ("kid", envelope.kid),
            ("format", "\(payload.format)"),
            ("product", payload.product),
            ("license_id", payload.licenseID),
            ("sequence", "\(payload.sequence)"),
            ("licensee.name", payload.licenseeName),
            ("licensee.id", payload.licenseeID),
            ("tier", payload.tier),
            ("modules_added", list(payload.modulesAdded)),
            ("modules_removed", list(payload.modulesRemoved)),
            ("plugins", list(payload.plugins)),
            ("rights", list(payload.rights)),
            ("white_label", payload.whiteLabel ? "yes" : "no"),
            ("channels", list(payload.channels.map(\.rawValue)) + " (allows: \(list(payload.allowedChannels.map(\.rawValue))))"),
            ("issued_at", LicenseDate.formatTimestamp(payload.issuedAt)),
            ("expires_at", LicenseDate.formatTimestamp(payload.expiresAt)),
            ("grace_days", "\(payload.graceDays) (grace ends \(LicenseDate.formatTimestamp(payload.graceEndsAt)))"),
            ("on_expiry", payload.onExpiry.rawValue),
            ("updates_until", LicenseDate.formatDay(payload.updatesUntil)),
            ("instance", payload.instance ?? "(any machine)"),
            ("environment", payload.environment.rawValue),
        ]
    }

    /// Aligns `rows` into "field  value" lines.
    public static func render(_ rows: [(String, String)]) -> String {
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { field, value in
            field.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value
        }.joined(separator: "\n")
    }
}
