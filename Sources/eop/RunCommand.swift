import ArgumentParser
import EOPHost
import Logging

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Start the host: load, check and activate every plugin, serve until Ctrl-C."
    )

    func run() async throws {
        CLI.bootstrapLogging()
        let logger = Logger(label: "eop.host")
        let configuration = try CLI.configuration()
        if let running = RunState.ofRunningHost(runDirectory: configuration.runDirectory) {
            throw CLIError("a host (pid \(running.pid)) already runs on \(configuration.home.path); stop it first or set EOP_HOME")
        }
        try await PlatformService.run(configuration: configuration, logger: logger)
    }
}
