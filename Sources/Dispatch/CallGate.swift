import Foundation

/// Calls in flight into one plugin instance (HTTP routes, queries), and the gate a
/// hot swap or a stop closes: paused, new callers wait; retired, they are told to
/// look the target up again (the new instance, or none).
public final class CallGate: @unchecked Sendable {
    /// What a caller may do.
    public enum Entry: Sendable, Equatable {
        /// Call the instance; `leave()` afterwards.
        case entered
        /// The instance is gone: resolve the target again.
        case retired
        /// Still paused when the caller's deadline passed.
        case timedOut
    }

    private let condition = NSCondition()
    private var running = 0
    private var paused = false
    private var retired = false

    public init() {}

    /// Counts a call in, waiting while a swap holds the gate (at most until `deadline`).
    public func enter(until deadline: Date = .distantFuture) -> Entry {
        condition.lock(); defer { condition.unlock() }
        while paused && !retired {
            if !condition.wait(until: deadline) && paused && !retired { return .timedOut }
        }
        if retired { return .retired }
        running += 1
        return .entered
    }

    /// Counts a call out.
    public func leave() {
        condition.lock()
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Holds new callers and waits for the running ones; false when `deadline` passed
    /// first (the gate stays paused until `resume()` or `retire()`).
    public func pause(until deadline: Date) -> Bool {
        condition.lock(); defer { condition.unlock() }
        paused = true
        while running > 0 {
            if !condition.wait(until: deadline) { return running == 0 }
        }
        return true
    }

    /// Lets held callers in again (a swap rolled back).
    public func resume() {
        condition.lock()
        paused = false
        condition.broadcast()
        condition.unlock()
    }

    /// Sends held and future callers elsewhere and waits for the running ones to end.
    public func retire() {
        condition.lock()
        retired = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }
}
