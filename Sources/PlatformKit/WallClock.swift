import Foundation

/// The seam through which EOP reads wall-clock time.
///
/// Host code takes a `WallClock` instead of calling `Date()`, so tests can pin time
/// with `FixedClock`. Implementations must be safe to call from any thread.
public protocol WallClock: Sendable {
    /// The current instant.
    func now() -> Date
}
