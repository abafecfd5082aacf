import Configuration
import EOPEventLog
import EOPLoader
import EOPManifest
import EOPNotification
import Foundation

/// The host's settings, read once at start from environment variables
/// (swift-configuration; key `eop.home` is the variable `EOP_HOME`) with
/// built-in defaults for running from a source checkout.
public struct HostConfiguration: Sendable {
    /// Development or production; production refuses development licenses.
    public enum Mode: String, Sendable { case development, production }

    /// The working directory of this installation (`EOP_HOME`, default `.eop`).
    public var home: URL
    /// Folders holding plugin manifests (`EOP_PLUGIN_PATH`, colon-separated).
    public var manifestPaths: [URL]
    /// Folders searched for plugin libraries (`EOP_LIBRARY_PATH`), after the manifest's own.
    public var librarySearchPaths: [URL]
    /// Event schemas (`EOP_EVENTS_DIR`, default `Manifests/events`).
    public var eventsDirectory: URL
    /// Plugin setting values, a JSON object by plugin id (`EOP_SETTINGS_FILE`, default `<home>/settings.json`).
    public var settingsFile: URL
    /// `EOP_ENV`.
    public var mode: Mode
    /// The product's tiers (`EOP_TIERS`, default `Manifests/tiers.json`).
    public var tiersFile: URL
    /// `EOP_DATABASE_URL` (postgresql://…); nil = the embedded cluster under `<home>/db`.
    public var databaseURL: String?
    /// The HTTP address (`EOP_HTTP_HOST`, default 127.0.0.1; `EOP_HTTP_PORT`, default 8080; 0 = any free port).
    public var httpHost: String
    public var httpPort: Int
    /// `EOP_SQL_PREPARED` (default true): plugins' statements are prepared once per database
    /// session and reused. Set false behind a pooler that does not keep sessions (PgBouncer
    /// in transaction mode).
    public var sqlPreparedStatements = true
    /// Email, SMS and push providers and retries (`EOP_SMTP_*`, `EOP_TWILIO_*`, `EOP_FCM_*`, `EOP_NOTIFY_*`; Sources/Notification/README.md).
    public var notification = NotificationConfiguration()

    /// Run-time files: the state file and the operator spool.
    public var runDirectory: URL { home.appendingPathComponent("run") }

    /// Reads the configuration. `environment` replaces the process environment (tests).
    public static func load(environment: [String: String]? = nil, executableDirectory: URL = HostConfiguration.executableDirectory) throws -> HostConfiguration {
        let provider = environment.map { EnvironmentVariablesProvider(environmentVariables: $0) } ?? EnvironmentVariablesProvider()
        let config = ConfigReader(provider: provider)
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        func paths(_ text: String) -> [URL] {
            text.split(separator: ":").map { URL(fileURLWithPath: String($0), relativeTo: cwd).standardizedFileURL }
        }
        let home = URL(fileURLWithPath: config.string(forKey: "eop.home", default: ".eop"), relativeTo: cwd).standardizedFileURL
        let modeText = config.string(forKey: "eop.env", default: "development")
        guard let mode = Mode(rawValue: modeText) else {
            throw HostConfigurationError("EOP_ENV is '\(modeText)'; it must be development or production")
        }
        var configuration = HostConfiguration(
            home: home,
            // Installed bundles (`eop plugins install`) live in <home>/plugins.
            manifestPaths: paths(config.string(forKey: "eop.plugin.path", default: "Manifests:SDK/examples")) + [home.appendingPathComponent("plugins")],
            librarySearchPaths: paths(config.string(forKey: "eop.library.path", default: "")) + [executableDirectory],
            eventsDirectory: URL(fileURLWithPath: config.string(forKey: "eop.events.dir", default: "Manifests/events"), relativeTo: cwd).standardizedFileURL,
            settingsFile: URL(fileURLWithPath: config.string(forKey: "eop.settings.file", default: home.appendingPathComponent("settings.json").path), relativeTo: cwd).standardizedFileURL,
            mode: mode,
            tiersFile: URL(fileURLWithPath: config.string(forKey: "eop.tiers", default: "Manifests/tiers.json"), relativeTo: cwd).standardizedFileURL,
            databaseURL: config.string(forKey: "eop.database.url", isSecret: true),
            httpHost: config.string(forKey: "eop.http.host", default: "127.0.0.1"),
            httpPort: config.int(forKey: "eop.http.port", default: 8080)
        )
        configuration.sqlPreparedStatements = config.bool(forKey: "eop.sql.prepared", default: true)
        configuration.notification = try notificationConfiguration(config)
        return configuration
    }

