import EOPSDK
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The health page: database, plugins, license expiry, SMTP reachability, disk space.
extension Launcher {
    /// One check's answer: `ok`, `warn`, `fail` or `skipped`, and what was seen.
    struct Check {
        var name: String
        var status: String
        var detail: String
        var json: [String: Any] { ["name": name, "status": status, "detail": detail] }
    }

    /// `GET /api/launcher/health`: every check; 503 when one fails.
    func health(_ request: HTTPRequest) throws -> HTTPAnswer {
        let directory = Result { try host.pluginDirectory() }
        let checks = [databaseCheck(), pluginsCheck(directory), licenseCheck(directory), smtpCheck(), diskCheck()]
        let failed = checks.contains { $0.status == "fail" }
        let warned = checks.contains { $0.status == "warn" }
        return .json(object: ["status": failed ? "fail" : warned ? "warn" : "ok", "checks": checks.map(\.json)], status: failed ? 503 : 200)
    }

    func databaseCheck() -> Check {
        let start = Date()
        do {
            let version = try sql.execute("SELECT current_setting('server_version') AS v").first?.string("v") ?? "?"
            return Check(name: "database", status: "ok", detail: "PostgreSQL \(version) answered in \(Int(Date().timeIntervalSince(start) * 1000)) ms")
        } catch {
            return Check(name: "database", status: "fail", detail: "\(error)")
        }
    }

    func pluginsCheck(_ directory: Result<PluginDirectory, Error>) -> Check {
        guard case .success(let d) = directory else { return Check(name: "plugins", status: "fail", detail: "the host did not list its plugins: \(directory)") }
        let failed = d.plugins.filter { $0.state == "failed" }
        let refused = d.plugins.filter { $0.state == "refused" }
        let active = d.plugins.filter(\.isActive).count
        var detail = "\(active) of \(d.plugins.count) active"
        if !failed.isEmpty { detail += "; failed: " + failed.map { "\($0.id) (\($0.reason ?? "no reason"))" }.joined(separator: ", ") }
        if !refused.isEmpty { detail += "; refused: " + refused.map { "\($0.id) (\($0.reason ?? "no reason"))" }.joined(separator: ", ") }
        return Check(name: "plugins", status: failed.isEmpty ? "ok" : "fail", detail: detail)
    }

    func licenseCheck(_ directory: Result<PluginDirectory, Error>) -> Check {
        guard case .success(let d) = directory else { return Check(name: "license", status: "fail", detail: "unknown: the host did not answer") }
        if let error = d.license["error"] { return Check(name: "license", status: "fail", detail: error) }
        guard let text = d.license["expires_at"], let expires = ISO8601DateFormatter().date(from: text) else {
            return Check(name: "license", status: "warn", detail: "the host reports no license expiry")
        }
        let days = Int64(expires.timeIntervalSinceNow / 86_400)
        let tier = d.license["tier"].map { "\($0) tier, " } ?? ""
        if expires < Date() { return Check(name: "license", status: "fail", detail: "\(tier)expired \(text)") }
        return Check(name: "license", status: days < licenseWarningDays ? "warn" : "ok", detail: "\(tier)expires \(text) (in \(days) days)")
    }

    /// A TCP connect to the SMTP server with a timeout (nothing is sent).
    func smtpCheck() -> Check {
        guard !smtpURL.isEmpty else { return Check(name: "smtp", status: "skipped", detail: "EOP_SMTP_URL is not set: email is not configured") }
        guard let url = URL(string: smtpURL), let scheme = url.scheme, ["smtp", "smtps"].contains(scheme), let server = url.host, !server.isEmpty else {
            return Check(name: "smtp", status: "fail", detail: "'\(smtpURL)' is not an smtp:// or smtps:// URL with a host")
        }
        let port = url.port ?? (scheme == "smtps" ? 465 : 587)
        if let failure = TCPProbe.connect(host: server, port: port, timeoutMS: smtpTimeoutMS) {
            return Check(name: "smtp", status: "fail", detail: "\(server):\(port) is not reachable: \(failure)")
        }
        return Check(name: "smtp", status: "ok", detail: "\(server):\(port) accepts connections")
    }

    /// Free space where the host runs (its working directory holds the data it writes).
    func diskCheck() -> Check {
        let path = FileManager.default.currentDirectoryPath
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return Check(name: "disk", status: "fail", detail: "statvfs \(path): \(String(cString: strerror(errno)))") }
        let freeMB = Int64(stats.f_bavail) * Int64(stats.f_frsize) / 1_048_576
        let totalMB = Int64(stats.f_blocks) * Int64(stats.f_frsize) / 1_048_576
        let detail = "\(freeMB) MB free of \(totalMB) MB at \(path) (minimum \(diskMinimumFreeMB) MB)"
        return Check(name: "disk", status: freeMB < diskMinimumFreeMB ? "fail" : "ok", detail: detail)
    }
}
