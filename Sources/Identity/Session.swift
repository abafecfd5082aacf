import Crypto
import Foundation

/// A live session, as returned by ``IdentityStore/session(_:)``.
///
/// Carries the principal (with permissions as they are now, not as they were
/// at login) and the session's CSRF secret, from which ``csrfToken`` is
/// derived. It never carries the session token itself.
///
/// Threading: an immutable value [any-thread].
public struct Session: Sendable, CustomStringConvertible {
    /// Who the session belongs to.
    public let principal: Principal
    /// When the session was created.
    public let createdAt: Date
    /// When the session was last used (this lookup included).
    public let lastSeenAt: Date
    /// When the session ends unless used again: the idle expiry, capped by ``absoluteExpiresAt``.
    public let expiresAt: Date
    /// When the session ends however much it is used.
    public let absoluteExpiresAt: Date
    /// The secret the CSRF token is derived from; host-only, never shown to plugins.
    let csrfSecret: [UInt8]

    init(principal: Principal, createdAt: Date, lastSeenAt: Date, expiresAt: Date, absoluteExpiresAt: Date, csrfSecret: [UInt8]) {
        self.principal = principal
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
        self.absoluteExpiresAt = absoluteExpiresAt
        self.csrfSecret = csrfSecret
    }

    /// The CSRF token to embed in this session's HTML forms:
    /// base64url(HMAC-SHA256(csrf secret, "csrf")). Stable for the session's life.
    public var csrfToken: String { CSRF.token(secret: csrfSecret) }

    /// True if `token` is this session's CSRF token (constant-time comparison).
    public func verifyCSRF(_ token: String) -> Bool { CSRF.verify(token, secret: csrfSecret) }

    /// The principal and expiry; never the secret.
    public var description: String { "session of \(principal), expires \(expiresAt)" }
}

/// What ``IdentityStore/createSession(for:)`` returns: the token to put in the
/// cookie (shown only now; the store keeps only its SHA-256), the CSRF token
/// for forms, and when the session will end if unused.
public struct IssuedSession: Sendable {
    /// The session token: 32 random bytes, base64url. Secret: never log it.
    public let token: String
    /// The session's CSRF token (same value as ``Session/csrfToken``).
    public let csrfToken: String
    /// When the session ends unless used (idle expiry, capped by the absolute expiry).
    public let expires: Date
    /// When the session ends however much it is used (e.g. for the cookie's Max-Age).
    public let absoluteExpires: Date
    /// Who the session belongs to.
    public let principal: Principal
}

/// CSRF tokens derived from a session's secret.
enum CSRF {
    static let message = Array("csrf".utf8)

    static func token(secret: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return Secrets.base64url(Array(mac))
    }

    /// Rationale: `isValidAuthenticationCode` compares in constant time, so the
    /// time taken does not reveal how many leading bytes matched.
    static func verify(_ token: String, secret: [UInt8]) -> Bool {
        guard let bytes = Secrets.decodeBase64url(token), bytes.count == SHA256.byteCount else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: message, using: SymmetricKey(data: secret))
    }
}
