import ArgumentParser
import EOPHost
import Logging

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create each plugin's schema and role, and run its pending migrations, showing progress."
    )

    func run() async throws {
        CLI.bootstrapLogging(level: .warning)
        let logger = Logger(label: "eop.migrate")
        let configuration = try CLI.configuration()
        let database = try await Database.open(configuration: configuration, logger: logger)
        var failures = 0
        do {
            let platform = try Platform(configuration: configuration, database: database.target, logger: logger)
            for record in platform.plugins.survey() {
                guard record.state == .resolved, let manifest = record.manifest, let log = platform.eventLog else {
                    print("\(record.id): skipped (\(record.state.rawValue)\(record.reason.map { ": \($0)" } ?? ""))")
                    continue
                }
                do {
                    try log.migrate(manifest) { print("  \($0)") }
                    print("\(record.id): up to date")
                } catch {
                    failures += 1
                    print("\(record.id): FAILED: \(error)")
                }
            }
            platform.eventLog?.shutdown()
        } catch {
            await database.close(logger: logger)
            throw error
        }
        await database.close(logger: logger)
        if failures > 0 { throw CLIError("\(failures) plugin(s) could not be migrated") }
    }
}
