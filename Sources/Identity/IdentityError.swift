import Foundation

/// A request to ``IdentityStore`` that was refused because of its input.
///
/// Every case names the offending field (``field``) and says why
/// (``description``), so the gateway can answer with an RFC 9457 problem that
/// points at the field. Database failures are not wrapped: they surface as
/// `PostgresError`.
public enum IdentityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An email is empty, too long, has whitespace, or lacks `local@domain`.
    case invalidEmail(field: String, reason: String)
    /// A password is shorter than the minimum.
    case passwordTooShort(field: String, minimum: Int)
    /// A password equals the account's email (ignoring case).
    case passwordEqualsEmail(field: String)
    /// A password is longer than bcrypt reads (72 UTF-8 bytes).
    case passwordTooLong(field: String, maximumBytes: Int)
    /// A name (display name, customer name, token name) is empty or too long.
    case invalidName(field: String, reason: String)
    /// An account with this email already exists (emails compare ignoring case).
    case duplicateEmail(field: String, email: String)
    /// A permission string is not `segment.segment…` of `[a-z0-9_-]` or `*`.
    case invalidPermission(field: String, permission: String)
    /// A role name is not `[a-z0-9_-]{1,64}`.
    case invalidRoleName(field: String, name: String)
    /// A role with this name already exists.
    case roleExists(field: String, name: String)
    /// No role has this name.
    case unknownRole(field: String, name: String)
    /// No staff user has this id.
    case unknownStaff(field: String, id: UUID)
    /// An active API token of this user already has this name.
    case duplicateTokenName(field: String, name: String)
    /// `createFirstOwner` was called but a staff user already exists.
    case staffAlreadyExists

    /// The input field the error is about (`email`, `password`, `permissions`, …).
    public var field: String {
        switch self {
        case let .invalidEmail(field, _), let .passwordTooShort(field, _), let .passwordEqualsEmail(field),
             let .passwordTooLong(field, _), let .invalidName(field, _), let .duplicateEmail(field, _),
             let .invalidPermission(field, _), let .invalidRoleName(field, _), let .roleExists(field, _),
             let .unknownRole(field, _), let .unknownStaff(field, _), let .duplicateTokenName(field, _):
            return field
        case .staffAlreadyExists:
            return "email"
        }
    }

    /// `password: must be at least 10 characters`, naming the field and the reason.
    public var description: String {
        switch self {
        case let .invalidEmail(field, reason):
            return "\(field): \(reason)"
        case let .passwordTooShort(field, minimum):
            return "\(field): must be at least \(minimum) characters"
        case let .passwordEqualsEmail(field):
            return "\(field): must not be the same as the email address"
        case let .passwordTooLong(field, maximumBytes):
            return "\(field): must be at most \(maximumBytes) bytes in UTF-8 (bcrypt ignores the rest)"
        case let .invalidName(field, reason):
            return "\(field): \(reason)"
        case let .duplicateEmail(field, email):
            return "\(field): an account with email \(email) already exists"
        case let .invalidPermission(field, permission):
            return "\(field): \"\(permission)\" is not a permission; use dotted lower-case segments "
                + "of a-z, 0-9, _ and - (e.g. catalog.product.write) or * for all"
        case let .invalidRoleName(field, name):
            return "\(field): \"\(name)\" is not a role name; use 1 to 64 characters of a-z, 0-9, _ and -"
        case let .roleExists(field, name):
            return "\(field): a role named \(name) already exists"
        case let .unknownRole(field, name):
            return "\(field): no role named \(name)"
        case let .unknownStaff(field, id):
            return "\(field): no staff user with id \(id.uuidString.lowercased())"
        case let .duplicateTokenName(field, name):
            return "\(field): this user already has an active API token named \(name)"
        case .staffAlreadyExists:
            return "email: a staff user already exists; the first owner can only be created on an empty installation"
        }
    }
}

/// Why a login was refused. Thrown by ``IdentityStore/authenticateStaff(email:password:client:)``
/// and ``IdentityStore/authenticateCustomer(email:password:client:)``.
///
/// Rationale: an unknown email and a wrong password are one case with one
/// message, so a login form cannot be used to discover accounts.
public enum AuthenticationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The email is unknown or the password is wrong (deliberately indistinguishable).
    case invalidCredentials
    /// The credentials are right but the account is disabled.
    case disabled
    /// Too many recent failures for this account or client; try again after `retryAfter` seconds
    /// (suitable for an HTTP `Retry-After` header).
    case throttled(retryAfter: Int)

    /// The field a login form should highlight.
    public var field: String {
        switch self {
        case .invalidCredentials, .throttled: return "password"
        case .disabled: return "email"
        }
    }

    /// A message fit to show on a login form.
    public var description: String {
        switch self {
        case .invalidCredentials:
            return "email or password: the email or password is incorrect"
        case .disabled:
            return "email: this account is disabled"
        case let .throttled(retryAfter):
            return "password: too many failed logins; try again in \(retryAfter) seconds"
        }
    }
}
