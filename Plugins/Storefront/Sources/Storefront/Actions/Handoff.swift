import EOPSDK
import Foundation

/// Cart and account pages (checkout: Checkout.swift). Carts, orders and payments belong to
/// the Cart, Order and Payment modules; these pages hand off to their query topics and say
/// plainly which module is missing when one does not answer.
extension Storefront {
    /// Who the cart and orders belong to: the signed-in customer, else the guest cart cookie.
    /// A signed-in customer who still carries a guest cart cookie sends both: Cart merges the
    /// guest cart into theirs (Plugins/Cart/Docs/README.md, "Merging").
    func owner(_ request: HTTPRequest) -> [String: Any] {
        let token = request.cookie("sf_cart").flatMap { $0.isEmpty ? nil : $0 }
        var owner: [String: Any] = token.map { ["cart_token": $0] } ?? [:]
        if request.principalKind == "customer" || request.principalKind == "staff" { owner["customer_id"] = request.principalID }
        return owner
    }

    /// Cart's reply as template rows: `{"items": [{"name", "sku", "quantity", "unit_price", "total", "currency"}], "total", "currency"}`.
    func cartModel(_ reply: [String: Any]) -> [String: Any] {
        let currency = reply["currency"] as? String
        let lines: [[String: Any]] = (reply["items"] as? [[String: Any]] ?? []).map { item in
            let c = item["currency"] as? String ?? currency
            return ["name": item["name"] as? String ?? item["sku"] as? String ?? "", "sku": item["sku"] as? String ?? "",
                    "quantity": (item["quantity"] as? NSNumber)?.intValue ?? 0,
                    "unit_price": (item["unit_price"] as? NSNumber).map { money($0.int64Value, c) } ?? "",
                    "total": (item["total"] as? NSNumber).map { money($0.int64Value, c) } ?? ""]
        }
        return ["lines": lines, "empty": lines.isEmpty, "total": orFalse((reply["total"] as? NSNumber).map { money($0.int64Value, currency) })]
    }

    /// `GET /cart`.
    func cart(_ request: HTTPRequest) throws -> HTTPAnswer {
        var model: [String: Any] = [:]
        do {
            model["cart"] = cartModel(try catalog.modules.ask("Cart", "cart.cart.get", owner(request)))
        } catch {
            model["problem"] = error.asProblem.isMissing ? "Cart is not active: the cart is kept by the Cart module, which does not answer yet. \(error.asProblem.description)" : error.asProblem.description
        }
        return try page(request, template: "cart", model: model, meta: PageMeta(title: "Cart – \(settings.shopName)", description: "Your cart", path: "/cart", noindex: true))
    }

    /// `POST /cart/items` (form: variant_id, quantity): hands the line to Cart's `cart.item.add`.
    func cartAdd(_ request: HTTPRequest) throws -> HTTPAnswer {
        if let refusal = crossSiteRefusal(request, requireOrigin: false) { return try notice(request, title: "Not added", message: refusal, status: 403) }
        let form = request.formFields
        guard let variant = form["variant_id"], !variant.isEmpty else {
            return try notice(request, title: "Nothing to add", message: "variant_id: choose a variant to add to the cart.", status: 400)
        }
        guard let quantity = Int(form["quantity"] ?? "1"), (1...1000).contains(quantity) else {
            return try notice(request, title: "Wrong quantity", message: "quantity: give a whole number from 1 to 1000.", status: 400)
        }
        var payload = owner(request)
        payload["variant_id"] = variant
        payload["quantity"] = quantity
        do {
            let reply = try catalog.modules.ask("Cart", "cart.item.add", payload)
            var headers: [(String, String)] = []
            if let token = reply["cart_token"] as? String, token.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
                headers.append(("Set-Cookie", "sf_cart=\(token); Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax"))
            }
            return Self.redirect("/cart", headers: headers)
        } catch {
            return try notice(request, title: error.asProblem.isMissing ? "Cart is not active" : "Not added", message: error.asProblem.isMissing
                ? "Cart is not active: adding to the cart needs the Cart module. \(error.asProblem.description)" : error.asProblem.description,
                status: error.asProblem.isMissing ? 503 : 400, missing: error.asProblem.isMissing ? ["Cart"] : [])
        }
    }

    /// `GET /account`: sign-in links for visitors; the customer's orders (from Order) when signed in.
    func account(_ request: HTTPRequest) throws -> HTTPAnswer {
        var model: [String: Any] = ["signed_in": request.principalKind == "customer" || request.principalKind == "staff", "orders": [Any]()]
        if request.principalKind == "customer" || request.principalKind == "staff" {
            do {
                let reply = try catalog.modules.ask("Order", "order.customer.orders", ["customer_id": request.principalID])
                model["orders"] = (reply["orders"] as? [[String: Any]] ?? []).map { o in
                    ["number": o["number"] as? String ?? o["id"] as? String ?? "", "status": o["status"] as? String ?? "",
                     "placed_at": o["placed_at"] as? String ?? "",
                     "total": (o["total"] as? NSNumber).map { money($0.int64Value, o["currency"] as? String) } ?? ""]
                }
            } catch {
                model["orders_problem"] = error.asProblem.isMissing ? "Order is not active: your orders will be listed here once the Order module runs." : error.asProblem.description
            }
        }
        return try page(request, template: "account", model: model,
                        meta: PageMeta(title: "Your account – \(settings.shopName)", description: "Your account", path: "/account", noindex: true))
    }

    /// `GET /account/signin` and `/account/signup`: forms whose few lines of script post JSON
    /// to the host's `/api/account/session` and `/api/account/customers` (JSON only, against login CSRF).
    func accountForm(_ request: HTTPRequest, signup: Bool) throws -> HTTPAnswer {
        try page(request, template: signup ? "signup" : "signin", model: [:],
                 meta: PageMeta(title: (signup ? "Create an account" : "Sign in") + " – \(settings.shopName)", description: signup ? "Create an account" : "Sign in",
                                path: signup ? "/account/signup" : "/account/signin", noindex: true))
    }
}
