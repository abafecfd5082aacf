import Foundation
import Synchronization

/// A test clock that returns a settable instant; it moves only when told to.
///
/// Thread-safe: reads and writes go through a mutex, so one test can advance it while
/// code under test reads it from other tasks.
public final class FixedClock: WallClock {
    private let current: Mutex<Date>

    /// Creates a clock pinned at `date` (default: 2024-01-01T00:00:00Z).
    public init(_ date: Date = Date(timeIntervalSince1970: 1_704_067_200)) {
        current = Mutex(date)
    }

    /// The pinned instant.
    public func now() -> Date { current.withLock { $0 } }

    /// Pins the clock at `date`.
    public func set(_ date: Date) { current.withLock { $0 = date } }

    /// Moves the clock forward (or back, if negative) by `seconds`.
    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
