import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Crash-safe file replacement: write `<name>.tmp`, fsync it, rename over
/// `<name>`, fsync the directory. A reader sees the old file or the new one,
/// never a torn one; a leftover `.tmp` from a crash is ignored and overwritten.
enum AtomicFile {
    /// The temp file used for `url`.
    static func temporaryURL(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(url.lastPathComponent + ".tmp")
    }

    /// Atomically replaces `url` with `data`; creates parent directories.
    /// `beforeRename` (tests) runs after the temp file is durable and before the rename;
    /// throwing from it simulates a kill at that point.
    static func write(_ data: Data, to url: URL, permissions: mode_t = 0o644,
                      beforeRename: ((URL) throws -> Void)? = nil) throws {
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temp = temporaryURL(for: url)
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC, permissions)
        guard fd >= 0 else { throw posixError("open", temp) }
        do {
            try data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw posixError("write", temp)
                    }
                    offset += n
                }
            }
            guard fsync(fd) == 0 else { throw posixError("fsync", temp) }
            fchmod(fd, permissions)
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        try beforeRename?(temp)
        guard rename(temp.path, url.path) == 0 else { throw posixError("rename", url) }
        let dirFD = open(directory.path, O_RDONLY | O_DIRECTORY)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    private static func posixError(_ call: String, _ url: URL) -> Error {
        let code = errno
        return CocoaError(.fileWriteUnknown, userInfo: [
            NSLocalizedDescriptionKey: "\(call) \(url.path): \(String(cString: strerror(code)))",
        ])
    }
}
