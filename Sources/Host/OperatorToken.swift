import Foundation

/// The secret the local `eop` CLI presents to the admin API of the host it runs beside:
/// written at start to `<home>/run/operator.token`, readable only by the host's user
/// (like a Docker socket or Jupyter's token), removed at shutdown.
public enum OperatorToken {
    static func file(in runDirectory: URL) -> URL { runDirectory.appendingPathComponent("operator.token") }

    /// Makes a new token and writes it (mode 0600).
    static func create(runDirectory: URL) throws -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }  // SystemRandomNumberGenerator: getrandom(2)
        let token = bytes.map { String(format: "%02x", $0) }.joined()
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        let url = file(in: runDirectory)
        guard FileManager.default.createFile(atPath: url.path, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw HostConfigurationError("cannot write \(url.path)")
        }
        return token
    }

    /// The running host's token, if readable.
    public static func read(runDirectory: URL) -> String? {
        (try? String(contentsOf: file(in: runDirectory), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func remove(runDirectory: URL) { try? FileManager.default.removeItem(at: file(in: runDirectory)) }
}
