import EOPSDK
import Foundation

/// Checkout: the page with the form, placing the order, and the confirmation page. The cart
/// belongs to Cart, the order to Order, the payment to Payment: the form hands the shopper's
/// email and address to Cart (`cart.address.set`), then asks Order to place the order
/// (`order.checkout.place`, which starts the payment at Payment). Every module that does not
/// answer is named on the page; a refusal is shown next to its field with the entries kept.
extension Storefront {
    /// `GET /checkout`: cart, totals and ways to pay, and the form when all three modules answer.
    func checkout(_ request: HTTPRequest) throws -> HTTPAnswer {
        try checkoutPage(request, form: nil, status: 200)
    }

    /// The checkout page with `form` (nil: a fresh form filled from the cart).
    func checkoutPage(_ request: HTTPRequest, form given: CheckoutForm?, status: UInt16) throws -> HTTPAnswer {
        var missing: [String] = [], problems: [String] = []
        var model: [String: Any] = [:]
        func attempt(_ module: String, _ topic: String, _ payload: [String: Any]) -> [String: Any]? {
            do { return try catalog.modules.ask(module, topic, payload) } catch {
                if error.asProblem.isMissing { missing.append("\(module) is not active (\(topic) has no answer)") } else { problems.append(error.asProblem.description) }
                return nil
            }
        }
        let cart = attempt("Cart", "cart.cart.get", owner(request))
        if let cart { model["cart"] = cartModel(cart) }
        if let quote = attempt("Order", "order.checkout.quote", owner(request)) {
            model["order_total"] = orFalse((quote["total"] as? NSNumber).map { money($0.int64Value, quote["currency"] as? String) })
        }
        let methods = attempt("Payment", "payment.method.list", [:])?["methods"] as? [[String: Any]] ?? []
        var form = given ?? CheckoutForm(cart: cart)
        let hasLines = !(cart?["items"] as? [Any] ?? []).isEmpty
        if form.values[CheckoutForm.paymentField] == nil, let only = methods.filter({ $0["available"] as? Bool ?? true }).first, methods.count == 1 {
            form.values[CheckoutForm.paymentField] = only["id"] as? String
        }
        model["missing"] = missing.map { ["text": $0] }
        model["problems"] = problems.map { ["text": $0] }
        model["methods"] = methods.compactMap { m in (m["name"] as? String).map { ["name": $0] } }
        model["form"] = missing.isEmpty && hasLines ? formModel(form, methods: methods) as Any : false
        model["general"] = form.general.map { ["text": $0] }
        return try page(request, template: "checkout", model: model,
                        meta: PageMeta(title: "Checkout – \(settings.shopName)", description: "Checkout", path: "/checkout", noindex: true),
                        status: status, headers: [("Cache-Control", "no-store")])
    }

    private func formModel(_ form: CheckoutForm, methods: [[String: Any]]) -> [String: Any] {
        let chosen = form.values[CheckoutForm.paymentField]
        let rows: [[String: Any]] = methods.compactMap { m in
            guard let id = m["id"] as? String else { return nil }
            let available = m["available"] as? Bool ?? true
            return ["id": id, "name": m["name"] as? String ?? id, "available": available, "checked": available && id == chosen,
                    "reason": available ? "" : m["reason"] as? String ?? "not available"]
        }
        return ["key": form.key, "fields": form.fieldRows, "payment_methods": rows,
                "payment_error": orFalse(form.errors[CheckoutForm.paymentField]), "has_errors": !form.errors.isEmpty]
    }

