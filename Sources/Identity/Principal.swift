import Foundation

/// Who is making a request: a staff user, a customer, or a guest.
///
/// This is the only identity value that leaves the host. It deliberately holds
/// no password hash, session token, API token or CSRF secret, so it is safe to
/// hand to plugins (which see only ``kind``, ``id`` and ``permissions``) and to log.
///
/// Threading: an immutable value [any-thread].
public struct Principal: Sendable, Hashable, CustomStringConvertible {
    /// The kind of principal.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A back-office user (operator, merchant staff).
        case staff
        /// A storefront customer with an account.
        case customer
        /// An anonymous storefront visitor with a guest session.
        case guest
    }

    /// The kind of principal.
    public let kind: Kind
    /// The user's, customer's or guest's id (unique within ``kind``).
    public let id: UUID
    /// The login email; `nil` for guests.
    public let email: String?
    /// A name to show (staff display name, customer name); `nil` for guests.
    public let displayName: String?
    /// Granted permissions, e.g. `catalog.product.write`; `*` grants all.
    /// Empty for customers and guests.
    public let permissions: Set<String>

    /// Makes a principal. The host builds these from ``IdentityStore``; tests and
    /// in-process fakes may build them directly.
    public init(kind: Kind, id: UUID, email: String? = nil, displayName: String? = nil, permissions: Set<String> = []) {
        self.kind = kind
        self.id = id
        self.email = email
        self.displayName = displayName
        self.permissions = permissions
    }

    /// True if this principal holds `permission` exactly, or holds `*` (all permissions).
    ///
    /// Rationale: no prefix wildcards (`catalog.*`); a permission is either
    /// granted by name or by the single "everything" grant the owner role carries.
    public func can(_ permission: String) -> Bool {
        permissions.contains("*") || permissions.contains(permission)
    }

    /// `staff 7c1e…` plus the email when known; never any secret.
    public var description: String {
        "\(kind.rawValue) \(id.uuidString.lowercased())" + (email.map { " <\($0)>" } ?? "")
    }
}
