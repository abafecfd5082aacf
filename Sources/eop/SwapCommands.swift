import ArgumentParser
import EOPHost
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `eop plugins swap <id> <bundle or folder>`: asks the running host to hot-swap a plugin
/// and prints each step as the host finishes it.
struct PluginsSwapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swap",
        abstract: "Replace a running plugin's version with no lost or doubled event (rolls back on any failure).")

    @Argument(help: "The plugin id.") var id: String
    @Argument(help: "A signed bundle (.eopbundle) or a folder holding manifest.json and the library.") var source: String
    @Option(help: "How long to wait for the handler in flight before rolling back, in milliseconds.") var pauseDeadlineMs = 5000

    func run() throws {
        let path = URL(fileURLWithPath: source).standardizedFileURL.path
        try OperatorClient.swap(path: "plugins/\(id)/swap", body: ["source": path, "pause_deadline_ms": pauseDeadlineMs])
    }
}

/// `eop plugins rollback <id>`: swaps a plugin back to the version it ran before its last swap.
struct PluginsRollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Swap a plugin back to the version it ran before its last swap.")

    @Argument(help: "The plugin id.") var id: String

    func run() throws {
        try OperatorClient.swap(path: "plugins/\(id)/rollback", body: [:])
    }
}

/// `eop plugins swaps [id]`: the swap history.
struct PluginsSwapsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "swaps", abstract: "Swap history: from, to, who, when, pause, outcome.")

    @Argument(help: "A plugin id (default: every plugin).") var id: String?

    func run() throws {
        let (data, status) = try OperatorClient.request(method: "GET", path: id.map { "plugins/\($0)/swaps" } ?? "swaps", body: nil)
        guard status == 200, let rows = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw CLIError("the host answered \(status): \(String(decoding: data, as: UTF8.self))")
        }
        print(CLI.table(["WHEN", "PLUGIN", "FROM", "TO", "BY", "PAUSE", "OUTCOME"], rows.map { r in
            [r["at"] as? String ?? "", r["plugin"] as? String ?? "", r["from"] as? String ?? "", r["to"] as? String ?? "", r["by"] as? String ?? "",
             (r["pause_ms"] as? Double).map { String(format: "%.2f ms", $0) } ?? "-",
             (r["outcome"] as? String ?? "") + ((r["failed_step"] as? String).map { " at \($0): " + (r["reason"] as? String ?? "") } ?? "")]
        }))
    }
}

/// Talks to the admin API of the host running beside this CLI, with the operator token
/// it left in its run folder.
enum OperatorClient {
    static func endpoint() throws -> (base: String, token: String) {
        let configuration = try CLI.configuration()
        guard let state = RunState.ofRunningHost(runDirectory: configuration.runDirectory), let http = state.http else {
            throw CLIError("no host is running in \(configuration.home.path) (start it with `eop run`)")
        }
        guard let token = OperatorToken.read(runDirectory: configuration.runDirectory) else {
            throw CLIError("cannot read \(configuration.runDirectory.path)/operator.token: run this as the host's user (the host needs a database for its admin API)")
        }
        return (http + "/api/admin/", token)
    }

    static func makeRequest(method: String, path: String, body: [String: Any]?) throws -> URLRequest {
        let (base, token) = try endpoint()
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.timeoutInterval = 300
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        return request
    }

    static func request(method: String, path: String, body: [String: Any]?) throws -> (Data, Int) {
        let stream = LineStream()
        try stream.run(makeRequest(method: method, path: path, body: body))
        return (stream.received, stream.status)
    }

    /// Posts a swap and prints each step line as it arrives; exits 1 when it did not swap.
    static func swap(path: String, body: [String: Any]) throws {
        var request = try makeRequest(method: "POST", path: path, body: body)
        request.setValue("application/x-ndjson", forHTTPHeaderField: "Accept")
        var swapped = false
        let stream = LineStream { line in
            guard let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] else { return }
            if let step = object["step"] as? [String: Any] {
                let ok = step["ok"] as? Bool ?? false
                let ms = (step["ms"] as? Double).map { String(format: "%8.2f ms", $0) } ?? ""
                print("\(ok ? "ok  " : "FAIL") \((step["name"] as? String ?? "").padding(toLength: 9, withPad: " ", startingAt: 0)) \(ms)  \(step["detail"] as? String ?? "")")
            } else if let outcome = object["outcome"] as? String {
                let record = object["record"] as? [String: Any]
                swapped = outcome == "swapped"
                if swapped {
                    print("swapped \(record?["plugin"] ?? "") \(record?["from"] ?? "") → \(record?["to"] ?? ""): paused \(String(format: "%.2f", record?["pause_ms"] as? Double ?? 0)) ms, total \(String(format: "%.1f", record?["total_ms"] as? Double ?? 0)) ms")
                } else {
                    print("\(outcome): failed at \(object["step"] ?? "?"): \(object["reason"] ?? "")")
                }
            }
            fflush(nil)  // every stream: the step shows as it happens
        }
        try stream.run(request)
        guard stream.status == 200 else { throw CLIError("the host answered \(stream.status): \(String(decoding: stream.received, as: UTF8.self))") }
        if !swapped { throw ExitCode(1) }
    }
}

/// A URLSession data task whose body is handed over line by line as it arrives.
final class LineStream: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let onLine: (Data) -> Void
    private let done = DispatchSemaphore(value: 0)
    private var pending = Data()
    private(set) var received = Data()
    private(set) var status = 0
    private var failure: Error?

    init(onLine: @escaping (Data) -> Void = { _ in }) { self.onLine = onLine }

    func run(_ request: URLRequest) throws {
        let session = URLSession(configuration: .ephemeral, delegate: self, delegateQueue: nil)
        session.dataTask(with: request).resume()
        done.wait()
        session.finishTasksAndInvalidate()
        if let failure { throw CLIError("cannot reach the host: \(failure.localizedDescription)") }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        status = (response as? HTTPURLResponse)?.statusCode ?? 0
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        received.append(data)
        pending.append(data)
        while let newline = pending.firstIndex(of: 0x0A) {
            onLine(pending[pending.startIndex..<newline])
            pending.removeSubrange(pending.startIndex...newline)
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if !pending.isEmpty { onLine(pending) }
        failure = error
        done.signal()
    }
}
