import Foundation

/// Facts an operator publishes with `eop events publish` while a host runs: each is a
/// file in `<home>/run/spool/`, written atomically, which the host picks up, publishes
/// and removes. (Issue #4 replaces this with the database outbox.)
public struct OperatorSpool: Sendable {
    /// One queued fact.
    public struct Entry: Codable, Sendable {
        /// The topic.
        public var topic: String
        /// The JSON payload text.
        public var payload: String

        /// Creates an entry.
        public init(topic: String, payload: String) {
            self.topic = topic
            self.payload = payload
        }
    }

    /// The spool folder.
    public let directory: URL

    /// A spool under the run directory.
    public init(runDirectory: URL) { directory = runDirectory.appendingPathComponent("spool") }

    /// Queues a fact; returns the file written.
    @discardableResult
    public func enqueue(_ entry: Entry) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Names sort in arrival order: nanoseconds since 1970 plus a random tail.
        let name = String(format: "%020llu-%08x.json", UInt64(Date().timeIntervalSince1970 * 1e9), UInt32.random(in: 0...UInt32.max))
        let url = directory.appendingPathComponent(name)
        try JSONEncoder().encode(entry).write(to: url, options: .atomic)
        return url
    }

    /// Takes every queued entry in arrival order, removing its file. A file that cannot be
    /// decoded is moved aside with a `.rejected` suffix and reported.
    public func takeAll() -> [(entry: Entry?, file: URL)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.map { name in
            let url = directory.appendingPathComponent(name)
            let entry = FileManager.default.contents(atPath: url.path).flatMap { try? JSONDecoder().decode(Entry.self, from: $0) }
            if entry == nil {
                try? FileManager.default.moveItem(at: url, to: url.appendingPathExtension("rejected"))
            } else {
                try? FileManager.default.removeItem(at: url)
            }
            return (entry, url)
        }
    }
}
