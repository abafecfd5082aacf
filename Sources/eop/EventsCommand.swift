import ArgumentParser
import EOPHost
import EOPLoader
import EOPEventLog
import EOPPlatformKit
import Foundation
import Logging

struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Publish facts, list dead letters, replay them.",
        subcommands: [Publish.self, DeadLetters.self, Replay.self]
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

extension EventsCommand {
    struct DeadLetters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dead-letters", abstract: "Facts a subscriber failed on, with the reason; replay them by id.")

        func run() async throws {
            CLI.bootstrapLogging(level: .warning)
            let logger = Logger(label: "eop.events")
            let database = try await Database.open(configuration: try CLI.configuration(), logger: logger)
            defer { Task { await database.close(logger: logger) } }
            let rows = try EventLog.deadLetters(target: database.target)
            await database.close(logger: logger)
            guard !rows.isEmpty else { print("no dead letters"); return }
            print(CLI.table(["ID", "SUBSCRIBER", "TOPIC", "ATTEMPTS", "WHEN", "REPLAYED", "REASON"], rows.map { r in
                [r.id.uuidString.lowercased(), r.subscriber, r.topic, "\(r.attempts)", UTCTime.format(r.createdAt),
                 r.replayedAt.map(UTCTime.format) ?? "-", r.reason]
            }))
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver a dead letter to its subscriber again (by the host that serves it; at most one success).")

        @Argument(help: "The dead letter's id (from `eop events dead-letters`).") var id: String

        func run() async throws {
            guard let uuid = UUID(uuidString: id) else { throw CLIError("'\(id)' is not a dead letter id (a UUID)") }
            CLI.bootstrapLogging(level: .warning)
            let logger = Logger(label: "eop.events")
            let database = try await Database.open(configuration: try CLI.configuration(), logger: logger)
            do {
                let row = try EventLog.requestReplay(deadLetter: uuid, target: database.target)
                print("replay of \(row.topic) to \(row.subscriber) requested; the host serving \(row.subscriber) delivers it at its next batch")
            } catch {
                await database.close(logger: logger)
                throw CLIError("\(error)")
            }
            await database.close(logger: logger)
        }
    }
}
