import Foundation

/// How often and how long to back off when a handler answers RETRY.
public struct RetryPolicy: Sendable {
    /// Calls in all, the first included, before the event is dead-lettered.
    public var maxAttempts: Int
    /// The first backoff.
    public var baseDelay: Duration
    /// The longest backoff.
    public var maxDelay: Duration

    /// Creates a policy.
    public init(maxAttempts: Int = 8, baseDelay: Duration = .milliseconds(50), maxDelay: Duration = .seconds(30)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Exponential backoff with "equal jitter": half fixed, half random, so retries
    /// from many events do not line up (AWS Architecture Blog, "Exponential Backoff And Jitter").
    public func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = min(attempt - 1, 30)
        let ceiling = min(baseDelay * (1 << exponent), maxDelay)
        let half = ceiling / 2
        return half + half * Double.random(in: 0...1)
    }
}
