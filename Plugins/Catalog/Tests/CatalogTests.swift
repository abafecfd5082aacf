import Foundation
import Testing

/// libCatalog.so in a real host against real PostgreSQL, called over HTTP and the query topic.
/// (Each test has its own database, so its own module roles; the suite stays serialized to
/// keep the 2-core machine's load, and the flash-sale second boundaries, predictable.)
@Suite("Catalog plugin", .serialized)
struct CatalogTests {
    /// A whole-second time `offset` seconds from now, ISO 8601 UTC.
    static func second(_ offset: Int, from base: Double = Date().timeIntervalSince1970) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: (base + Double(offset)).rounded(.down)))
    }

    static func variant(_ product: [String: Any], _ index: Int = 0) -> [String: Any] {
        (product["variants"] as? [[String: Any]] ?? [])[index]
    }

    @Test("a SKU used anywhere in the shop, in any case, is refused naming the field and the product that has it")
    func duplicateSKURefused() async throws {
        let h = try await CatalogHarness()
        try await h.http { api in
            let tee = try await api.product(["name": "Tee", "option_axes": ["size"], "status": "active",
                                             "variants": [["sku": "TEE-1", "options": ["size": "M"], "price": 1999, "currency": "EUR"]]])
            let other = try await api.call(.post, "/api/catalog/products", json: ["name": "Mug", "variants": [["sku": "tee-1", "price": 500]]])
            #expect(other.status == 409, "\(other.text)")
            #expect(other.contentType == "application/problem+json")
            #expect(other.field == "variants[0].sku")
            #expect(other.text.contains("product 'tee'"), "\(other.text)")

            let again = try await api.call(.post, "/api/catalog/products/\(tee["id"]!)/variants", json: ["sku": "Tee-1", "options": ["size": "L"], "price": 1999])
            #expect(again.status == 409 && again.field == "sku", "\(again.text)")
            let twice = try await api.call(.post, "/api/catalog/products", json: ["name": "Pair", "variants": [["sku": "P-1", "price": 1], ["sku": "p-1", "price": 2]]])
            #expect(twice.status == 409 && twice.field == "variants[1].sku", "\(twice.text)")

            // The refused writes left nothing behind: one variant, one product, one created fact.
            #expect(try h.count("SELECT count(*) FROM catalog.variants WHERE lower(sku) = 'tee-1'") == 1)
            #expect(try h.count("SELECT count(*) FROM catalog.products") == 1)
            #expect(try await h.facts("catalog.product.created", atLeast: 1) == 1)

            // A free SKU is accepted on the same product, and publishes the change.
            let ok = try await api.call(.post, "/api/catalog/products/\(tee["id"]!)/variants", json: ["sku": "TEE-2", "options": ["size": "L"], "price": 1999])
            #expect(ok.status == 201, "\(ok.text)")
            #expect(try await h.facts("catalog.product.updated", atLeast: 1) == 1)
        }
    }

    @Test("a flash-sale price applies from its first second up to, not including, its last")
    func flashSaleWindow() async throws {
        let h = try await CatalogHarness()
        try await h.http { api in
            let product = try await api.product(["name": "Lamp", "status": "active", "variants": [["sku": "LAMP", "price": 5000, "currency": "EUR"]]])
            let variantID = try #require(Self.variant(product)["id"] as? String)
            // Every instant from one base: a second boundary passing mid-test must not shift them apart.
            let base = Date().timeIntervalSince1970.rounded(.down)
            let start = Self.second(3600, from: base), end = Self.second(3660, from: base)
            let sale = try await api.call(.post, "/api/catalog/variants/\(variantID)/flash-sales", json: ["price": 3000, "starts_at": start, "ends_at": end])
            #expect(sale.status == 201, "\(sale.text)")

            func price(at: String) throws -> String {
                let line = try #require((try h.quote(["items": [["variant_id": variantID, "quantity": 2]], "at": at])["items"] as? [[String: Any]])?.first)
                return "\(line["unit_price"] ?? "-") \(line["source"] ?? "-")"
            }
            #expect(try price(at: Self.second(3599, from: base)) == "5000 base")
            #expect(try price(at: start) == "3000 flash_sale")
            #expect(try price(at: Self.second(3659, from: base)) == "3000 flash_sale")
            #expect(try price(at: end) == "5000 base")

            // Overlapping sales and times finer than a second are refused, naming the field.
            let overlap = try await api.call(.post, "/api/catalog/variants/\(variantID)/flash-sales", json: ["price": 2000, "starts_at": Self.second(3630, from: base), "ends_at": Self.second(7200, from: base)])
            #expect(overlap.status == 409 && overlap.field == "starts_at", "\(overlap.text)")
            let fraction = try await api.call(.post, "/api/catalog/variants/\(variantID)/flash-sales", json: ["price": 2000, "starts_at": "2030-01-01T00:00:00.500Z", "ends_at": "2030-01-02T00:00:00Z"])
            #expect(fraction.status == 400 && fraction.field == "starts_at", "\(fraction.text)")

            // A sale running now is the price quoted without `at`, and the public quote route agrees.
            let now = try await api.call(.post, "/api/catalog/variants/\(variantID)/flash-sales", json: ["price": 4000, "starts_at": Self.second(-5), "ends_at": Self.second(600)])
            #expect(now.status == 201, "\(now.text)")
            let line = try #require((try h.quote(["items": [["sku": "lamp", "quantity": 1]]])["items"] as? [[String: Any]])?.first)
            #expect(line["unit_price"] as? Int == 4000 && line["source"] as? String == "flash_sale", "\(line)")
            let overHTTP = try await api.call(.post, "/api/catalog/quote", json: ["items": [["variant_id": variantID, "quantity": 3]]], principal: nil)
            #expect(overHTTP.status == 200 && (overHTTP.items.first?["total"] as? Int) == 12000, "\(overHTTP.text)")
            #expect(try await h.facts("catalog.price.changed", atLeast: 2) == 2)
        }
    }

    @Test("search ranks an exact name match first, matches word prefixes, and filters by category tree, brand, attribute and price")
    func searchAndFilters() async throws {
        let h = try await CatalogHarness()
        try await h.http { api in
            let clothing = try await api.call(.post, "/api/catalog/categories", json: ["name": "Clothing"]).json
            let shirts = try await api.call(.post, "/api/catalog/categories", json: ["name": "Shirts", "parent_id": clothing["id"]!]).json
            let acme = try await api.call(.post, "/api/catalog/brands", json: ["name": "Acme"]).json
            func add(_ name: String, _ description: String, price: Int, categories: [Any] = [], brand: Any? = nil, attributes: [String: String] = [:]) async throws {
                var body: [String: Any] = ["name": name, "description": description, "status": "active", "category_ids": categories, "attributes": attributes,
                                           "variants": [["sku": name.uppercased().replacingOccurrences(of: " ", with: "-"), "price": price]]]
                if let brand { body["brand_id"] = brand }
                try await api.product(body)
            }
            // Products whose text mentions "blue shirt" more often than the exact one does.
            try await add("Blue Shirt Deluxe", "The blue shirt: a blue shirt for blue shirt lovers", price: 4500, categories: [shirts["id"]!], brand: acme["id"]!, attributes: ["material": "silk"])
            try await add("Shirt Blue Classic", "Blue shirt, blue shirt, blue shirt", price: 2500, categories: [shirts["id"]!], attributes: ["material": "cotton"])
            try await add("Blue Shirt", "Plain", price: 2000, categories: [clothing["id"]!], brand: acme["id"]!, attributes: ["material": "cotton"])
            try await add("Red Mug", "A mug", price: 900)
            try await api.product(["name": "Blue Shirt Draft", "variants": [["sku": "DRAFT", "price": 1]]])

            let ranked = try await api.call(.get, "/api/catalog/search?q=blue%20shirt", principal: nil)
            #expect(ranked.status == 200, "\(ranked.text)")
            let names = ranked.items.map { $0["name"] as? String ?? "" }
            #expect(names.first == "Blue Shirt", "\(names)")
            #expect(Set(names) == ["Blue Shirt", "Blue Shirt Deluxe", "Shirt Blue Classic"], "the public search lists active products only: \(names)")
            let prefix = try await api.call(.get, "/api/catalog/search?q=shi", principal: nil).items.count
            #expect(prefix == 3)
            #expect(try await api.call(.get, "/api/catalog/products?q=BLUE%20SHIRT").items.first?["name"] as? String == "Blue Shirt")
            #expect(try await api.call(.get, "/api/catalog/products?q=blue&status=draft").items.map { $0["name"] as? String } == ["Blue Shirt Draft"])

            func found(_ query: String) async throws -> Set<String> {
                let r = try await api.call(.get, "/api/catalog/search?\(query)", principal: nil)
                #expect(r.status == 200, "\(query): \(r.text)")
                return Set(r.items.compactMap { $0["name"] as? String })
            }
            #expect(try await found("category=clothing") == ["Blue Shirt", "Blue Shirt Deluxe", "Shirt Blue Classic"], "a category includes its subcategories")
            #expect(try await found("category=shirts") == ["Blue Shirt Deluxe", "Shirt Blue Classic"])
            #expect(try await found("brand=acme") == ["Blue Shirt", "Blue Shirt Deluxe"])
            #expect(try await found("attr.material=cotton") == ["Blue Shirt", "Shirt Blue Classic"])
            #expect(try await found("min_price=1000&max_price=3000") == ["Blue Shirt", "Shirt Blue Classic"])
            #expect(try await found("q=shirt&brand=acme&attr.material=silk&max_price=5000") == ["Blue Shirt Deluxe"])
            let unknown = try await api.call(.get, "/api/catalog/search?category=nowhere", principal: nil)
            #expect(unknown.status == 400 && unknown.field == "category", "\(unknown.text)")

            // Staff routes need their permission.
            let denied = try await api.call(.get, "/api/catalog/products", principal: "staff:u2:catalog.price.write")
            #expect(denied.status == 403)
        }
    }

    @Test("a CSV of 1,000 rows with 3 bad ones imports 997 and reports the 3 by line and field; the export imports back")
    func csvImportReportsBadRows() async throws {
        let h = try await CatalogHarness()
        var lines = ["product,name,status,brand,categories,sku,options,price,currency,attributes"]
        for i in 1...1000 {
            // Rows 2k and 2k+1 are two sizes of one product; file line = i + 1.
            let product = (i + 1) / 2
            var row = ["p-\(product)", "\"Product \(product), \"\"special\"\"\"", "active", "Brand \(product % 7)", "Clothing > Shirts|Sale",
                       "SKU-\(i)", "size=\(i % 2 == 0 ? "M" : "L")", "\(i).99", "EUR", "material=cotton"]
            switch i + 1 {
            case 101: row[7] = "12.3.4"       // price
            case 502: row[2] = "live"         // status
            case 903: row[5] = "SKU-10"       // a SKU already on line 11
            default: break
            }
            lines.append(row.joined(separator: ","))
        }
        let csv = lines.joined(separator: "\n") + "\n"
        try await h.http { api in
            let r = try await api.call(.post, "/api/catalog/import", body: csv, contentType: "text/csv")
            #expect(r.status == 200, "\(r.text.prefix(500))")
            #expect(r.json["rows"] as? Int == 1000)
            #expect(r.json["imported_rows"] as? Int == 997)
            #expect(r.json["rejected_rows"] as? Int == 3)
            let errors = r.json["errors"] as? [[String: Any]] ?? []
            #expect(errors.map { $0["line"] as? Int ?? 0 } == [101, 502, 903], "\(errors)")
            #expect(errors.map { $0["field"] as? String ?? "" } == ["price", "status", "sku"], "\(errors)")
            #expect((errors.last?["reason"] as? String)?.contains("line 11") == true, "\(errors)")
            #expect(try h.count("SELECT count(*) FROM catalog.variants") == 997)
            #expect(try h.count("SELECT count(*) FROM catalog.products") == 500)
            #expect(try h.count("SELECT count(*) FROM catalog.categories") == 3)
            // The import leaves fresh planner statistics (listings plan for 500 products, not for an empty table).
            #expect(try h.count("SELECT reltuples::bigint FROM pg_class WHERE oid = 'catalog.products'::regclass") == 500)
            #expect(try h.count("SELECT reltuples::bigint FROM pg_class WHERE oid = 'catalog.variants'::regclass") == 997)
            #expect(try h.count("SELECT price FROM catalog.variants WHERE sku = 'SKU-7'") == 799)
            #expect(try await h.facts("catalog.product.created", atLeast: 500) == 500)

            // The export is the import's format: it reads back with nothing refused and nothing changed.
            let export = try await api.call(.get, "/api/catalog/export")
            #expect(export.status == 200 && export.contentType?.hasPrefix("text/csv") == true)
            #expect(export.text.split(separator: "\r\n").count == 998)
            #expect(export.text.contains("\"Product 5, \"\"special\"\"\""), "names with commas and quotes are quoted")
            let again = try await api.call(.post, "/api/catalog/import", body: export.text, contentType: "text/csv")
            #expect(again.json["imported_rows"] as? Int == 997 && again.json["rejected_rows"] as? Int == 0, "\(again.text.prefix(500))")
            #expect(again.json["products_created"] as? Int == 0)
            #expect(try h.count("SELECT count(*) FROM catalog.variants") == 997)

            // A file that cannot be read names the line; an unknown column names it.
            let broken = try await api.call(.post, "/api/catalog/import", body: "product,name,sku,price\na,A,\"S-1,1\n", contentType: "text/csv")
            #expect(broken.status == 400 && broken.field == "line 2", "\(broken.text)")
            let column = try await api.call(.post, "/api/catalog/import", body: "product,name,sku,price,colour\n", contentType: "text/csv")
            #expect(column.status == 400 && column.field == "line 1, column 5", "\(column.text)")
        }
    }

    @Test("a price quote takes the lowest of base price, the customer group's and everyone's quantity breaks, per quantity")
    func priceQuoteGroupsAndBreaks() async throws {
        let h = try await CatalogHarness()
        try await h.http { api in
            let product = try await api.product(["name": "Coffee", "status": "active", "variants": [["sku": "COF", "price": 1000, "currency": "EUR"]]])
            let variantID = try #require(Self.variant(product)["id"] as? String)
            let tiers = try await api.call(.put, "/api/catalog/variants/\(variantID)/price-tiers", json: ["tiers": [
                ["min_quantity": 10, "price": 900],
                ["customer_group": "wholesale", "min_quantity": 1, "price": 850],
                ["customer_group": "wholesale", "min_quantity": 50, "price": 700],
            ]])
            #expect(tiers.status == 200, "\(tiers.text)")
            let draft = try await api.product(["name": "Tea", "variants": [["sku": "TEA", "price": 300]]])

            func line(_ group: String?, _ quantity: Int) throws -> [String: Any] {
                var payload: [String: Any] = ["items": [["variant_id": variantID, "quantity": quantity]]]
                if let group { payload["customer_group"] = group }
                return try #require((try h.quote(payload)["items"] as? [[String: Any]])?.first)
            }
            let cases: [(String?, Int, Int, String)] = [
                (nil, 1, 1000, "base"), (nil, 9, 1000, "base"), (nil, 10, 900, "tier"), ("retail", 10, 900, "tier"),
                ("wholesale", 1, 850, "tier"), ("wholesale", 49, 850, "tier"), ("wholesale", 50, 700, "tier"),
            ]
            for (group, quantity, unit, source) in cases {
                let l = try line(group, quantity)
                #expect(l["unit_price"] as? Int == unit && l["source"] as? String == source, "\(group ?? "-") × \(quantity): \(l)")
                #expect(l["total"] as? Int == unit * quantity && l["currency"] as? String == "EUR" && l["available"] as? Bool == true)
            }

            let mixed = try h.quote(["items": [["sku": "TEA", "quantity": 1], ["variant_id": UUID().uuidString, "quantity": 1]]])["items"] as? [[String: Any]] ?? []
            #expect(mixed.count == 2)
            #expect(mixed.first?["available"] as? Bool == false && mixed.first?["reason"] as? String == "product is draft", "\(mixed)")
            #expect(mixed.last?["available"] as? Bool == false && mixed.last?["reason"] as? String == "unknown variant", "\(mixed)")
            #expect(throws: QuoteError.self) { try h.quote(["items": [["variant_id": variantID, "quantity": 0]]]) }
            _ = draft

            let duplicate = try await api.call(.put, "/api/catalog/variants/\(variantID)/price-tiers", json: ["tiers": [["min_quantity": 5, "price": 1], ["min_quantity": 5, "price": 2]]])
            #expect(duplicate.status == 409 && duplicate.field == "tiers[1]", "\(duplicate.text)")
        }
    }

    @Test("answers keep every character: quotes, backslashes, control characters and non-ASCII text come back as written, keys in sorted order")
    func jsonAnswersRoundTrip() async throws {
        let h = try await CatalogHarness()
        let name = "Lamp \"Nova\" 5/8\\ – Ünïcode ☀"
        let description = "Line one\nLine two\ttabbed\u{01}\u{1F}\r end"
        try await h.http { api in
            let created = try await api.product(["name": name, "description": description, "status": "active",
                                                 "attributes": ["finish": "brass \"aged\""], "variants": [["sku": "NOVA-1", "price": 4999]]])
            let read = try await api.call(.get, "/api/catalog/products/\(created["id"]!)")
            #expect(read.status == 200, "\(read.text)")
            #expect(read.json["name"] as? String == name)
            #expect(read.json["description"] as? String == description)
            #expect((read.json["attributes"] as? [String: Any])?["finish"] as? String == "brass \"aged\"")
            #expect(read.text.contains(#"\u0001\u001f"#), "control characters escaped: \(read.text)")
            let keys = ["attributes", "description", "id", "name", "slug", "status", "variants"].compactMap { read.text.range(of: "\"\($0)\":")?.lowerBound }
            #expect(keys.count == 7 && keys == keys.sorted(), "top-level keys in sorted order: \(read.text.prefix(300))")
            let found = try await api.call(.get, "/api/catalog/search?q=nova", principal: nil)
            #expect(found.items.first?["name"] as? String == name, "\(found.text)")
            #expect(found.items.first?["price_from"] as? Int == 4999)
        }
    }

    @Test("keyset pages list every product once, in order, even when products are added between pages")
    func keysetPaginationStable() async throws {
        let h = try await CatalogHarness()
        let csv = "product,name,status,sku,price,categories\n"
            + (0..<25).map { "item-\($0),Item \(String(format: "%02d", $0)),active,IT-\($0),\(10 + $0),\($0 % 2 == 0 ? "Lamps" : "Shirts")\n" }.joined()
        try await h.http { api in
            #expect(try await api.call(.post, "/api/catalog/import", body: csv, contentType: "text/csv").json["imported_rows"] as? Int == 25)
            var seen: [String] = []
            var next: String? = nil
            var pages = 0
            repeat {
                let uri = "/api/catalog/search?limit=7" + (next.map { "&after=\($0)" } ?? "")
                let page = try await api.call(.get, uri, principal: nil)
                #expect(page.status == 200, "\(page.text)")
                seen += page.items.compactMap { $0["name"] as? String }
                next = page.json["next"] as? String
                pages += 1
                if pages == 2 {
                    // Added behind and ahead of the cursor while paging.
                    try await api.product(["name": "Item 00a", "status": "active", "variants": [["sku": "NEW-A", "price": 1]]])
                    try await api.product(["name": "Item 99", "status": "active", "variants": [["sku": "NEW-B", "price": 1]]])
                }
            } while next != nil && pages < 20
            let originals = (0..<25).map { "Item \(String(format: "%02d", $0))" }
            #expect(seen.filter { originals.contains($0) } == originals, "every original once, in order: \(seen)")
            #expect(seen.count == Set(seen).count, "no product twice: \(seen)")
            #expect(seen.last == "Item 99", "a product added ahead of the cursor is reached")
            #expect(!seen.contains("Item 00a"), "a product added behind the cursor does not shift later pages")

            // A category's pages: its products only, each once, in name order, with their prices.
            var lamps: [String] = []
            var prices: [Int] = []
            next = nil
            pages = 0
            repeat {
                let page = try await api.call(.get, "/api/catalog/search?category=lamps&limit=4" + (next.map { "&after=\($0)" } ?? ""), principal: nil)
                #expect(page.status == 200, "\(page.text)")
                lamps += page.items.compactMap { $0["name"] as? String }
                prices += page.items.compactMap { $0["price_from"] as? Int }
                next = page.json["next"] as? String
                pages += 1
            } while next != nil && pages < 20
            let even = stride(from: 0, to: 25, by: 2)
            #expect(lamps == even.map { "Item \(String(format: "%02d", $0))" }, "\(lamps)")
            #expect(prices == even.map { (10 + $0) * 100 }, "\(prices)")

            // The same query and cursor give the same page; a forged cursor is refused naming it.
            let first = try await api.call(.get, "/api/catalog/search?limit=5&q=item", principal: nil)
            let cursor = try #require(first.json["next"] as? String)
            let a = try await api.call(.get, "/api/catalog/search?limit=5&q=item&after=\(cursor)", principal: nil)
            let b = try await api.call(.get, "/api/catalog/search?limit=5&q=item&after=\(cursor)", principal: nil)
            #expect(a.items.count == 5 && a.text == b.text)
            #expect(Set(a.items.compactMap { $0["id"] as? String }).isDisjoint(with: first.items.compactMap { $0["id"] as? String }))
            let forged = try await api.call(.get, "/api/catalog/search?after=bm90LWEtY3Vyc29y", principal: nil)
            #expect(forged.status == 400 && forged.field == "after", "\(forged.text)")
        }
    }

    @Test("products move draft → active → archived with facts; bundles hold other variants and do not nest; the category tree refuses cycles")
    func lifecycleBundlesAndTree() async throws {
        let h = try await CatalogHarness()
        try await h.http { api in
            let empty = try await api.product(["name": "Gift Box"])
            let emptyID = try #require(empty["id"] as? String)
            let refused = try await api.call(.patch, "/api/catalog/products/\(emptyID)", json: ["status": "active"])
            #expect(refused.status == 400 && refused.field == "status", "an active product needs a variant: \(refused.text)")

            let cup = try await api.product(["name": "Cup", "status": "active", "variants": [["sku": "CUP", "price": 800]]])
            let saucer = try await api.product(["name": "Saucer", "status": "active", "variants": [["sku": "SAUCER", "price": 400]]])
            let cupVariant = try #require(Self.variant(cup)["id"] as? String), saucerVariant = try #require(Self.variant(saucer)["id"] as? String)
            #expect(try await api.call(.post, "/api/catalog/products/\(emptyID)/variants", json: ["sku": "GIFT", "price": 1000]).status == 201)
            let bundle = try await api.call(.put, "/api/catalog/products/\(emptyID)/bundle", json: ["items": [["variant_id": cupVariant, "quantity": 2], ["variant_id": saucerVariant, "quantity": 2]]])
            #expect(bundle.status == 200, "\(bundle.text)")
            #expect((bundle.json["bundle_items"] as? [[String: Any]])?.map { "\($0["sku"]!)×\($0["quantity"]!)" } == ["CUP×2", "SAUCER×2"], "\(bundle.text)")
            let nested = try await api.call(.put, "/api/catalog/products/\(cup["id"]!)/bundle", json: ["items": [["variant_id": saucerVariant, "quantity": 1]]])
            #expect(nested.status == 409 && nested.field == "items", "\(nested.text)")
            let inUse = try await api.call(.delete, "/api/catalog/variants/\(cupVariant)")
            #expect(inUse.status == 409 && inUse.text.contains("gift-box"), "\(inUse.text)")

            let active = try await api.call(.patch, "/api/catalog/products/\(emptyID)", json: ["status": "active", "name": "Gift Box Deluxe"])
            #expect(active.status == 200 && active.json["status"] as? String == "active" && active.json["name"] as? String == "Gift Box Deluxe", "\(active.text)")
            let repriced = try await api.call(.patch, "/api/catalog/variants/\(cupVariant)", json: ["price": 750])
            #expect(repriced.status == 200, "\(repriced.text)")
            #expect(try await h.facts("catalog.price.changed", atLeast: 1) == 1)
            #expect(try h.count("SELECT count(*) FROM eop.events WHERE topic = 'catalog.price.changed' AND convert_from(payload, 'UTF8')::json->>'previous_price' = '800'") == 1)

            let archived = try await api.call(.delete, "/api/catalog/products/\(emptyID)")
            #expect(archived.status == 200 && archived.json["status"] as? String == "archived", "\(archived.text)")
            #expect(try await h.facts("catalog.product.archived", atLeast: 1) == 1)
            let line = try #require((try h.quote(["items": [["sku": "GIFT", "quantity": 1]]])["items"] as? [[String: Any]])?.first)
            #expect(line["available"] as? Bool == false && line["reason"] as? String == "product is archived", "\(line)")

            // The tree: a category cannot move under its own child, nor be deleted while it has one or holds products.
            let root = try await api.call(.post, "/api/catalog/categories", json: ["name": "Kitchen"]).json
            let child = try await api.call(.post, "/api/catalog/categories", json: ["name": "Cups", "parent_id": root["id"]!]).json
            let cycle = try await api.call(.patch, "/api/catalog/categories/\(root["id"]!)", json: ["parent_id": child["id"]!])
            #expect(cycle.status == 400 && cycle.field == "parent_id", "\(cycle.text)")
            #expect(try await api.call(.delete, "/api/catalog/categories/\(root["id"]!)").status == 409)
            let tree = try await api.call(.get, "/api/catalog/categories", principal: nil).json["categories"] as? [[String: Any]] ?? []
            #expect(tree.first?["name"] as? String == "Kitchen" && (tree.first?["children"] as? [[String: Any]])?.first?["name"] as? String == "Cups", "\(tree)")
            #expect(try await api.call(.delete, "/api/catalog/categories/\(child["id"]!)").status == 204)
        }
    }
}
