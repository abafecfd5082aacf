import Foundation
import Synchronization

/// An event a subscriber could not handle: kept for the operator to read and replay.
public struct DeadLetter: Sendable, Identifiable {
    /// The dead letter's own id.
    public var id: UUID
    /// The event.
    public var event: Event
    /// The subscriber that failed.
    public var pluginID: String
    /// Its handler symbol.
    public var handler: String
    /// The last reason given.
    public var reason: String
    /// Calls made.
    public var attempts: Int
    /// When it was dead-lettered.
    public var time: Date
}

/// Where dead letters are kept. The in-memory store serves until the storage
/// module supplies a PostgreSQL one.
public protocol DeadLetterStore: Sendable {
    /// Keeps a dead letter.
    func record(_ letter: DeadLetter)
    /// Every dead letter, oldest first.
    func all() -> [DeadLetter]
    /// Removes and returns one, for replay.
    func take(_ id: UUID) -> DeadLetter?
}

/// Dead letters in memory, for one host process.
public final class InMemoryDeadLetterStore: DeadLetterStore {
    private let letters = Mutex<[DeadLetter]>([])

    /// An empty store.
    public init() {}

    public func record(_ letter: DeadLetter) { letters.withLock { $0.append(letter) } }
    public func all() -> [DeadLetter] { letters.withLock { $0 } }
    public func take(_ id: UUID) -> DeadLetter? {
        letters.withLock { list in
            guard let index = list.firstIndex(where: { $0.id == id }) else { return nil }
            return list.remove(at: index)
        }
    }
}
