import EOPGateway
import EOPStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The storefront's checkout form over the real Catalog, Cart, Order and Payment plugins
/// (the order-to-cash shop of OrderToCashTests, with Storefront loaded beside them), through
/// HTTP as a browser sends it: form posts with the shop's Origin and the `sf_cart` cookie.
@Suite("Storefront checkout over the real Cart, Order and Payment", .serialized)
struct StorefrontCheckoutTests {
    static let shopHost = "shop.test"

    /// What a page answered.
    struct Page {
        var status: HTTPResponse.Status
        var html: String
        var headers: HTTPFields
        var location: String? { headers[.location] }
    }

    /// A GET or a form POST as a browser on `shop.test` sends it; `origin` overrides the Origin header.
    static func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, form: String? = nil,
                     cookie: String?, origin: String? = "http://shop.test") async throws -> Page {
        var headers: HTTPFields = [HTTPField.Name("x-forwarded-host")!: shopHost]
        if let cookie { headers[.cookie] = cookie }
        if form != nil {
            headers[.contentType] = "application/x-www-form-urlencoded"
            if let origin { headers[HTTPField.Name("origin")!] = origin }
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: form.map { ByteBuffer(string: $0) }) { r in
            Page(status: r.status, html: String(buffer: r.body), headers: r.headers)
        }
    }

    /// The first capture of `pattern` in `text`.
    static func capture(_ pattern: String, in text: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let range = Range(match.range(at: 1), in: text) else { return nil }
        return String(text[range])
    }

    static func form(_ fields: [(String, String)]) -> String {
        fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)" }.joined(separator: "&")
    }

    /// The checkout form's fields for Ann, with `key` and `changes` applied (a nil value leaves the field out).
    static func annForm(key: String, method: String = "cod", _ changes: [String: String?] = [:]) -> String {
        var fields: [(String, String?)] = [("key", key), ("email", "ann@example.test"), ("name", "Ann Buyer"), ("line1", "1 Main Street"),
                                           ("city", "Springfield"), ("postal_code", "12345"), ("country", "US"), ("payment_method", method)]
        for (name, value) in changes {
            if let i = fields.firstIndex(where: { $0.0 == name }) { fields[i].1 = value } else { fields.append((name, value)) }
        }
        return form(fields.compactMap { name, value in value.map { (name, $0) } })
    }

    /// A guest puts the small lamp in the cart from its product page; returns the `sf_cart` cookie.
    static func guestCart(_ client: some TestClientProtocol) async throws -> String {
        let product = try await send(client, .get, "/products/brass-lamp", cookie: nil)
        #expect(product.status == .ok)
        let variant = try #require(capture(#"name="variant_id" value="([^"]+)""#, in: product.html), "the product page offers Add to cart")
        let added = try await send(client, .post, "/cart/items", form: "variant_id=\(variant)&quantity=1", cookie: nil)
        #expect(added.status == .seeOther, "\(added.html)")
        let token = try #require(added.headers[.setCookie].flatMap { capture(#"sf_cart=([A-Za-z0-9_-]+)"#, in: $0) }, "Cart's token comes back as the sf_cart cookie")
        return "sf_cart=\(token)"
    }

    /// The order-to-cash shop with Storefront beside it, its catalog, and a guest whose cart holds the small lamp.
    static func withGuestCart(_ body: @escaping @Sendable (OrderToCashTests.Shop, any TestClientProtocol, String) async throws -> Void) async throws {
        let shop = try await OrderToCashTests.Shop(extraModules: ["storefront"])
        defer { shop.close() }
        try await shop.gateway.application().test(.live) { client in
            try await OrderToCashTests.setUpCatalog(client)
            try await body(shop, client, try await guestCart(client))
        }
    }

    @Test("""
        a guest checks out with cash on delivery: the form on /checkout posts to a 303 to the confirmation page showing the order; \
        the same form again is the same order; a missing email and an unknown country are shown by their fields with the entries kept; \
        an unavailable payment method is refused before any order; a cross-site post is refused
        """)
    func guestCheckout() async throws {
        try await Self.withGuestCart { shop, client, cookie in

            let checkout = try await Self.send(client, .get, "/checkout", cookie: cookie)
            #expect(checkout.status == .ok)
            #expect(checkout.html.contains(#"<form class="checkout" method="post" action="/checkout">"#), "\(checkout.html)")
            #expect(checkout.html.contains(#"value="cod""#), "cash on delivery is offered")
            #expect(checkout.html.contains("To pay $15.00"))
            let key = try #require(Self.capture(#"name="key" value="([^"]+)""#, in: checkout.html), "the form carries its idempotency key")
            let again = try await Self.send(client, .get, "/checkout", cookie: cookie)
            #expect(Self.capture(#"name="key" value="([^"]+)""#, in: again.html) != key, "each rendering of the page makes a new key")
            func orders() throws -> Int64 { try shop.database.count(#"SELECT count(*) FROM "order".orders"#) }

            // Another site's page posting the form (with the shopper's cookie, as an old browser would send it): refused, nothing placed.
            let forged = try await Self.send(client, .post, "/checkout", form: Self.annForm(key: key), cookie: cookie, origin: "http://evil.test")
            #expect(forged.status == .forbidden)
            #expect(forged.html.contains("sent from another site"))
            let headless = try await Self.send(client, .post, "/checkout", form: Self.annForm(key: key), cookie: cookie, origin: nil)
            #expect(headless.status == .forbidden, "a checkout post naming no Origin or Referer is refused")
            #expect(try orders() == 0)

            let noEmail = try await Self.send(client, .post, "/checkout", form: Self.annForm(key: key, ["email": nil]), cookie: cookie)
            #expect(noEmail.status == .badRequest)
            #expect(noEmail.html.contains(#"<span class="field-error" id="e-email">is required</span>"#), "\(noEmail.html)")
            #expect(noEmail.html.contains(#"value="Ann Buyer""#) && noEmail.html.contains(#"value="1 Main Street""#), "the entries are kept")
            #expect(noEmail.html.contains(#"value="cod" checked"#), "the chosen way to pay is kept")

            let badCountry = try await Self.send(client, .post, "/checkout", form: Self.annForm(key: key, ["country": "XX"]), cookie: cookie)
            #expect(badCountry.status == .badRequest)
            #expect(badCountry.html.contains(#"id="e-country">&quot;XX&quot; is not an ISO 3166-1 alpha-2 country code"#), "Cart's reason, by the country field: \(badCountry.html)")
            #expect(badCountry.html.contains(#"value="ann@example.test""#))

            let notOffered = try await Self.send(client, .post, "/checkout", form: Self.annForm(key: key, method: "bank_transfer"), cookie: cookie)
            #expect(notOffered.status == .unprocessableContent)
            #expect(notOffered.html.contains(#"id="e-payment_method">"#) && notOffered.html.contains("is not available"), "\(notOffered.html)")
            #expect(try orders() == 0, "refusals place nothing")

            let placed = try await Self.send(client, .post, "/checkout", form: Self.annForm(key: key), cookie: cookie)
            #expect(placed.status == .seeOther, "\(placed.html)")
            let location = try #require(placed.location)
            let number = try #require(Self.capture(#"^/checkout/complete\?order=(\w+)$"#, in: location), "\(location)")
            #expect(try orders() == 1)

            let done = try await Self.send(client, .get, location, cookie: cookie)
            #expect(done.status == .ok)
            #expect(done.html.contains(#"<strong class="order-number">\#(number)</strong>"#), "\(done.html)")
            #expect(done.html.contains("Total $15.00"))
            #expect(done.html.contains("1 × Brass Lamp"))
            #expect(try shop.database.count(#"SELECT count(*) FROM "order".orders WHERE number = '\#(number)' AND customer_email = 'ann@example.test' AND shipping_address->>'city' = 'Springfield'"#) == 1,
                    "the order carries the email and address the form gave Cart")

            // The second click of a double submit: the same key answers the same order.
            let repeated = try await Self.send(client, .post, "/checkout", form: Self.annForm(key: key), cookie: cookie)
            #expect(repeated.status == .seeOther, "\(repeated.html)")
            #expect(repeated.location == location)
            #expect(try orders() == 1, "one order however often the form is sent")

            // Another browser (no cart cookie) sees no order by that number.
            let stranger = try await Self.send(client, .get, location, cookie: nil)
            #expect(stranger.status == .notFound)
        }
    }

    @Test("""
        a price changed since the checkout page was shown: the form comes back with 409, the new total and a new key; \
        placing again with Stripe succeeds at the new price, and the confirmation page hands Stripe.js the client secret, \
        also when Payment sends the shopper back with the payment id
        """)
    func pricesChanged() async throws {
        try await Self.withGuestCart { shop, client, cookie in
            let checkout = try await Self.send(client, .get, "/checkout", cookie: cookie)
            let key = try #require(Self.capture(#"name="key" value="([^"]+)""#, in: checkout.html))

            let quote = try await OrderToCashTests.call(client, .post, "/api/catalog/quote", #"{"items": [{"sku": "LAMP-S", "quantity": 1}]}"#)
            let variant = try #require((quote.json["items"] as? [[String: Any]])?.first?["variant_id"] as? String)
            let changed = try await OrderToCashTests.call(client, .patch, "/api/catalog/variants/\(variant)", #"{"price": 1700}"#, who: OrderToCashTests.staff)
            #expect(changed.status == 200, "\(changed.json)")

            let refused = try await Self.send(client, .post, "/checkout", form: Self.annForm(key: key), cookie: cookie)
            #expect(refused.status == .conflict, "\(refused.html)")
            #expect(refused.html.contains("prices changed"), "\(refused.html)")
            #expect(refused.html.contains("To pay $17.00"))
            #expect(refused.html.contains(#"value="Ann Buyer""#))
            let newKey = try #require(Self.capture(#"name="key" value="([^"]+)""#, in: refused.html))
            #expect(newKey != key, "Order keeps the refusal as the old key's answer: the form gets a new one")
            #expect(try shop.database.count(#"SELECT count(*) FROM "order".orders"#) == 0)

            let placed = try await Self.send(client, .post, "/checkout", form: Self.annForm(key: newKey, method: "stripe"), cookie: cookie)
            #expect(placed.status == .seeOther, "\(placed.html)")
            #expect(try shop.database.count(#"SELECT count(*) FROM "order".orders WHERE total = 1700"#) == 1)

            // Stripe confirms the card on the page: the confirmation page carries what Stripe.js needs.
            let location = try #require(placed.location)
            let done = try await Self.send(client, .get, location, cookie: cookie)
            #expect(done.html.contains("Total $17.00"))
            let secret = try #require(Self.capture(#"data-secret="([^"]+)""#, in: done.html), "\(done.html)")
            #expect(secret.contains("_secret"))
            #expect(done.html.contains("https://js.stripe.com/v3/"))
            // Payment's return (`shop_return_url` + payment_id and status) finds the same order by its payment.
            let c = try shop.database.connect()
            let paymentID = try #require(try c.execute(#"SELECT payment_id FROM "order".payments"#).string(row: 0, column: 0))
            c.close()
            let back = try await Self.send(client, .get, "/checkout/complete?payment_id=\(paymentID)&status=captured", cookie: cookie)
            #expect(back.status == .ok)
            #expect(back.html.contains(#"class="order-number">\#(try #require(Self.capture(#"order=(\w+)"#, in: location)))<"#), "\(back.html)")
            #expect(!back.html.contains("data-secret"), "back from the provider, the card form is not offered again")
        }
    }
}
