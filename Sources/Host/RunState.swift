import EOPLoader
import Foundation

/// What a running host tells other `eop` commands: its pid and every plugin's state,
/// written atomically to `<home>/run/host.json` whenever it changes.
public struct RunState: Codable, Sendable {
    /// One plugin's line.
    public struct Plugin: Codable, Sendable {
        public var id: String
        public var version: String
        public var state: String
        public var reason: String?
        public var warnings: [String]
        public var file: String
        public var publishes: [String]
        public var subscribes: [String]
        public var answers: [String]
        public var mailboxDepth: Int?

        /// A row for a module of the product that has no plugin manifest here.
        public init(id: String, state: String, reason: String?) {
            self.init(id: id, version: "-", state: state, reason: reason, warnings: [], file: "", publishes: [], subscribes: [], answers: [], mailboxDepth: nil)
        }

        /// A row with every field.
        public init(id: String, version: String, state: String, reason: String?, warnings: [String], file: String,
                    publishes: [String], subscribes: [String], answers: [String], mailboxDepth: Int?) {
            self.id = id
            self.version = version
            self.state = state
            self.reason = reason
            self.warnings = warnings
            self.file = file
            self.publishes = publishes
            self.subscribes = subscribes
            self.answers = answers
            self.mailboxDepth = mailboxDepth
        }
    }

    /// The host's process id.
    public var pid: Int32
    /// When it started (ISO 8601).
    public var started: String
    /// Its plugins in activation order, then the product's modules that have no plugin installed.
    public var plugins: [Plugin]
    /// "development license", "unlicensed: …", or nil.
    public var licenseBanner: String?
    /// The HTTP gateway's address once it listens, e.g. `http://127.0.0.1:8080`.
    public var http: String?

    /// Builds the state from the loader's records and the catalog rows.
    public init(pid: Int32, started: String, records: [PluginRecord], depths: [String: Int] = [:], catalog: [Plugin] = [], licenseBanner: String? = nil,
                http: String? = nil) {
        self.pid = pid
        self.http = http
        self.started = started
        self.licenseBanner = licenseBanner
        plugins = records.map { r in
            Plugin(id: r.id, version: r.versionText, state: r.state.rawValue, reason: r.reason, warnings: r.warnings, file: r.file,
                   publishes: r.manifest?.publishes ?? [], subscribes: r.manifest?.subscribes.map(\.topic) ?? [],
                   answers: r.manifest?.answers.map(\.topic) ?? [], mailboxDepth: depths[r.id])
        } + catalog
    }

    static func file(in runDirectory: URL) -> URL { runDirectory.appendingPathComponent("host.json") }

    /// Writes the file atomically (temporary file, then rename).
    public func write(to runDirectory: URL) throws {
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: Self.file(in: runDirectory), options: .atomic)
    }

    /// The state of the host running on this home, or nil when none is running.
    public static func ofRunningHost(runDirectory: URL) -> RunState? {
        guard let data = FileManager.default.contents(atPath: file(in: runDirectory).path),
              let state = try? JSONDecoder().decode(RunState.self, from: data),
              kill(state.pid, 0) == 0 else { return nil }
        return state
    }

    /// Removes the file (on shutdown).
    public static func remove(runDirectory: URL) {
        try? FileManager.default.removeItem(at: file(in: runDirectory))
    }
}
