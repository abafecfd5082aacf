import EOPPlatformKit
import EOPSDK
import Foundation

extension Storefront {
    /// `GET /`: categories and the first products. Without Catalog the page says so (200):
    /// a shop being set up is not an error.
    func home(_ request: HTTPRequest) throws -> HTTPAnswer {
        var model: [String: Any] = ["shop_name": settings.shopName, "categories": [Any](), "products": [Any]()]
        do {
            model["categories"] = try catalog.categories().filter { $0.depth == 0 }.map { ["name": $0.name, "url": "/category/\(Self.pathSegment($0.slug))"] }
            model["products"] = try catalog.search(["limit": "8"]).items.map(card)
        } catch {
            model["catalog_problem"] = error.asProblem.description
        }
        return try page(request, template: "home", model: model,
                        meta: PageMeta(title: settings.shopName, description: "\(settings.shopName): shop online.", path: "/"))
    }

    /// `GET /category/{slug}`: the category's products with filters (brand, price range,
    /// attributes) and keyset pages (`after`).
    func category(_ request: HTTPRequest) throws -> HTTPAnswer {
        let slug = request.pathParameters["slug"] ?? ""
        guard Lists.isSlug(slug) else { return try notice(request, title: "Not found", message: "There is no category '\(slug)'.", status: 404) }
        let name: String
        do {
            guard let found = try catalog.categories().first(where: { $0.slug == slug }) else {
                return try notice(request, title: "Not found", message: "There is no category '\(slug)'.", status: 404)
            }
            name = found.name
        } catch {
            return try notice(request, title: "Catalog unavailable", message: error.asProblem.description, status: error.asProblem.isMissing ? 503 : 502, missing: ["Catalog"])
        }
        return try listing(request, base: ["category": slug], heading: name, path: "/category/\(Self.pathSegment(slug))",
                           description: "\(name) at \(settings.shopName)")
    }

    /// `GET /search?q=…`: ranked results with the same filters and pages.
    func search(_ request: HTTPRequest) throws -> HTTPAnswer {
        let q = request.queryValue("q")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !q.isEmpty else {
            return try page(request, template: "search", model: ["q": "", "empty": true],
                            meta: PageMeta(title: "Search – \(settings.shopName)", description: "Search \(settings.shopName)", path: "/search", noindex: true))
        }
        return try listing(request, base: ["q": q], heading: "Results for “\(q)”", path: "/search",
                           description: "Search results for \(q)", template: "search", extra: ["q": q])
    }

    /// One page of a filtered product list.
    private func listing(_ request: HTTPRequest, base: [String: String], heading: String, path: String, description: String,
                         template: String = "category", extra: [String: Any] = [:]) throws -> HTTPAnswer {
        var filters = base
        var kept: [(String, String)] = base.filter { $0.key == "q" }.map { ($0.key, $0.value) }
        var problems: [String] = []
        if let brand = request.queryValue("brand"), !brand.isEmpty { filters["brand"] = brand; kept.append(("brand", brand)) }
        for (name, bound) in [("min", "min_price"), ("max", "max_price")] {
            guard let text = request.queryValue(name)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { continue }
            if let currency = Currency.find(settings.currency), let amount = try? MoneyFormatter.parse(decimalString: text, currency: currency), amount.minorUnits >= 0 {
                filters[bound] = String(amount.minorUnits)
                kept.append((name, text))
            } else {
                problems.append("\(name): “\(text)” is not an amount in \(settings.currency)")
            }
        }
        for (name, value) in request.query where name.hasPrefix("attr.") && name.count > 5 && !value.isEmpty {
            filters[name] = value
            kept.append((name, value))
        }
        filters["limit"] = String(settings.pageSize)
        if let after = request.queryValue("after") { filters["after"] = after }

        var model = extra
        model["heading"] = heading
        model["filters"] = ["brand": request.queryValue("brand") ?? "", "min": request.queryValue("min") ?? "", "max": request.queryValue("max") ?? "",
                            "currency": settings.currency]
        model["problems"] = problems.map { ["text": $0] }
        let query = kept.map { "\(Self.queryValue($0.0))=\(Self.queryValue($0.1))" }.joined(separator: "&")
        var status: UInt16 = problems.isEmpty ? 200 : 400
        do {
            let result = try catalog.search(filters)
            model["products"] = result.items.map(card)
            model["none"] = result.items.isEmpty
            model["next_url"] = orFalse(result.next.map { path + "?" + (query.isEmpty ? "" : query + "&") + "after=" + Self.queryValue($0) })
            model["first_url"] = filters["after"] != nil ? path + (query.isEmpty ? "" : "?" + query) as Any : false
        } catch {
            model["catalog_problem"] = error.asProblem.description
            status = error.asProblem.isMissing ? 503 : 400
        }
        return try page(request, template: template, model: model,
                        meta: PageMeta(title: "\(heading) – \(settings.shopName)", description: description, path: path,
                                       noindex: template == "search" || filters["after"] != nil), status: status)
    }
}
