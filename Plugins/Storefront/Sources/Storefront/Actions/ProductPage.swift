import EOPSDK
import Foundation

extension Storefront {
    /// `GET /products/{slug}?variant=…`: variants to choose from, the gallery, the current
    /// price (Catalog's quote: flash sales and tiers applied), Open Graph and JSON-LD Product.
    func product(_ request: HTTPRequest) throws -> HTTPAnswer {
        let slug = request.pathParameters["slug"] ?? ""
        let notFound = { try self.notice(request, title: "Not found", message: "There is no product '\(slug)'.", status: 404) }
        guard Lists.isSlug(slug) else { return try notFound() }
        let product: [String: Any]
        do {
            guard let found = try catalog.product(slug: slug) else { return try notFound() }
            product = found
        } catch {
            return try notice(request, title: "Catalog unavailable", message: error.asProblem.description, status: error.asProblem.isMissing ? 503 : 502, missing: ["Catalog"])
        }
        let id = product["id"] as? String ?? ""
        let name = product["name"] as? String ?? slug
        let text = product["description"] as? String ?? ""
        let variants = product["variants"] as? [[String: Any]] ?? []
        let chosenID = request.queryValue("variant").flatMap { v in variants.contains { $0["id"] as? String == v } ? v : nil }
            ?? variants.first?["id"] as? String
        // The current price comes from Catalog's quote; without an answer the base price shows.
        let quotes = (try? catalog.quotes(variantIDs: variants.compactMap { $0["id"] as? String })) ?? [:]
        let base = baseURL(request)
        let path = "/products/\(Self.pathSegment(slug))"

        var variantRows: [[String: Any]] = []
        var offers: [[String: Any]] = []
        var chosen: [String: Any] = [:]
        for v in variants {
            guard let vid = v["id"] as? String, let basePrice = (v["price"] as? NSNumber)?.int64Value else { continue }
            let currency = v["currency"] as? String ?? settings.currency
            let quote = quotes[vid]
            let current = quote?.price ?? basePrice
            let options = (v["options"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            let row: [String: Any] = [
                "id": vid, "sku": v["sku"] as? String ?? "", "label": options.isEmpty ? (v["sku"] as? String ?? vid) : options,
                "price": money(current, quote?.currency ?? currency), "selected": vid == chosenID,
                "was": current < basePrice ? money(basePrice, currency) as Any : false,
                "sale": quote?.source == "flash_sale", "url": "\(path)?variant=\(Self.queryValue(vid))",
            ]
            if vid == chosenID { chosen = row }
            variantRows.append(row)
            offers.append(["@type": "Offer", "sku": row["sku"] ?? "", "price": decimal(current, quote?.currency ?? currency),
                           "priceCurrency": quote?.currency ?? currency, "url": base + (row["url"] as? String ?? path),
                           "availability": "https://schema.org/InStock"])
        }
        // The gallery: `?image=n` shows the n-th picture large; thumbnails link to each (no script).
        let variantQuery = chosenID.map { "variant=\(Self.queryValue($0))&" } ?? ""
        var images: [[String: Any]] = []
        for image in product["images"] as? [[String: Any]] ?? [] {
            guard let url = image["url"] as? String else { continue }
            images.append(["url": url, "alt": image["alt"] as? String ?? name, "link": "\(path)?\(variantQuery)image=\(images.count)"])
        }
        let shown = Int(request.queryValue("image") ?? "0").flatMap { images.indices.contains($0) ? $0 : nil } ?? 0
        let brand = (product["brand"] as? [String: Any])?["name"] as? String
        let attributes = (product["attributes"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }.map { ["name": $0.key, "value": "\($0.value)"] }
        let categories = (product["categories"] as? [[String: Any]] ?? []).compactMap { c -> [String: Any]? in
            guard let s = c["slug"] as? String, let n = c["name"] as? String else { return nil }
            return ["name": n, "url": "/category/\(Self.pathSegment(s))"]
        }

        var ld: [String: Any] = ["@context": "https://schema.org", "@type": "Product", "name": name, "description": text,
                                 "url": base + path, "offers": offers]
        if let brand { ld["brand"] = ["@type": "Brand", "name": brand] }
        if let sku = chosen["sku"] as? String { ld["sku"] = sku }
        if !images.isEmpty { ld["image"] = images.compactMap { ($0["url"] as? String).map { absolute($0, base: base) } } }

        let lists = layoutLists(request)
        let model: [String: Any] = [
            "id": id, "slug": slug, "name": name, "description": text, "brand": orFalse(brand), "categories": categories,
            "attributes": attributes, "variants": variantRows, "many_variants": variantRows.count > 1, "chosen": chosen.isEmpty ? false as Any : chosen,
            "images": images, "main_image": orFalse(images.isEmpty ? nil : images[shown]), "thumbnails": images.count > 1 ? images : [],
            "fit_preview": fitPreview(productID: id, variantID: chosenID),
            "in_wishlist": lists.wishlist.contains(slug), "in_compare": lists.compare.contains(slug),
        ]
        let summary = text.count > 160 ? String(text.prefix(157)) + "…" : text
        return try page(request, template: "product", model: model,
                        meta: PageMeta(title: "\(name) – \(settings.shopName)", description: summary.isEmpty ? name : summary, path: path,
                                       ogType: "product", image: images.first?["url"] as? String, jsonLD: Self.scriptJSON(ld)), lists: lists)
    }

    /// Extension point for the Intelligence module: `intelligence.fit.preview` with the
    /// product and variant ids, answered `{"summary": "…"}`. Until a module answers it, the
    /// page says the preview needs Intelligence (nothing is made up here).
    func fitPreview(productID: String, variantID: String?) -> [String: Any] {
        var payload: [String: Any] = ["product_id": productID]
        if let variantID { payload["variant_id"] = variantID }
        do {
            let reply = try catalog.modules.ask("Intelligence", "intelligence.fit.preview", payload, timeoutMS: 1_000)
            if let summary = reply["summary"] as? String { return ["available": true, "summary": summary] }
            return ["available": false, "reason": "Intelligence answered without a summary."]
        } catch {
            return ["available": false, "reason": error.asProblem.isMissing ? "AI fit preview needs the Intelligence module, which is not active." : error.asProblem.description]
        }
    }
}
