import ArgumentParser
import EOPHost
import EOPLoader
import Foundation

struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Publish facts as an operator.",
        subcommands: [Publish.self]
    )

    struct Publish: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a fact to the running host (or, with --here, to a host started in this process).",
            discussion: "The payload is checked against Manifests/events/<topic>.json before it is queued."
        )

        @Argument(help: "The topic, e.g. order.order.placed.") var topic: String
        @Argument(help: "The JSON payload.") var json: String
        @Flag(help: "Start the plugins in this process, publish, wait for delivery, report dead letters, and stop.") var here = false

        func run() throws {
            let configuration = try CLI.configuration()
            if !here, RunState.ofRunningHost(runDirectory: configuration.runDirectory) != nil {
                // Validate here too, so the operator sees a bad payload at once.
                CLI.bootstrapLogging(level: .critical)
                let checker = try Platform(configuration: configuration)
                if let problem = checker.plugins.validateFact(topic: topic, payload: Data(json.utf8)) { throw CLIError(problem) }
                let file = try OperatorSpool(runDirectory: configuration.runDirectory).enqueue(.init(topic: topic, payload: json))
                print("queued for the running host: \(file.lastPathComponent)")
                return
            }
            guard here else {
                throw CLIError("no host is running on \(configuration.home.path): start one with `eop run`, or pass --here")
            }
            CLI.bootstrapLogging(level: .warning)
            let platform = try Platform(configuration: configuration)
            platform.plugins.boot()
            defer { platform.plugins.shutdown() }
            let id: UUID
            do {
                id = try platform.plugins.publish(topic: topic, payload: Data(json.utf8), source: "operator")
            } catch {
                throw CLIError(error.description)
            }
            let drained = platform.plugins.table.drain(timeout: .seconds(10))
            let subscribers = platform.plugins.table.subscribers(of: topic)
            print("published \(id) to \(subscribers.count) subscriber(s)\(drained ? "" : " (still delivering after 10 s)")")
            for letter in platform.plugins.table.deadLetters.all() {
                print("dead letter: \(letter.pluginID) \(letter.event.topic): \(letter.reason)")
            }
        }
    }
}