    /// `POST /checkout` (form-urlencoded: the address fields, `payment_method`, `key`): sets
    /// the cart's email and shipping address (Cart), places the order with the form's key
    /// (Order; the same key again answers the same order) and sends the shopper on: to the
    /// payment provider when Payment answers a redirect, else to the confirmation page.
    func placeOrder(_ request: HTTPRequest) throws -> HTTPAnswer {
        if let refusal = crossSiteRefusal(request, requireOrigin: true) {
            return try notice(request, title: "Order not placed", message: refusal, status: 403)
        }
        var form = CheckoutForm(posted: request.formFields)
        guard CheckoutForm.isKey(form.key) else {
            form.key = CheckoutForm.newKey()
            form.general.append("key: this form is out of date; check your details and place the order again.")
            return try checkoutPage(request, form: form, status: 400)
        }
        form.checkRequired()
        if let problem = checkMethod(&form) { return try checkoutPage(request, form: form, status: problem) }
        guard form.errors.isEmpty else { return try checkoutPage(request, form: form, status: 400) }
        let owner = owner(request)
        guard !owner.isEmpty else {
            form.general.append("Your cart is empty: add something to it first.")
            return try checkoutPage(request, form: form, status: 409)
        }
        do {
            // A cart already turned into an order (the second click of a double submit) has
            // no lines: its address is not set again, and Order answers the first outcome.
            let cart = try catalog.modules.ask("Cart", "cart.cart.get", owner)
            if !(cart["items"] as? [Any] ?? []).isEmpty {
                var address = owner
                address["email"] = form.values["email"]
                address["shipping_address"] = form.shippingAddress
                _ = try catalog.modules.ask("Cart", "cart.address.set", address)
            }
            var place = owner
            place["idempotency_key"] = form.key
            place["payment_method"] = form.values[CheckoutForm.paymentField]
            // Order asks Cart, Catalog and Payment in turn: give it the time it gives them.
            let placed = try catalog.modules.ask("Order", "order.checkout.place", place, timeoutMS: 30_000)
            return try afterPlacing(request, placed, form: &form)
        } catch {
            let status: UInt16
            switch error.asProblem {
            case .missing:
                status = 503
                form.general.append(error.asProblem.description)
            case .conflict(_, let reason) where reason.hasPrefix("Idempotency-Key"):
                // The same form is still being placed (a double click): keep the key, so a retry joins that checkout.
                status = 409
                form.general.append("This order is still being placed: wait a moment, then send the form again (it will not order twice).")
            case .conflict(_, let reason):
                // Prices (or the cart) changed: Order keeps this key's answer, so the next try needs a new key.
                status = 409
                form.key = CheckoutForm.newKey()
                form.general.append("\(reason). The cart below shows it as it is now: check it and place the order again.")
            case .refused(_, let reason) where reason.hasPrefix("Idempotency-Key"):
                status = 422
                form.key = CheckoutForm.newKey()
                form.general.append("This form was already sent with other details; check them and place the order again.")
            case .refused(_, let reason):
                status = 400
                form.place(reason.hasPrefix("not found: ") ? String(reason.dropFirst("not found: ".count)) : reason)
            case .unreadable:
                status = 502
                form.general.append(error.asProblem.description)
            }
            return try checkoutPage(request, form: form, status: status)
        }
    }

    /// Refuses a payment method Payment does not offer now (before any order is placed), or
    /// answers a status when Payment cannot be asked.
    private func checkMethod(_ form: inout CheckoutForm) -> UInt16? {
        guard let chosen = form.values[CheckoutForm.paymentField] else { return nil }
        let methods: [[String: Any]]
        do {
            methods = try catalog.modules.ask("Payment", "payment.method.list", [:])["methods"] as? [[String: Any]] ?? []
        } catch {
            form.general.append(error.asProblem.description)
            return error.asProblem.isMissing ? 503 : 502
        }
        guard let method = methods.first(where: { $0["id"] as? String == chosen }) else {
            form.errors[CheckoutForm.paymentField] = "“\(chosen)” is not a way to pay this shop offers"
            return 400
        }
        guard method["available"] as? Bool ?? true else {
            form.errors[CheckoutForm.paymentField] = "\(method["name"] as? String ?? chosen) is not available: \(method["reason"] as? String ?? "switched off")"
            return 422
        }
        return nil
    }

    /// Where the shopper goes once Order answered: the provider's page for a redirect, else
    /// the confirmation page (which also shows a payment that could not start).
    private func afterPlacing(_ request: HTTPRequest, _ placed: [String: Any], form: inout CheckoutForm) throws -> HTTPAnswer {
        let next = (placed["payment"] as? [String: Any])?["next_action"] as? [String: Any]
        if next?["type"] as? String == "redirect", let url = next?["url"] as? String, url.hasPrefix("https://") || url.hasPrefix("http://") {
            return Self.redirect(url, headers: [("Cache-Control", "no-store")])
        }
        guard let number = placed["number"] as? String else {
            form.general.append("Order answered without an order number; the order may be placed: see your account or ask the shop.")
            return try checkoutPage(request, form: form, status: 502)
        }
        return Self.redirect("/checkout/complete?order=\(Self.queryValue(number))", headers: [("Cache-Control", "no-store")])
    }

