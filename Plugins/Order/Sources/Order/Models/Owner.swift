import EOPSDK
import Foundation

/// Whose cart and orders: a signed-in customer, or a guest holding a cart token
/// (Storefront keeps it in the cookie `sf_cart`). Orders keep the customer id, or
/// only the SHA-256 of a guest's token.
enum Owner: Sendable, Equatable {
    case customer(String)
    case guest(token: String)

    /// The owner as Cart's topics take it.
    var payload: [String: Any] {
        switch self {
        case .customer(let id): return ["customer_id": id]
        case .guest(let token): return ["cart_token": token]
        }
    }

    /// A stable name for the owner that holds no secret (idempotency fingerprints, actors).
    var reference: String {
        switch self {
        case .customer(let id): return "customer:\(id)"
        case .guest(let token): return "guest:\(Order.sha256(token))"
        }
    }

    var customerID: String? { if case .customer(let id) = self { return id } else { return nil } }
    var guestTokenHash: String? { if case .guest(let token) = self { return Order.sha256(token) } else { return nil } }

    /// The owner named by a command or query payload (`customer_id` or `cart_token`).
    static func from(_ input: JSONInput) throws(OrderError) -> Owner {
        if let id = try input.optionalString("customer_id", max: 200), !id.isEmpty { return .customer(id) }
        if let token = try input.optionalString("cart_token", max: 200), !token.isEmpty { return .guest(token: token) }
        throw .invalid("customer_id", "name the owner: customer_id for a signed-in customer or cart_token for a guest")
    }

    /// The caller of an HTTP request: a signed-in customer (staff shop as themselves, as
    /// Storefront does), else a guest by the cart token in the body, the `x-cart-token`
    /// header or the `sf_cart` cookie; nil when none is given.
    static func from(_ request: HTTPRequest, body: JSONInput?) throws(OrderError) -> Owner? {
        if request.principalKind == "customer" || request.principalKind == "staff", !request.principalID.isEmpty {
            return .customer(request.principalID)
        }
        if let token = try body?.optionalString("cart_token", max: 200), !token.isEmpty { return .guest(token: token) }
        if let token = request.headers.first(where: { $0.0 == "x-cart-token" })?.1, !token.isEmpty { return .guest(token: token) }
        let cookie = request.headers.filter { $0.0 == "cookie" }.flatMap { $0.1.split(separator: ";") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix("sf_cart=") }.map { String($0.dropFirst(8)) }
        if let cookie, !cookie.isEmpty { return .guest(token: cookie) }
        return nil
    }

    /// Who did it, for history rows.
    var actor: String {
        switch self {
        case .customer(let id): return "customer:\(id)"
        case .guest: return "guest"
        }
    }
}
