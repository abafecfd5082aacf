import EOPSDK
import Foundation

/// Wishlist and compare: product slugs in cookies (guests) or Storefront's schema (signed-in
/// customers, Models/Lists.swift), products read from Catalog at display time.
extension Storefront {
    /// `GET /wishlist`.
    func wishlist(_ request: HTTPRequest) throws -> HTTPAnswer {
        let lists = try shopperLists(request)
        let (products, problem) = load(lists.wishlist)
        return try page(request, template: "wishlist", model: ["products": products.map(\.card), "empty": products.isEmpty && problem == nil, "problem": orFalse(problem)],
                        meta: PageMeta(title: "Wishlist – \(settings.shopName)", description: "Your wishlist", path: "/wishlist", noindex: true), lists: lists)
    }

    /// `GET /compare`: up to four products side by side, one row per attribute any of them has.
    func compare(_ request: HTTPRequest) throws -> HTTPAnswer {
        let lists = try shopperLists(request)
        let (products, problem) = load(lists.compare)
        let names = Set(products.flatMap { ($0.json["attributes"] as? [String: Any] ?? [:]).keys }).sorted()
        let rows: [[String: Any]] = [["name": "Brand", "cells": products.map { ["value": ($0.json["brand"] as? [String: Any])?["name"] as? String ?? "–"] }]]
            + names.map { name in
                ["name": name, "cells": products.map { p -> [String: Any] in
                    let value = (p.json["attributes"] as? [String: Any] ?? [:])[name]
                    return ["value": value.map { "\($0)" } ?? "–"]
                }]
            }
        return try page(request, template: "compare",
                        model: ["products": products.map(\.card), "rows": rows, "empty": products.isEmpty && problem == nil, "problem": orFalse(problem),
                                "limit": Lists.compareLimit],
                        meta: PageMeta(title: "Compare – \(settings.shopName)", description: "Compare products", path: "/compare", noindex: true), lists: lists)
    }

    /// `POST /wishlist` and `POST /compare` (form: slug, action=add|remove): changes the
    /// cookie (guests) or the stored list (signed-in customers) and goes back to the list.
    /// Compare holds at most four, the wishlist fifty; one more is refused with 409.
    func changeList(_ request: HTTPRequest, _ name: String) throws -> HTTPAnswer {
        if let refusal = crossSiteRefusal(request, requireOrigin: false) { return try notice(request, title: "Not changed", message: refusal, status: 403) }
        let form = request.formFields
        let slug = form["slug"] ?? ""
        guard Lists.isSlug(slug) else { return try notice(request, title: "Not changed", message: "slug: “\(slug)” is not a product slug.", status: 400) }
        let adding = form["action"] ?? "add" == "add"
        let back = name == Lists.compare ? "/compare" : "/wishlist"
        let full = "You can \(name == Lists.compare ? "compare" : "keep") at most \(Lists.limit(name)) products; remove one first."
        guard let customer = listCustomer(request) else {
            var list = cookieList(request, name).filter { $0 != slug }
            if adding {
                guard list.count < Lists.limit(name) else { return try notice(request, title: "List full", message: full, status: 409) }
                list.append(slug)
            }
            return Self.redirect(back, headers: [Lists.setCookie(name, list)])
        }
        // Guest cookies merge first, so the limit counts what the customer will see.
        let lists = try shopperLists(request)
        if adding {
            guard try addToStored(customer, name, slug) != .full else {
                return try notice(request, title: "List full", message: full, status: 409, lists: lists)
            }
        } else {
            try removeFromStored(customer, name, slug)
        }
        let dropped = lists.dropped.sorted { $0.key < $1.key }.map { "dropped_\($0.key)=\($0.value)" }
        return Self.redirect(dropped.isEmpty ? back : back + "?" + dropped.joined(separator: "&"), headers: lists.clearCookies)
    }

    /// The products behind slugs, in order; a slug Catalog no longer knows is skipped.
    private func load(_ slugs: [String]) -> ([(card: [String: Any], json: [String: Any])], String?) {
        var out: [(card: [String: Any], json: [String: Any])] = []
        for slug in slugs {
            do {
                guard let p = try catalog.product(slug: slug) else { continue }
                let variants = p["variants"] as? [[String: Any]] ?? []
                let cheapest = variants.min { ($0["price"] as? NSNumber)?.int64Value ?? .max < ($1["price"] as? NSNumber)?.int64Value ?? .max }
                var summary: [String: Any] = ["id": p["id"] ?? "", "slug": slug, "name": p["name"] ?? slug,
                                              "brand": (p["brand"] as? [String: Any])?["name"] ?? NSNull()]
                summary["price_from"] = cheapest?["price"]
                summary["currency"] = cheapest?["currency"]
                summary["image"] = (p["images"] as? [[String: Any]])?.first
                guard let product = ProductSummary(summary) else { continue }
                out.append((card(product), p))
            } catch {
                return (out, error.asProblem.description)
            }
        }
        return (out, nil)
    }

    /// `GET /sitemap.xml`: the home page, every category and every active product (all
    /// pages of Catalog's search). Without Catalog: 503, so crawlers come back later.
    func sitemap(_ request: HTTPRequest) throws -> HTTPAnswer {
        let base = baseURL(request)
        var urls = [base + "/"]
        do {
            urls += try catalog.categories().map { base + "/category/" + Self.pathSegment($0.slug) }
            var after: String?
            repeat {
                var filters = ["limit": "100"]
                if let after { filters["after"] = after }
                let page = try catalog.search(filters)
                urls += page.items.map { base + "/products/" + Self.pathSegment($0.slug) }
                after = page.next
            } while after != nil && urls.count < 50_000
        } catch {
            return HTTPAnswer(status: 503, headers: [("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", "60")], body: Array(error.asProblem.description.utf8))
        }
        let xml = try theme.render("sitemap", ["urls": urls.map { ["loc": $0] }])
        return HTTPAnswer(headers: [("Content-Type", "application/xml; charset=utf-8")], body: Array(xml.utf8))
    }

    /// `GET /robots.txt`: everything but the private pages, and where the sitemap is.
    func robots(_ request: HTTPRequest) throws -> HTTPAnswer {
        let text = try theme.render("robots", ["sitemap": baseURL(request) + "/sitemap.xml"])
        return HTTPAnswer(headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }
}
