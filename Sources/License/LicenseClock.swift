import Foundation

/// Where License reads the current time. Injected so tests (and a host that
/// wants one clock for everything) control "now".
///
/// Contract: `now()` may be called from any thread and must not block.
public protocol LicenseClock: Sendable {
    /// The current wall-clock time.
    func now() -> Date
}

/// The machine's wall clock.
public struct SystemLicenseClock: LicenseClock {
    /// Creates the system clock.
    public init() {}
    /// Returns `Date()`.
    public func now() -> Date { Date() }
}

/// A clock that returns a time the caller sets; a test double shipped as code.
public final class ManualLicenseClock: LicenseClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    /// Creates a clock that reads `date` until changed.
    public init(_ date: Date) { self.current = date }

    /// Returns the time last set.
    public func now() -> Date { lock.withLock { current } }

    /// Sets the time returned by `now()`.
    public func set(_ date: Date) { lock.withLock { current = date } }

    /// Moves the clock by `interval` seconds (negative moves it back).
    public func advance(by interval: TimeInterval) { lock.withLock { current += interval } }
}
