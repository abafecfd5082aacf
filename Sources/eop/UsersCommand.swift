import ArgumentParser
import EOPHost
import EOPIdentity
import EOPStorage
import Foundation
import Logging

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Staff accounts for the console and the admin API.",
        subcommands: [CreateOwner.self, CreateToken.self])

    /// The identity store on this host's database (starting the embedded cluster if needed).
    static func withStore<T>(_ body: (IdentityStore) throws -> T) async throws -> T {
        CLI.bootstrapLogging(level: .warning)
        let logger = Logger(label: "eop.users")
        let database = try await Database.open(configuration: try CLI.configuration(), logger: logger)
        do {
            let conninfo = database.target.conninfo
            let store = IdentityStore(pool: ConnectionPool(name: "identity", maxConnections: 1) { try PostgresConnection(conninfo) }, logger: logger)
            try store.bootstrap()
            let result = try body(store)
            await database.close(logger: logger)
            return result
        } catch {
            await database.close(logger: logger)
            throw CLIError("\(error)")
        }
    }

    struct CreateOwner: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-owner", abstract: "Create the first staff account, with every permission (role 'owner').",
            discussion: "The password is read from standard input (one line), never from the command line.")

        @Option(help: "The owner's email.") var email: String

        func run() async throws {
            guard let password = readLine(strippingNewline: true), !password.isEmpty else { throw CLIError("give the password on standard input") }
            let user = try await UsersCommand.withStore { try $0.createFirstOwner(email: email, password: password) }
            print("owner \(user.email) created; sign in at /admin")
        }
    }

    struct CreateToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-token", abstract: "Create an API token for a staff account (shown once).")

        @Option(help: "The staff account's email.") var email: String
        @Option(help: "A name for the token.") var name: String

        func run() async throws {
            guard let password = readLine(strippingNewline: true), !password.isEmpty else { throw CLIError("give the account's password on standard input") }
            let token = try await UsersCommand.withStore { store in
                let principal = try store.authenticateStaff(email: email, password: password, client: "cli")
                return try store.createAPIToken(userID: principal.id, name: name)
            }
            print(token)
        }
    }
}
