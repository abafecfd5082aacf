import Foundation

/// A staff user as stored (never the password hash).
public struct StaffUser: Sendable, Hashable {
    /// The user's id.
    public let id: UUID
    /// Login email, as entered (unique ignoring case).
    public let email: String
    /// Name shown in the console.
    public let displayName: String
    /// True if the user may not log in (sessions and API tokens stop working too).
    public let disabled: Bool
    /// Names of the roles granted to the user, sorted.
    public let roles: [String]
}

/// A role: a named set of permissions.
public struct Role: Sendable, Hashable {
    /// The role's name (`[a-z0-9_-]{1,64}`).
    public let name: String
    /// Permissions the role grants, sorted; `*` means all.
    public let permissions: [String]
}

/// A storefront customer account as stored (never the password hash).
public struct Customer: Sendable, Hashable {
    /// The customer's id.
    public let id: UUID
    /// Login email, as entered (unique ignoring case).
    public let email: String
    /// The customer's name.
    public let name: String
}

/// An API token's metadata (never the token or its digest).
public struct APITokenInfo: Sendable, Hashable {
    /// The token's id, for revocation.
    public let id: UUID
    /// The name given at creation (e.g. "CI deploy").
    public let name: String
    /// The staff user the token acts as.
    public let userID: UUID
    /// When it was created.
    public let createdAt: Date
    /// When it was last used, if ever.
    public let lastUsedAt: Date?
    /// When it was revoked, if it was.
    public let revokedAt: Date?
}
