import Foundation

/// Tunables for ``IdentityStore``: bcrypt cost, session lifetimes, login throttling.
///
/// The defaults suit production; tests lower ``bcryptCost`` to 4 to stay fast.
public struct IdentityConfiguration: Sendable, Equatable {
    /// bcrypt cost (log2 rounds), 4…31. Default 12 (≈ 0.25 s per hash on one core).
    public var bcryptCost: UInt8
    /// Lifetimes of staff sessions (console logins).
    public var staffSessions: SessionLifetime
    /// Lifetimes of customer sessions (storefront accounts).
    public var customerSessions: SessionLifetime
    /// Lifetimes of guest sessions (anonymous carts).
    public var guestSessions: SessionLifetime
    /// Login throttling limits.
    public var throttle: LoginThrottle
    /// Shortest password accepted, in characters. Default 10.
    public var minimumPasswordLength: Int

    /// Makes a configuration; every argument has the production default.
    public init(
        bcryptCost: UInt8 = 12,
        staffSessions: SessionLifetime = SessionLifetime(idleTimeout: 30 * 60, absoluteTimeout: 12 * 3600),
        customerSessions: SessionLifetime = SessionLifetime(idleTimeout: 7 * 86_400, absoluteTimeout: 30 * 86_400),
        guestSessions: SessionLifetime = SessionLifetime(idleTimeout: 7 * 86_400, absoluteTimeout: 30 * 86_400),
        throttle: LoginThrottle = LoginThrottle(),
        minimumPasswordLength: Int = 10
    ) {
        self.bcryptCost = bcryptCost
        self.staffSessions = staffSessions
        self.customerSessions = customerSessions
        self.guestSessions = guestSessions
        self.throttle = throttle
        self.minimumPasswordLength = minimumPasswordLength
    }

    /// The lifetime that applies to sessions of `kind`.
    public func sessionLifetime(for kind: Principal.Kind) -> SessionLifetime {
        switch kind {
        case .staff: return staffSessions
        case .customer: return customerSessions
        case .guest: return guestSessions
        }
    }
}

/// How long a session lives.
///
/// A session ends at whichever comes first: ``idleTimeout`` after it was last
/// used (each use slides this forward), or ``absoluteTimeout`` after it was
/// created (never extended). The gateway may use ``absoluteTimeout`` as the
/// cookie's `Max-Age`.
public struct SessionLifetime: Sendable, Equatable {
    /// Seconds of inactivity after which the session ends.
    public var idleTimeout: TimeInterval
    /// Seconds after creation after which the session ends regardless of use.
    public var absoluteTimeout: TimeInterval

    /// Makes a lifetime; both values must be positive.
    public init(idleTimeout: TimeInterval, absoluteTimeout: TimeInterval) {
        precondition(idleTimeout > 0 && absoluteTimeout > 0, "session timeouts must be positive")
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
    }
}

/// Login throttling: too many failed logins within ``window`` refuse further
/// logins (even with the right password) until enough failures age out.
public struct LoginThrottle: Sendable, Equatable {
    /// Failures allowed per account within the window; one more throttles. Default 5.
    public var maxFailuresPerAccount: Int
    /// Failures allowed per client key (e.g. IP address) within the window; one more throttles. Default 20.
    public var maxFailuresPerClient: Int
    /// The sliding window, in seconds. Default 900 (15 minutes).
    public var window: TimeInterval

    /// Makes throttle limits.
    public init(maxFailuresPerAccount: Int = 5, maxFailuresPerClient: Int = 20, window: TimeInterval = 15 * 60) {
        self.maxFailuresPerAccount = maxFailuresPerAccount
        self.maxFailuresPerClient = maxFailuresPerClient
        self.window = window
    }
}
