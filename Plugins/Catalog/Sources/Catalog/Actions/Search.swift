import EOPSDK
import Foundation

/// Numbered parameters for a statement assembled from optional filters: each `bind`
/// returns the `$n` to put in the text, so values never enter the SQL.
struct Parameters {
    private(set) var values: [SQLValue] = []

    mutating func bind(_ value: any SQLParameter) -> String {
        values.append(value.sqlValue)
        return "$\(values.count)"
    }
}

/// Where a page starts: the sort key of the last product of the previous page.
/// Sort key: (k1 exact-name flag, k2 negated rank, k3 lower-case name, id) — strictly
/// increasing, so a page never repeats or skips a product however pages interleave with writes.
struct Cursor {
    var k1: Int64
    var k2: String
    var k3: String
    var id: String

    var token: String {
        Data(JSON.data([k1, k2, k3, id] as [Any])).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    init(k1: Int64, k2: String, k3: String, id: String) {
        self.k1 = k1; self.k2 = k2; self.k3 = k3; self.id = id
    }

    init(token: String) throws(CatalogError) {
        var b64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
        guard let data = Data(base64Encoded: b64), let parts = try? JSONSerialization.jsonObject(with: data) as? [Any], parts.count == 4,
              let k1 = parts[0] as? NSNumber, let k2 = parts[1] as? String, Double(k2) != nil, let k3 = parts[2] as? String,
              let id = parts[3] as? String, UUID(uuidString: id) != nil else {
            throw .invalid("after", "is not a cursor from a previous page")
        }
        self.init(k1: k1.int64Value, k2: k2, k3: k3, id: id)
    }
}

extension Catalog {
    /// Search and listing. `q` matches name (weight A) and description (C) by word prefix,
    /// ranked; an exact name match (ignoring case) comes first. Filters: `category` (id or
    /// slug, with its subcategories), `brand` (id or slug), `attr.<name>=<value>`,
    /// `min_price`/`max_price` (minor units, any variant's base price), `status` (staff only;
    /// the public route sees only active products). Pages: `limit` (1–100, default 20) and
    /// `after` (the `next` of the previous page).
    func search(_ query: [(String, String)], publicOnly: Bool) throws -> [String: Any] {
        var p = Parameters()
        var filters: [String] = []
        func value(_ name: String) -> String? { query.last { $0.0 == name }?.1 }

        let limit = try Self.intParameter(value("limit"), "limit", 1...100) ?? 20
        if publicOnly {
            filters.append("p.status = 'active'")
        } else if let status = value("status") {
            guard ProductStatus.all.contains(status) else { throw CatalogError.invalid("status", "\"\(status)\" is not one of draft, active, archived") }
            filters.append("p.status = \(p.bind(status))")
        }
        if let category = value("category") {
            // The subtree's ids as a constant list, so the planner sees how many products they hold.
            let ids = try categorySubtree(category)
            filters.append("EXISTS (SELECT 1 FROM product_categories pc WHERE pc.product_id = p.id AND pc.category_id = ANY(\(p.bind("{" + ids.joined(separator: ",") + "}"))::uuid[]))")
        }
        if let brand = value("brand") {
            filters.append("p.brand_id = \(p.bind(try resolve(brand, table: "brands", field: "brand")))::uuid")
        }
        for (name, v) in query where name.hasPrefix("attr.") {
            let attribute = String(name.dropFirst(5))
            guard !attribute.isEmpty else { throw CatalogError.invalid(name, "name the attribute: attr.<name>=<value>") }
            filters.append("EXISTS (SELECT 1 FROM product_attributes a WHERE a.product_id = p.id AND lower(a.name) = lower(\(p.bind(attribute))) AND lower(a.value) = lower(\(p.bind(v))))")
        }
        let minPrice = try Self.intParameter(value("min_price"), "min_price", 0...Int64.max)
        let maxPrice = try Self.intParameter(value("max_price"), "max_price", 0...Int64.max)
        if let minPrice, let maxPrice, minPrice > maxPrice { throw CatalogError.invalid("min_price", "is above max_price") }
        if minPrice != nil || maxPrice != nil {
            filters.append("EXISTS (SELECT 1 FROM variants pv WHERE pv.product_id = p.id AND pv.price >= \(p.bind(minPrice ?? 0)) AND pv.price <= \(p.bind(maxPrice ?? Int64.max)))")
        }

        // Full text: each word of q becomes a prefix term ("blu shi" → blu:* & shi:*).
        var k1 = "1", k2 = "0::float8", ranked = false
        if let q = value("q")?.trimmingCharacters(in: .whitespacesAndNewlines), !q.isEmpty {
            let words = q.lowercased().split { !($0.isLetter || $0.isNumber) }.prefix(16)
            guard !words.isEmpty else { throw CatalogError.invalid("q", "has no letters or digits to search for") }
            let tsquery = p.bind(words.map { "\($0):*" }.joined(separator: " & "))
            let exact = p.bind(q)
            filters.append("(p.search @@ to_tsquery('simple', \(tsquery)) OR lower(p.name) = lower(\(exact)))")
            k1 = "CASE WHEN lower(p.name) = lower(\(exact)) THEN 0 ELSE 1 END"
            k2 = "(-ts_rank(p.search, to_tsquery('simple', \(tsquery))))::float8"
            ranked = true
        }
        // Keyset: rows after the cursor's sort key. Without q every product has k1 = 1 and
        // k2 = 0, so only (k3, id) is compared: an index condition on (lower(name), id).
        var after = ""
        if let token = value("after") {
            let c = try Cursor(token: token)
            if !ranked {
                let cursorPrefix = (c.k1, Double(c.k2) ?? 0)
                if (1, 0) < cursorPrefix { after = "WHERE false" }
                else if (1, 0) == cursorPrefix { after = "WHERE (k3, id) > (\(p.bind(c.k3)), \(p.bind(c.id))::uuid)" }
            } else {
                after = "WHERE (k1, k2, k3, id) > (\(p.bind(c.k1)), \(p.bind(c.k2))::float8, \(p.bind(c.k3)), \(p.bind(c.id))::uuid)"
            }
        }
        // The page is chosen first; brand and "from" price are looked up for its rows only.
        let statement = """
            SELECT page.id, page.slug, page.name, page.status, b.name AS brand, page.k1, page.k2, page.k3, price.price_from, price.currency
            FROM (
                SELECT * FROM (
                    SELECT p.id, p.slug, p.name, p.status, p.brand_id, \(k1) AS k1, \(k2) AS k2, lower(p.name) AS k3
                    FROM products p
                    \(filters.isEmpty ? "" : "WHERE " + filters.joined(separator: " AND "))
                ) s \(after)
                ORDER BY k1, k2, k3, id LIMIT \(p.bind(limit + 1))
            ) page
            LEFT JOIN brands b ON b.id = page.brand_id
            LEFT JOIN LATERAL (SELECT v.price AS price_from, v.currency FROM variants v WHERE v.product_id = page.id ORDER BY v.price LIMIT 1) price ON true
            ORDER BY page.k1, page.k2, page.k3, page.id
            """
        let rows = try sql.execute(statement, parameters: p.values)
        var items: [[String: Any]] = []
        var next: Any = NSNull()
        for (i, r) in rows.enumerated() {
            if i == limit {
                let last = rows[Int(limit) - 1]
                next = Cursor(k1: try last.requiredInt64("k1"), k2: try last.requiredString("k2"), k3: try last.requiredString("k3"),
                              id: try last.requiredString("id")).token
                break
            }
            items.append(["id": try r.requiredString("id"), "slug": try r.requiredString("slug"), "name": try r.requiredString("name"),
                          "status": try r.requiredString("status"), "brand": try r.string("brand") ?? NSNull(),
                          "price_from": try r.int64("price_from") ?? NSNull(), "currency": try r.string("currency") ?? NSNull()])
        }
        return ["items": items, "next": next]
    }

