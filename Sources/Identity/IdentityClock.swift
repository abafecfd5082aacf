import Foundation
import Synchronization

/// Where ``IdentityStore`` reads the current time: session expiry, login
/// throttling windows and timestamps all come from here, never from the
/// database's `now()`, so tests can move time.
///
/// Implementers: `now` must be safe to read from any thread and should not go
/// backwards by more than clock adjustments do.
public protocol IdentityClock: Sendable {
    /// The current time.
    var now: Date { get }
}

/// The system wall clock (`Date()`).
public struct SystemIdentityClock: IdentityClock {
    /// Makes the clock.
    public init() {}
    /// The current wall-clock time.
    public var now: Date { Date() }
}

/// A clock that stands still until told to move; the test double for ``IdentityClock``.
///
/// Threading: safe from any thread [any-thread].
public final class ManualIdentityClock: IdentityClock {
    private let current: Mutex<Date>

    /// A clock reading `start` (default: a fixed instant, 2026-01-01T00:00:00Z).
    public init(start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        current = Mutex(start)
    }

    /// The clock's current reading.
    public var now: Date { current.withLock { $0 } }

    /// Moves the clock forward by `seconds` (negative moves it back).
    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// Sets the clock to `date`.
    public func set(_ date: Date) {
        current.withLock { $0 = date }
    }
}
