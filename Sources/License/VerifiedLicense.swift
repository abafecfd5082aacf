import Foundation

/// A license that passed `LicenseVerifier`, with the state it was found in.
public struct VerifiedLicense: Sendable {
    /// Where the license stands in time at verification.
    public enum Standing: Sendable, Equatable {
        /// Before `expires_at`.
        case valid
        /// Past `expires_at`, within `grace_days`: accepted with a loud warning.
        case grace(until: Date)
        /// Past grace with `on_expiry: maintain`: modules released before expiry keep running.
        case maintained(expiredAt: Date)
    }

    /// The signed payload.
    public let payload: LicensePayload
    /// The key that signed it.
    public let kid: String
    /// How that key is trusted.
    public let keyTrust: Keyring.Trust
    /// Standing at `verifiedAt`.
    public let standing: Standing
    /// Warnings for the operator (grace, development license); empty when none.
    public let warnings: [String]
    /// The clock's time at verification.
    public let verifiedAt: Date

    /// True for a development license (shown as a "development license" banner).
    public var isDevelopment: Bool { payload.environment == .development }
}
