import EOPGateway
import EOPIdentity
import Foundation
import HTTPTypes

/// Finds the caller from the `eop_session` cookie or an `Authorization: Bearer` API token.
public struct IdentityPrincipals: PrincipalResolver {
    public static let sessionCookie = "eop_session"
    let store: IdentityStore

    public init(store: IdentityStore) { self.store = store }

    public func principal(for headers: HTTPFields) async -> GatewayPrincipal {
        await resolve(headers).map(Self.gateway) ?? .anonymous
    }

    /// The identity principal behind the request's credentials, if any.
    func resolve(_ headers: HTTPFields) async -> Principal? {
        if let authorization = headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            return try? await Blocking.run { [store] in try store.principal(forBearer: token) }
        }
        guard let token = Self.cookie(Self.sessionCookie, in: headers) else { return nil }
        return try? await Blocking.run { [store] in try store.session(token)?.principal }
    }

    static func gateway(_ p: Principal) -> GatewayPrincipal {
        let kind: GatewayPrincipal.Kind = switch p.kind { case .staff: .staff; case .customer: .customer; case .guest: .guest }
        return GatewayPrincipal(kind: kind, id: p.id.uuidString.lowercased(), permissions: p.permissions)
    }

    /// A cookie's value from the request's Cookie headers.
    static func cookie(_ name: String, in headers: HTTPFields) -> String? {
        for header in headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0] == name { return String(pair[1]) }
            }
        }
        return nil
    }
}
