import Foundation
import Logging
import Subprocess

/// Runs external commands through swift-subprocess, as the `postgres` user when we are root.
struct CommandRunner: Sendable {
    let logger: Logger

    /// Runs `executable` (absolute path or a name on PATH) and returns stdout.
    /// Throws ``EmbeddedPostgresError/commandFailed(command:status:stderr:)`` with stderr on non-zero exit.
    func run(
        _ executable: String, _ arguments: [String], workingDirectory: String? = nil, asServerUser: Bool = true
    ) async throws -> String {
        var program = executable
        var args = arguments
        if asServerUser && geteuid() == 0 {
            program = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
                .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "runuser"
            args = ["-u", FileOwner.serverUser, "--", executable] + arguments
        }
        let shown = ([program] + args).joined(separator: " ")
        logger.debug("running", metadata: ["command": .string(shown)])
        let result = try await Subprocess.run(
            program.hasPrefix("/") ? .path(.init(program)) : .name(program),
            arguments: Arguments(args),
            environment: .inherit.updating(["LC_ALL": "C"]),
            workingDirectory: workingDirectory.map { .init($0) },
            output: .string(limit: 4 << 20),
            error: .string(limit: 4 << 20))
        guard result.terminationStatus.isSuccess else {
            let stderr = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
            let stdout = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            throw EmbeddedPostgresError.commandFailed(
                command: shown, status: "\(result.terminationStatus)",
                stderr: stderr.isEmpty ? stdout : stderr)
        }
        return result.standardOutput
    }
}

/// The unprivileged user that owns the cluster when this process is root.
struct FileOwner: Sendable {
    static let serverUser = "postgres"
    let uid: uid_t
    let gid: gid_t

    /// `nil` when not root (files stay ours); the `postgres` user when root.
    static func forServer() throws -> FileOwner? {
        guard geteuid() == 0 else { return nil }
        guard let entry = getpwnam(serverUser) else {
            throw EmbeddedPostgresError.setupFailed(
                "running as root, but there is no '\(serverUser)' user to run PostgreSQL as (PostgreSQL refuses root)")
        }
        return FileOwner(uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    func give(_ path: String) throws {
        guard chown(path, uid, gid) == 0 else {
            throw EmbeddedPostgresError.setupFailed("chown \(path) to \(Self.serverUser): \(String(cString: strerror(errno)))")
        }
    }

    /// Every parent of `path` must let the server user pass (o+x, or owned by it).
    func checkTraversable(_ path: String) throws {
        var current = (path as NSString).deletingLastPathComponent
        while current != "/" && !current.isEmpty {
            var info = stat()
            if stat(current, &info) == 0 {
                let passable = info.st_uid == uid ? (info.st_mode & 0o100) != 0
                    : info.st_gid == gid ? (info.st_mode & 0o010) != 0 : (info.st_mode & 0o001) != 0
                if !passable {
                    throw EmbeddedPostgresError.setupFailed(
                        "the '\(Self.serverUser)' user cannot enter \(current) (mode \(String(info.st_mode & 0o777, radix: 8))); "
                            + "PostgreSQL runs as that user when the host is root: chmod o+x \(current) or choose another directory")
                }
            }
            current = (current as NSString).deletingLastPathComponent
        }
    }
}

/// Questions about other processes, answered from kill(2) and /proc.
enum ProcessProbe {
    /// True if `pid` is a live (non-zombie) process named `postgres`.
    static func isPostgres(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) != 0 && errno != EPERM { return false }
        #if os(Linux)
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        // "pid (comm) S ..."; a zombie (Z) or dead (X) process no longer serves.
        guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return false }
        let name = stat[stat.index(after: open)..<close]
        let state = stat[stat.index(after: close)...].split(separator: " ").first ?? ""
        return name.hasPrefix("postgres") && state != "Z" && state != "X"
        #else
        return true
        #endif
    }
}
