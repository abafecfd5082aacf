import Crypto
import EOPManifest
import EOPStorage
import Foundation

/// A plugin's SQL migration file.
public struct MigrationFile: Sendable, Equatable {
    /// The file name, e.g. `0001_create_counter.sql`; files run in name order.
    public var name: String
    /// The SQL text (several statements allowed; no COMMIT).
    public var sql: String
    /// SHA-256 of the bytes, hex.
    public var checksum: String

    /// Reads a file.
    public init(url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw MigrationError("cannot read migration \(url.path): \(error.localizedDescription)") }
        guard let sql = String(data: data, encoding: .utf8) else { throw MigrationError("\(url.path): migration is not UTF-8 text") }
        name = url.lastPathComponent
        self.sql = sql
        checksum = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// The manifest's `migrations` list (relative to the manifest, or in its `migrations/`
    /// folder as in an unpacked bundle), or else every
    /// `*.sql` in `<manifest folder>/migrations/`, by name.
    public static func files(for manifest: PluginManifest) throws -> [MigrationFile] {
        if !manifest.migrations.isEmpty {
            return try manifest.migrations.map { entry in
                let beside = manifest.directory.appendingPathComponent(entry)
                // An unpacked bundle keeps its listed migrations in migrations/ (BundlePacker).
                let inBundle = manifest.directory.appendingPathComponent("migrations").appendingPathComponent(entry)
                if FileManager.default.fileExists(atPath: beside.path) { return try MigrationFile(url: beside) }
                guard FileManager.default.fileExists(atPath: inBundle.path) else {
                    throw MigrationError("\(manifest.file): migration '\(entry)' is neither at \(beside.standardizedFileURL.path) nor at \(inBundle.path)")
                }
                return try MigrationFile(url: inBundle)
            }
        }
        let folder = manifest.directory.appendingPathComponent("migrations")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".sql") }.sorted()
        return try names.map { try MigrationFile(url: folder.appendingPathComponent($0)) }
    }
}

/// Runs a module's pending migrations, each in one transaction on the module's own
/// connection (so a migration can touch only its own schema), recorded with its
/// checksum in `<schema>.eop_migrations` in that same transaction.
public enum Migrations {
    /// Applies what is pending; returns the names applied. Refuses, before running
    /// anything, when an applied migration's file has changed.
    @discardableResult
    public static func apply(_ files: [MigrationFile], module: ModuleDatabase, on c: PostgresConnection,
                             progress: (String) -> Void = { _ in }) throws -> [String] {
        let lockKey = PostgresValue(Int64(truncatingIfNeeded: module.id.hashValueStable) ^ HostSchema.bootstrapLock)
        let applied = try c.transaction { c -> [String: String] in
            _ = try c.execute("SELECT pg_advisory_xact_lock($1)", [lockKey])
            let rows = try c.execute("SELECT name, checksum FROM eop_migrations", [])
            var applied: [String: String] = [:]
            for r in 0..<rows.rowCount { applied[try rows.text(r, 0)] = try rows.text(r, 1) }
            return applied
        }
        for file in files {
            if let recorded = applied[file.name], recorded != file.checksum {
                throw MigrationError("migration \(file.name) of '\(module.id)' was changed after it was applied (applied sha256 \(recorded.prefix(12))…, file now \(file.checksum.prefix(12))…); add a new migration instead")
            }
        }
        var done: [String] = []
        for file in files where applied[file.name] == nil {
            progress("\(module.id): applying \(file.name)")
            do {
                try c.transaction { c in
                    _ = try c.execute("SELECT pg_advisory_xact_lock($1)", [lockKey])
                    // Another host may have applied it meanwhile.
                    let again = try c.execute("SELECT checksum FROM eop_migrations WHERE name = $1", [PostgresValue(file.name)])
                    guard again.rowCount == 0 else { return }
                    try c.executeScript(file.sql)
                    _ = try c.execute("INSERT INTO eop_migrations (name, checksum) VALUES ($1, $2)", [PostgresValue(file.name), PostgresValue(file.checksum)])
                }
            } catch {
                throw MigrationError("migration \(file.name) of '\(module.id)' failed and was rolled back: \(error)")
            }
            done.append(file.name)
        }
        return done
    }
}

extension String {
    /// FNV-1a: a hash that is the same in every process (Swift's hashValue is seeded).
    var hashValueStable: UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}

/// A migration that cannot run, naming the file and the reason.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    /// Why.
    public let description: String
    init(_ description: String) { self.description = description }
}
