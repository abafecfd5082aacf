import HTTPTypes

/// Who is calling, as the gateway hands it to plugins (never a password or token).
public struct GatewayPrincipal: Sendable, Equatable {
    /// The kinds of caller.
    public enum Kind: Int32, Sendable {
        case anonymous = 0, staff = 1, customer = 2, guest = 3
    }

    public var kind: Kind
    public var id: String
    public var permissions: Set<String>

    public init(kind: Kind, id: String, permissions: Set<String> = []) {
        self.kind = kind
        self.id = id
        self.permissions = permissions
    }

    /// Nobody signed in.
    public static let anonymous = GatewayPrincipal(kind: .anonymous, id: "")

    /// Whether this staff principal holds `permission` (`*` holds all).
    public func can(_ permission: String) -> Bool {
        kind == .staff && (permissions.contains("*") || permissions.contains(permission))
    }
}

/// Finds the caller of a request from its cookies or bearer token. The identity
/// module supplies the real one; `AnonymousResolver` serves hosts without it.
public protocol PrincipalResolver: Sendable {
    func principal(for headers: HTTPFields) async -> GatewayPrincipal
}

/// Everyone is anonymous.
public struct AnonymousResolver: PrincipalResolver {
    public init() {}
    public func principal(for headers: HTTPFields) async -> GatewayPrincipal { .anonymous }
}
