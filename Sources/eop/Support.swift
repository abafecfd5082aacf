import EOPHost
import EOPLoader
import Foundation
import Logging

/// What every command needs: the configuration and a logger.
enum CLI {
    static func configuration() throws -> HostConfiguration {
        try HostConfiguration.load()
    }

    static func bootstrapLogging(level: Logger.Level = .info) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["EOP_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? level
            return handler
        }
    }

    /// Prints rows as aligned columns.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// A failure the CLI reports as one line on stderr with exit code 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
