import ArgumentParser
import EOPHost
import EOPLoader
import Foundation

struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "Show plugins and their states.",
        subcommands: [List.self, Info.self, PluginsInstallCommand.self, PluginsSwapCommand.self, PluginsRollbackCommand.self, PluginsSwapsCommand.self]
    )

    /// The running host's view, or — with no host running — what `eop run` would decide.
    static func currentState() throws -> (RunState, running: Bool) {
        let configuration = try CLI.configuration()
        if let state = RunState.ofRunningHost(runDirectory: configuration.runDirectory) { return (state, true) }
        CLI.bootstrapLogging(level: .critical)
        let platform = try Platform(configuration: configuration)
        let records = platform.plugins.survey()
        return (RunState(pid: getpid(), started: "", records: records, catalog: platform.catalogRows(for: records),
                         licenseBanner: platform.license.gate.banner), false)
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every plugin: id, version, state, and why it is refused.")

        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() throws {
            let (state, running) = try PluginsCommand.currentState()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(state), as: UTF8.self))
                return
            }
            print(running ? "host pid \(state.pid), started \(state.started)\(state.http.map { ", serving \($0)" } ?? "")" : "no host running: showing what `eop run` would load (not activated)")
            if let banner = state.licenseBanner { print("license: \(banner)") }
            let rows = state.plugins.map { p in [p.id, p.version, p.state, p.reason ?? (p.warnings.first.map { "warning: \($0)" } ?? "")] }
            print(CLI.table(["ID", "VERSION", "STATE", "REASON"], rows))
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Everything known about one plugin.")

        @Argument(help: "The plugin id.") var id: String

        func run() throws {
            let (state, _) = try PluginsCommand.currentState()
            guard let p = state.plugins.first(where: { $0.id == id }) else {
                throw CLIError("no plugin '\(id)' (known: \(state.plugins.map(\.id).joined(separator: ", ")))")
            }
            var lines: [[String]] = [
                ["id", p.id], ["version", p.version], ["state", p.state], ["manifest", p.file],
                ["publishes", p.publishes.joined(separator: ", ")], ["subscribes", p.subscribes.joined(separator: ", ")],
                ["answers", p.answers.joined(separator: ", ")],
            ]
            if let reason = p.reason { lines.append(["reason", reason]) }
            if let depth = p.mailboxDepth { lines.append(["mailbox depth", "\(depth)"]) }
            for w in p.warnings { lines.append(["warning", w]) }
            print(CLI.table(["FIELD", "VALUE"], lines))
        }
    }
}
