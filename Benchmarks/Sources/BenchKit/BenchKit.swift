// What the bounded load programs share: running a tool, reading wrk's report, and
// printing one JSON line per figure for scripts/bench-report.py.
import Foundation

/// A tool that failed, with what it printed.
public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs a command (through `env`, so PATH finds it); its output, or an error with it.
@discardableResult
public func shell(_ args: [String], environment: [String: String] = [:]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard p.terminationStatus == 0 else { throw BenchError("\(args.joined(separator: " ")): \(text)") }
    return text
}

/// `wrk -t2 -c32 -d<seconds>s --latency <url>`: requests/s, p50 and p99 in ms, and whether
/// any answer was not 2xx or a socket failed.
public func wrk(_ url: String, seconds: Int, headers: [String] = []) throws -> [String: Any] {
    let out = try shell(["wrk", "-t2", "-c32", "-d\(seconds)s", "--latency"] + headers.flatMap { ["-H", $0] } + [url])
    func line(_ label: String) -> String? { out.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }.map(String.init) }
    func latencyMS(_ percent: String) -> Double? {
        guard let text = line(percent)?.split(separator: " ").last.map(String.init) else { return nil }
        let scale: Double = text.hasSuffix("us") ? 0.001 : text.hasSuffix("ms") ? 1 : text.hasSuffix("s") ? 1000 : 1
        return Double(text.trimmingCharacters(in: CharacterSet.letters)).map { $0 * scale }
    }
    let rps = line("Requests/sec:").flatMap { $0.split(separator: " ").last.flatMap { Double($0) } } ?? .nan
    return ["per_second": rps, "p50_ms": latencyMS("50%") ?? .nan, "p99_ms": latencyMS("99%") ?? .nan,
            "errors": out.contains("Non-2xx") || out.contains("Socket errors")]
}

/// Prints one result line: `fields` plus its `name`.
public func emit(_ name: String, _ fields: [String: Any]) {
    var object = fields
    object["name"] = name
    print(String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
    fflush(nil)
}
