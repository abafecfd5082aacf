import Foundation
import Hummingbird
import Logging
import NIOCore

/// A Hummingbird server on 127.0.0.1 at a port the kernel picks, for a test's fake of a
/// payment provider. `stop()` cancels it (graceful shutdown).
public final class LocalServer: Sendable {
    /// The port it listens on.
    public let port: Int
    private let task: Task<Void, any Error>

    /// Starts `router` and returns once the server accepts connections.
    public static func start(_ router: Router<BasicRequestContext>, name: String) async throws -> LocalServer {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        // Stopping cancels the server mid-connection, which Hummingbird logs as an error; keep
        // the test log to real problems.
        var logger = Logger(label: name)
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: name),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0); continuation.finish() },
                              logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw FakeServerError("\(name) did not start listening")
        }
        return LocalServer(port: port, task: task)
    }

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Stops serving.
    public func stop() { task.cancel() }

    deinit { task.cancel() }
}

/// A fake that could not start.
public struct FakeServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Reads an `application/x-www-form-urlencoded` body (`+` is a space, `%XX` a byte).
public func formFields(_ body: String) -> [String: String] {
    var fields: [String: String] = [:]
    for pair in body.split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
        guard let name = parts.first, !name.isEmpty else { continue }
        fields[name] = parts.count > 1 ? parts[1] : ""
    }
    return fields
}

/// A JSON value as a client reads it back (numbers as NSNumber, so `as? Int` works).
public func roundTripped(_ object: [String: Any]) -> [String: Any] {
    guard let data = try? JSONSerialization.data(withJSONObject: object) else { return [:] }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
}

/// A JSON response.
func jsonResponse(_ object: Any, status: Int = 200) -> Response {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
