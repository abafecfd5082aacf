import EOPPlatformKit
import EOPSDK
import Foundation

/// What the layout puts in `<head>`: title, description, canonical address, Open Graph
/// and an optional JSON-LD block.
struct PageMeta {
    var title: String
    var description: String
    /// Path of the canonical address (`/products/blue-shirt`).
    var path: String
    var ogType = "website"
    var image: String?
    /// JSON-LD text, already safe to place in a `<script>` element.
    var jsonLD: String?
    /// Pages no search engine should list (cart, account, …).
    var noindex = false
}

extension Storefront {
    /// A whole HTML page: the body template rendered with `model`, inside `layout`. The
    /// layout shows the visitor's list counts: `lists` when the page read them already, else
    /// they are read here (which merges a signed-in customer's list cookies, and clears them).
    func page(_ request: HTTPRequest, template: String, model: [String: Any], meta: PageMeta, status: UInt16 = 200,
              headers: [(String, String)] = [], lists given: ShopperLists? = nil) throws -> HTTPAnswer {
        let lists = given ?? layoutLists(request)
        let body = try theme.render(template, model)
        let base = baseURL(request)
        let layout: [String: Any] = [
            "shop_name": settings.shopName, "title": meta.title, "description": meta.description,
            "canonical": base + meta.path, "og_type": meta.ogType, "og_image": orFalse(meta.image.map { absolute($0, base: base) }),
            "json_ld": orFalse(meta.jsonLD), "noindex": meta.noindex, "content": body,
            "signed_in": request.principalKind == "customer" || request.principalKind == "staff",
            "wishlist_count": lists.wishlist.count, "compare_count": lists.compare.count,
            "list_notices": droppedNotices(request, lists),
        ]
        let html = try theme.render("layout", layout)
        return HTTPAnswer(status: status, headers: [("Content-Type", "text/html; charset=utf-8")] + headers + lists.clearCookies, body: Array(html.utf8))
    }

    /// What a merge of list cookies into a customer's full stored list left out: said on
    /// the page that merged, or on the page a list change redirected to (`dropped_<cookie>`
    /// in its query, set by `changeList`; read for signed-in customers only, so no link can
    /// put the sentence on a page kept for everyone).
    private func droppedNotices(_ request: HTTPRequest, _ lists: ShopperLists) -> [[String: Any]] {
        [Lists.wishlist, Lists.compare].compactMap { name in
            let asked = listCustomer(request) == nil ? nil : request.queryValue("dropped_\(name)").flatMap(Int.init)
            guard let count = lists.dropped[name] ?? asked, (1...1000).contains(count) else { return nil }
            return ["text": "\(count) product\(count == 1 ? "" : "s") saved in this browser did not fit your \(name == Lists.compare ? "compare list" : "wishlist") (at most \(Lists.limit(name))) and \(count == 1 ? "was" : "were") not kept."]
        }
    }

    /// The lists for the layout's counts. A database fault must not take every page down
    /// with it: the counts then show 0 and the fault goes to the host's log.
    func layoutLists(_ request: HTTPRequest) -> ShopperLists {
        do {
            return try shopperLists(request)
        } catch {
            host.log(.error, "storefront: the lists of customer \(request.principalID) could not be read: \(error)")
            return ShopperLists()
        }
    }

    /// A page that only says something (not found, a module missing, …).
    func notice(_ request: HTTPRequest, title: String, message: String, status: UInt16, missing: [String] = [], lists: ShopperLists? = nil) throws -> HTTPAnswer {
        try page(request, template: "notice", model: ["heading": title, "message": message, "missing": missing.map { ["text": $0] }],
                 meta: PageMeta(title: title, description: message, path: request.path, noindex: true), status: status, lists: lists)
    }

    /// The shop's public address: the `base_url` setting, else the request's host (a
    /// reverse proxy's X-Forwarded-Host first).
    func baseURL(_ request: HTTPRequest) -> String {
        if !settings.baseURL.isEmpty { return settings.baseURL }
        let host = request.header("x-forwarded-host") ?? request.header("host") ?? "localhost"
        let proto = request.header("x-forwarded-proto") ?? "http"
        return "\(proto)://\(host)"
    }

    func absolute(_ url: String, base: String) -> String {
        url.hasPrefix("http://") || url.hasPrefix("https://") ? url : base + (url.hasPrefix("/") ? url : "/" + url)
    }

    /// Money for display, through the host's `format_money` (symbol and grouping of the currency).
    func money(_ minorUnits: Int64, _ currency: String?) -> String {
        let code = currency ?? settings.currency
        return (try? host.formatMoney(minorUnits: minorUnits, currency: code)) ?? "\(minorUnits) (minor units of \(code))"
    }

    /// Money as a plain decimal for machines (schema.org `price`): `1250` EUR → `12.50`.
    func decimal(_ minorUnits: Int64, _ currency: String?) -> String {
        let digits = Currency.find(currency ?? settings.currency)?.minorUnitDigits ?? 2
        guard digits > 0 else { return String(minorUnits) }
        let sign = minorUnits < 0 ? "-" : ""
        let text = String(minorUnits.magnitude)
        let padded = String(repeating: "0", count: max(0, digits + 1 - text.count)) + text
        return sign + padded.dropLast(digits) + "." + padded.suffix(digits)
    }

    /// A listing card for a product.
    func card(_ p: ProductSummary) -> [String: Any] {
        ["name": p.name, "url": "/products/\(Self.pathSegment(p.slug))", "brand": orFalse(p.brand), "slug": p.slug,
         "price": orFalse(p.priceFrom.map { money($0, p.currency ?? settings.currency) }), "image": orFalse(p.image)]
    }

    static func pathSegment(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? s
    }

    static func queryValue(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
    }

    /// JSON for a `<script type="application/ld+json">`: `</` escaped so no text closes the element.
    static func scriptJSON(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "</", with: "<\\/")
    }

    static func redirect(_ location: String, headers: [(String, String)] = []) -> HTTPAnswer {
        HTTPAnswer(status: 303, headers: [("Location", location)] + headers)
    }
}

/// A value for a mustache section: the value, or false (the section is skipped) when nil.
func orFalse(_ value: Any?) -> Any { value ?? false }

extension HTTPRequest {
    func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
    func queryValue(_ name: String) -> String? { query.last { $0.0 == name }?.1 }

    /// The value of a cookie, if the request carries it.
    func cookie(_ name: String) -> String? {
        for header in headers where header.0 == "cookie" {
            for part in header.1.split(separator: ";") {
                let kv = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if kv.count == 2, kv[0] == name { return String(kv[1]) }
            }
        }
        return nil
    }

    /// Fields of an `application/x-www-form-urlencoded` body.
    var formFields: [String: String] {
        let text = String(decoding: body, as: UTF8.self)
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
            if let name = parts.first { out[name] = parts.count > 1 ? parts[1] : "" }
        }
        return out
    }
}