    /// The notification module's providers; a channel without its settings stays unconfigured.
    static func notificationConfiguration(_ config: ConfigReader) throws -> NotificationConfiguration {
        var n = NotificationConfiguration()
        if let url = config.string(forKey: "eop.smtp.url") {
            guard url.hasPrefix("smtp://") || url.hasPrefix("smtps://") else {
                throw HostConfigurationError("EOP_SMTP_URL is '\(url)'; it must start with smtp:// (STARTTLS when offered) or smtps://")
            }
            guard let from = config.string(forKey: "eop.smtp.from") else { throw HostConfigurationError("EOP_SMTP_URL is set but EOP_SMTP_FROM (the sender address) is not") }
            n.smtp = .init(url: url, user: config.string(forKey: "eop.smtp.user"), password: config.string(forKey: "eop.smtp.password", isSecret: true),
                           from: from, verifyTLS: config.bool(forKey: "eop.smtp.verify.tls", default: true))
        }
        if let sid = config.string(forKey: "eop.twilio.account.sid") {
            guard let token = config.string(forKey: "eop.twilio.auth.token", isSecret: true), let from = config.string(forKey: "eop.twilio.from") else {
                throw HostConfigurationError("EOP_TWILIO_ACCOUNT_SID is set; EOP_TWILIO_AUTH_TOKEN and EOP_TWILIO_FROM are required too")
            }
            n.twilio = .init(baseURL: config.string(forKey: "eop.twilio.url", default: "https://api.twilio.com"), accountSID: sid, authToken: token, from: from)
        }
        if let project = config.string(forKey: "eop.fcm.project") {
            guard let token = config.string(forKey: "eop.fcm.access.token", isSecret: true) else {
                throw HostConfigurationError("EOP_FCM_PROJECT is set but EOP_FCM_ACCESS_TOKEN is not")
            }
            n.fcm = .init(baseURL: config.string(forKey: "eop.fcm.url", default: "https://fcm.googleapis.com"), project: project, accessToken: token)
        }
        n.maxAttempts = config.int(forKey: "eop.notify.max.attempts", default: n.maxAttempts)
        guard n.maxAttempts >= 1 else { throw HostConfigurationError("EOP_NOTIFY_MAX_ATTEMPTS must be at least 1") }
        n.retryDelay = .milliseconds(config.int(forKey: "eop.notify.retry.ms", default: 30_000))
        n.defaultLocale = config.string(forKey: "eop.notify.locale", default: n.defaultLocale)
        return n
    }

    /// The folder of the running executable (where SwiftPM puts the plugin libraries too).
    public static var executableDirectory: URL {
        URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
            .deletingLastPathComponent()
    }

    /// Reads the settings file: a JSON object whose keys are plugin ids. A missing file is empty.
    public func readSettings() throws -> [String: Data] {
        guard let data = FileManager.default.contents(atPath: settingsFile.path) else { return [:] }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw HostConfigurationError("\(settingsFile.path): not a JSON object of plugin id → settings")
        }
        var result: [String: Data] = [:]
        for (id, value) in object {
            guard let values = value as? [String: Any] else {
                throw HostConfigurationError("\(settingsFile.path): field '\(id)': must be an object of setting values")
            }
            result[id] = try JSONSerialization.data(withJSONObject: values)
        }
        return result
    }

    /// The loader's configuration for this host process.
    public func loaderConfiguration(gate: ActivationGate, eventLog: EventLog? = nil) throws -> LoaderConfiguration {
        LoaderConfiguration(
            manifestPaths: manifestPaths,
            librarySearchPaths: librarySearchPaths,
            imageDirectory: runDirectory.appendingPathComponent("images/\(getpid())"),
            events: try EventCatalog.load(directory: eventsDirectory),
            settings: try readSettings(),
            settingsSource: settingsFile.path,
            gate: gate,
            transport: eventLog,
            storage: eventLog,
            swapHistory: eventLog
        )
    }
}

/// A configuration value the host cannot use.
public struct HostConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, naming the variable or file.
    public let description: String
    init(_ description: String) { self.description = description }
}
