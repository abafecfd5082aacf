import EOPGateway
import EOPIdentity
import Foundation

/// Runs blocking work (database, bcrypt, a plugin call) on a worker thread, never on the
/// server's event loop or the cooperative pool.
enum Blocking {
    private static let queue = DispatchQueue(label: "eop.admin.blocking", attributes: .concurrent)

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}

extension Blocking {
    /// Runs an admin operation and turns its failure into problem+json: bad identity input
    /// is 400 naming the field, anything the platform refuses is 409 with its reason.
    static func perform<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await run(work)
        } catch let problem as Problem {
            throw problem
        } catch let error as IdentityError {
            throw Problem(.badRequest, "Bad Request", detail: error.description, errors: [.init(field: error.field, reason: error.description)])
        } catch {
            throw Problem(.conflict, "Conflict", detail: "\(error)")
        }
    }
}
