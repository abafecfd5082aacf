import EOPSDK
import Foundation

/// First run and day-to-day readiness: the setup wizard, the onboarding checklist that
/// ticks itself from facts, and the health page.
final class Launcher: Plugin {
    static let id = "launcher"
    static let version = "1.0.0"

    let host: HostAPI
    let sql: SQL
    /// `smtp://host:port` or `smtps://host:port` to probe; empty: the host's EOP_SMTP_URL.
    let smtpURL: String
    let smtpTimeoutMS: Int32
    let diskMinimumFreeMB: Int64
    let licenseWarningDays: Int64

    init(host: HostAPI) throws {
        self.host = host
        sql = try SQL(host: host)
        let configured = try host.stringSetting("smtp_url")
        smtpURL = configured.isEmpty ? (ProcessInfo.processInfo.environment["EOP_SMTP_URL"] ?? "") : configured
        smtpTimeoutMS = Int32(try Self.integer(host, "smtp_timeout_ms"))
        diskMinimumFreeMB = try Self.integer(host, "disk_min_free_mb")
        licenseWarningDays = try Self.integer(host, "license_warning_days")
    }

    private static func integer(_ host: HostAPI, _ key: String) throws -> Int64 {
        let text = try host.setting(key)
        guard let value = Int64(text) else { throw PluginError("setting '\(key)' is not an integer: \(text)") }
        return value
    }

    /// A fact of a checklist topic ticks its item (once; later facts change nothing).
    func tick(_ event: IncomingEvent) throws -> HandlerResult {
        try sql.execute("""
            UPDATE checklist SET done_at = now(), done_by = $1, event_id = $2 WHERE topic = $1 AND done_at IS NULL
            """, event.topic, event.id?.uuidString.lowercased())
        return .ok
    }
}