    /// The ids of a category (id or slug) and of every category under it.
    private func categorySubtree(_ text: String) throws -> [String] {
        let asID = UUID(uuidString: text)?.uuidString.lowercased()
        let rows = try sql.execute("""
            WITH RECURSIVE sub AS (SELECT id FROM categories WHERE slug = $1 OR id::text = $2
                                   UNION ALL SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id)
            SELECT id::text FROM sub
            """, text, asID ?? "")
        guard !rows.isEmpty else { throw CatalogError.invalid("category", "no category '\(text)'") }
        return try rows.map { try $0.requiredString("id") }
    }

    /// An id or slug of a category or brand, as its id.
    private func resolve(_ text: String, table: String, field: String) throws -> String {
        let asID = UUID(uuidString: text)?.uuidString.lowercased()
        guard let row = try sql.execute("SELECT id::text FROM \(table) WHERE slug = $1 OR id::text = $2", text, asID ?? "").first else {
            throw CatalogError.invalid(field, "no \(field) '\(text)'")
        }
        return try row.requiredString("id")
    }

    static func intParameter(_ text: String?, _ name: String, _ range: ClosedRange<Int64>) throws(CatalogError) -> Int64? {
        guard let text else { return nil }
        guard let v = Int64(text), range.contains(v) else {
            throw .invalid(name, "\"\(text)\" is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }
}
