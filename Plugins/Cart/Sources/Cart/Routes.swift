import EOPSDK
import Foundation

/// The HTTP side (`/api/cart…`). The cart is the caller's: a signed-in customer's (the
/// principal id), else the guest's named by the `X-Cart-Token` header or the `sf_cart`
/// cookie. A new guest cart answers its token in `cart_token`, in `X-Cart-Token` and as the
/// `sf_cart` cookie; a signed-in customer who still sends a guest token gets that cart
/// merged into theirs and the cookie cleared. A `CartError` is answered as problem+json
/// naming the field; any other error becomes the host's 500 with the message in its log.
extension Cart {
    func owner(_ r: HTTPRequest) -> Owner {
        let signedIn = (r.principalKind == "customer" || r.principalKind == "staff") && !r.principalID.isEmpty
        let header = r.headers.first { $0.0 == "x-cart-token" }?.1.trimmingCharacters(in: .whitespaces)
        let cookie = r.headers.filter { $0.0 == "cookie" }.flatMap { $0.1.split(separator: ";") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix("sf_cart=") }.map { String($0.dropFirst(8)) }
        let token = [header, cookie].compactMap { $0 }.first(where: CartToken.isWellFormed)
        return Owner(customerID: signedIn ? r.principalID : nil, cartToken: token, cartID: nil)
    }

    /// The cart as JSON, with the token headers of a new guest cart or the cleared cookie of a merged one.
    func cartAnswer(_ cart: [String: Any], for owner: Owner, status: UInt16 = 200) -> HTTPAnswer {
        var headers: [(String, String)] = [("content-type", "application/json"), ("cache-control", "no-store")]
        if let token = cart["cart_token"] as? String {
            headers.append(("x-cart-token", token))
            headers.append(("set-cookie", "sf_cart=\(token); Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax"))
        } else if owner.customerID != nil, owner.cartToken != nil {
            headers.append(("set-cookie", "sf_cart=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"))
        }
        return HTTPAnswer(status: status, headers: headers, body: Array(JSON.data(cart)))
    }

    func answer(_ value: Any, status: UInt16 = 200) -> HTTPAnswer {
        HTTPAnswer(status: status, headers: [("content-type", "application/json"), ("cache-control", "no-store")], body: Array(JSON.data(value)))
    }

    func getRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let who = owner(r)
        return cartAnswer(try cartView(who), for: who)
    }

    /// The owner's cart, or the empty view when they have none (no cart is made by looking).
    func cartView(_ who: Owner) throws -> [String: Any] {
        if who.cartID != nil { return try view(try namedCart(who).id) }
        return try openCart(for: who, create: false).map { try view($0.id) } ?? emptyView()
    }

    func addItemRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let who = owner(r)
        let input = try JSON.object(r.body)
        try input.only(["kind", "variant_id", "quantity", "amount", "currency", "recipient_email", "message", "label", "code"])
        return cartAnswer(try addItem(who, input, allowFee: false), for: who)
    }

    func updateItemRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let who = owner(r)
        let line = try pathID(r.pathParameters["line_id"], "line")
        return cartAnswer(try updateLine(who, lineID: line, try JSON.object(r.body)), for: who)
    }

    func removeItemRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let who = owner(r)
        return cartAnswer(try removeLine(who, lineID: try pathID(r.pathParameters["line_id"], "line")), for: who)
    }

    func addressRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let who = owner(r)
        return cartAnswer(try setAddress(who, try JSON.object(r.body)), for: who)
    }

    func addCodeRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let who = owner(r)
        return cartAnswer(try addCode(who, try JSON.object(r.body)), for: who)
    }

    func removeCodeRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let who = owner(r)
        return cartAnswer(try removeCode(who, code: r.pathParameters["code"] ?? ""), for: who)
    }

    /// `POST /api/cart/merge` `{"cart_token"?}` (else the header or cookie): the guest cart
    /// joins the signed-in customer's; answers the customer's cart.
    func mergeRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        var who = owner(r)
        let input = try JSON.object(r.body, emptyIsObject: true)
        try input.only(["cart_token"])
        if let token = try input.optionalText("cart_token", max: 200) {
            guard CartToken.isWellFormed(token) else { throw CartError.invalid("cart_token", "is not a cart token") }
            who.cartToken = token
        }
        guard who.customerID != nil else { throw CartError.forbidden("customer", "sign in as a customer to merge a guest cart") }
        guard who.cartToken != nil else { throw CartError.invalid("cart_token", "give the guest cart's token (body, X-Cart-Token or the sf_cart cookie)") }
        return cartAnswer(try cartView(who), for: who)
    }

    func prepareRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let who = owner(r)
        return cartAnswer(try prepare(who), for: who)
    }

    func expressRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let key = r.headers.first { $0.0 == "idempotency-key" }?.1
        return answer(try express(customerID: r.principalID, idempotencyKey: key, try JSON.object(r.body)), status: 201)
    }

    func preferencesRoute(_ r: HTTPRequest) throws -> HTTPAnswer { answer(try preferences(r.principalID)) }
    func setPreferencesRoute(_ r: HTTPRequest) throws -> HTTPAnswer { answer(try setPreferences(r.principalID, try JSON.object(r.body))) }
    func taxRatesRoute(_ r: HTTPRequest) throws -> HTTPAnswer { answer(try taxRates()) }
    func setTaxRatesRoute(_ r: HTTPRequest) throws -> HTTPAnswer { answer(try setTaxRates(try JSON.object(r.body))) }

    func showCartRoute(_ r: HTTPRequest) throws -> HTTPAnswer { answer(try view(try pathID(r.pathParameters["id"], "cart"))) }

    /// `POST /api/cart/carts/{id}/fees` `{"label", "amount", "code"?}` (staff).
    func addFeeRoute(_ r: HTTPRequest) throws -> HTTPAnswer {
        let cartID = try pathID(r.pathParameters["id"], "cart")
        let body = try JSON.object(r.body)
        try body.only(["label", "amount", "code", "currency"])
        var fields = body.object
        fields["kind"] = LineKind.fee.rawValue
        return answer(try addItem(Owner(cartID: cartID), JSONInput(object: fields, path: ""), allowFee: true))
    }
}
