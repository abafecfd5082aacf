import Foundation

/// What the host has already trusted: the latest trusted time and the highest
/// license sequence seen per licensee. Used to detect a clock set back and a
/// license rolled back.
public struct TrustedState: Codable, Sendable, Equatable {
    /// Latest time the host trusted (max of host clock and license `issued_at` at each accepted check).
    public var latestTrustedTime: Date?
    /// Highest `sequence` accepted, by `licensee.id`.
    public var highestSequence: [String: UInt64]

    /// An empty state (first boot).
    public init(latestTrustedTime: Date? = nil, highestSequence: [String: UInt64] = [:]) {
        self.latestTrustedTime = latestTrustedTime
        self.highestSequence = highestSequence
    }

    enum CodingKeys: String, CodingKey {
        case latestTrustedTime = "latest_trusted_time"
        case highestSequence = "highest_sequence"
    }
}

/// Loads and saves `TrustedState` as JSON at one path, replacing the file
/// atomically (temp file + fsync + rename + fsync of the directory), so a kill
/// at any point leaves either the old state or the new one on disk.
///
/// Contract: one store per file per process; calls are serialised by a lock and
/// may block on disk I/O. A leftover `<file>.tmp` is never read.
/// Rationale: the state is not secret but must not go backwards; an attacker who
/// deletes it resets rollback detection, which the README lists as a known limit.
public final class TrustedStateStore: @unchecked Sendable {
    /// The state file.
    public let url: URL
    private let lock = NSLock()
    /// Test hook passed to `AtomicFile.write`: throw to simulate a kill before the rename.
    nonisolated(unsafe) var beforeRenameHook: ((URL) throws -> Void)?

    /// A store for the file at `url` (created on first save).
    public init(url: URL) { self.url = url }

    /// Reads the state; an absent file is an empty state.
    /// - Throws: `LicenseError.trustedStateUnavailable` when the file exists but is unreadable.
    public func load() throws(LicenseError) -> TrustedState {
        lock.lock()
        defer { lock.unlock() }
        return try unlockedLoad()
    }

    private func unlockedLoad() throws(LicenseError) -> TrustedState {
        guard FileManager.default.fileExists(atPath: url.path) else { return TrustedState() }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .secondsSince1970
            return try decoder.decode(TrustedState.self, from: Data(contentsOf: url))
        } catch {
            throw .trustedStateUnavailable(reason: "\(url.path) is unreadable (\(error)); restore it from backup or remove it to reset")
        }
    }

    /// Replaces the state atomically.
    public func save(_ state: TrustedState) throws(LicenseError) {
        lock.lock()
        defer { lock.unlock() }
        try unlockedSave(state)
    }

    private func unlockedSave(_ state: TrustedState) throws(LicenseError) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try AtomicFile.write(try encoder.encode(state), to: url, permissions: 0o600, beforeRename: beforeRenameHook)
        } catch {
            throw .trustedStateUnavailable(reason: "cannot write \(url.path): \(error)")
        }
    }

    /// Loads, applies `change`, saves; returns the new state.
    @discardableResult
    public func update(_ change: (inout TrustedState) -> Void) throws(LicenseError) -> TrustedState {
        lock.lock()
        defer { lock.unlock() }
        var state = try unlockedLoad()
        let before = state
        change(&state)
        if state != before { try unlockedSave(state) }
        return state
    }

    /// Raises the latest trusted time to `now` if later (call periodically while running).
    public func observe(now: Date) throws(LicenseError) {
        try update { state in
            if state.latestTrustedTime.map({ now > $0 }) ?? true { state.latestTrustedTime = now }
        }
    }
}
