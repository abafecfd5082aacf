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
    }

    /// The host's process id.
    public var pid: Int32
    /// When it started (ISO 8601).
    public var started: String
    /// Its plugins, in activation order.
    public var plugins: [Plugin]

    /// Builds the state from the loader's records.
    public init(pid: Int32, started: String, records: [PluginRecord], depths: [String: Int] = [:]) {
        self.pid = pid
        self.started = started
        plugins = records.map { r in
            Plugin(id: r.id, version: r.versionText, state: r.state.rawValue, reason: r.reason, warnings: r.warnings, file: r.file,
                   publishes: r.manifest?.publishes ?? [], subscribes: r.manifest?.subscribes.map(\.topic) ?? [],
                   answers: r.manifest?.answers.map(\.topic) ?? [], mailboxDepth: depths[r.id])
        }
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
