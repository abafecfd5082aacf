import Foundation

/// The real wall clock: `now()` is `Date()`.
public struct SystemClock: WallClock {
    /// Creates the system clock.
    public init() {}

    /// The current system time.
    public func now() -> Date { Date() }
}
