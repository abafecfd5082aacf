import Crypto
import Foundation

/// Files on disk named by the SHA-256 of their bytes: `<root>/ab/cd/<sha256>`. The same
/// bytes always land on the same path, so storing twice writes once.
struct BlobStore: Sendable {
    let root: URL

    /// Creates the root folder when missing; the error names the folder.
    init(root: URL) throws {
        self.root = root
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw GalleryError(status: 500, field: "storage_directory", reason: "cannot create \(root.path): \(error.localizedDescription)")
        }
    }

    static func sha256(_ bytes: some Collection<UInt8>) -> String {
        var hasher = SHA256()
        Array(bytes).withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    func path(_ sha256: String) -> URL {
        let a = sha256.prefix(2), b = sha256.dropFirst(2).prefix(2)
        return root.appendingPathComponent("\(a)/\(b)/\(sha256)")
    }

    /// Stores bytes under their hash (no-op when present); returns the hash.
    /// Written to a temporary name and renamed, so a reader never sees half a file.
    @discardableResult
    func put(_ bytes: some Collection<UInt8>) throws -> String {
        let hash = Self.sha256(bytes)
        let target = path(hash)
        if FileManager.default.fileExists(atPath: target.path) { return hash }
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(hash).\(UUID().uuidString)")
        try Data(bytes).write(to: temporary)
        if rename(temporary.path, target.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw GalleryError(status: 500, field: nil, reason: "cannot store \(target.path): \(reason)")
        }
        return hash
    }

    func get(_ sha256: String) -> Data? { try? Data(contentsOf: path(sha256)) }

    func contains(_ sha256: String) -> Bool { FileManager.default.fileExists(atPath: path(sha256).path) }

    func remove(_ sha256: String) { try? FileManager.default.removeItem(at: path(sha256)) }
}