    /// `GET /checkout/complete?order=<number>` (after placing) or `?payment_id=…&status=…`
    /// (where Payment sends the shopper back from a provider, setting `shop_return_url`):
    /// the order as Order shows it to its owner (the signed-in customer, or the guest whose
    /// `sf_cart` cookie placed it), with what is left to do for the payment.
    func checkoutComplete(_ request: HTTPRequest) throws -> HTTPAnswer {
        var query = owner(request)
        if let number = request.queryValue("order"), !number.isEmpty {
            query["number"] = number
        } else if let payment = request.queryValue("payment_id"), !payment.isEmpty {
            query["payment_id"] = payment
        } else {
            return try notice(request, title: "Which order?", message: "order: give the order number (/checkout/complete?order=…).", status: 400)
        }
        let notFound = "There is no such order for this browser. Orders are shown to the customer who placed them: sign in, or use the browser you ordered with."
        guard query["customer_id"] != nil || query["cart_token"] != nil else {
            return try notice(request, title: "Order not found", message: notFound, status: 404)
        }
        let order: [String: Any]
        do {
            order = try catalog.modules.ask("Order", "order.order.get", query)
        } catch {
            switch error.asProblem {
            case .missing:
                return try notice(request, title: "Order is not active", message: "Your order is kept by the Order module, which does not answer yet. \(error.asProblem.description)",
                                  status: 503, missing: ["Order"])
            case .refused(_, let reason) where reason.hasPrefix("not found"):
                return try notice(request, title: "Order not found", message: notFound, status: 404)
            default:
                return try notice(request, title: "Order not shown", message: error.asProblem.description, status: 502)
            }
        }
        let currency = order["currency"] as? String
        let number = order["number"] as? String ?? ""
        var model: [String: Any] = [
            "number": number, "status": order["status"] as? String ?? "",
            "payment_status": order["payment_status"] as? String ?? "", "method": order["payment_method"] as? String ?? "",
            "total": (order["total"] as? NSNumber).map { money($0.int64Value, currency) } ?? "",
            "lines": (order["lines"] as? [[String: Any]] ?? []).map { line -> [String: Any] in
                ["name": line["name"] as? String ?? "", "quantity": (line["quantity"] as? NSNumber)?.intValue ?? 0,
                 "total": (line["total"] as? NSNumber).map { money($0.int64Value, currency) } ?? ""]
            },
            "signed_in": request.principalKind == "customer" || request.principalKind == "staff",
            "bank_transfer": false, "stripe": false, "payment_problem": false,
        ]
        // The current attempt says what the shopper still has to do.
        if order["payment_status"] as? String == "unpaid", let attempt = (order["payments"] as? [[String: Any]])?.last {
            let next = attempt["next_action"] as? [String: Any] ?? [:]
            let returned = ["authorized", "captured"].contains(request.queryValue("status") ?? "")
            if let error = attempt["error"] as? String, !error.isEmpty {
                model["payment_problem"] = error
            } else if next["type"] as? String == "bank_transfer" {
                model["bank_transfer"] = ["reference": next["reference"] as? String ?? "", "instructions": next["instructions"] as? String ?? ""]
            } else if next["driver"] as? String == "stripe", attempt["status"] as? String == "pending", !returned,
                      let secret = next["client_secret"] as? String {
                if let key = next["publishable_key"] as? String, !key.isEmpty {
                    model["stripe"] = ["client_secret": secret, "publishable_key": key, "return_url": next["return_url"] as? String ?? ""]
                } else {
                    model["payment_problem"] = "the card form needs Payment's setting stripe_publishable_key, which is empty: the shop has to set it."
                }
            }
            model["confirming"] = returned
        }
        return try page(request, template: "checkout-complete", model: model,
                        meta: PageMeta(title: "Order \(number) – \(settings.shopName)", description: "Your order", path: "/checkout/complete", noindex: true),
                        headers: [("Cache-Control", "no-store")])
    }
}
