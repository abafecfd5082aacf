import EOPSDK
import Foundation

extension Catalog {
    /// PUT /variants/{id}/price-tiers: replaces the variant's tiers; publishes `catalog.price.changed` (tiers).
    func setTiers(variantID: String, _ input: JSONInput) throws {
        let tiers = try input.objects("tiers").map { (t: JSONInput) throws(CatalogError) in try TierDraft.read(t) }
        try TierDraft.checkUnique(tiers)
        try sql.transaction {
            guard try sql.execute("SELECT 1 FROM variants WHERE id = $1::uuid FOR UPDATE", variantID).count == 1 else {
                throw CatalogError.notFound("variant '\(variantID)'")
            }
            try sql.execute("DELETE FROM price_tiers WHERE variant_id = $1::uuid", variantID)
            try insertTiers(variantID: variantID, tiers)
            try publishPriceChanged(variantID: variantID, kind: "tiers")
        }
    }

    /// POST /variants/{id}/flash-sales: a sale price for [starts_at, ends_at), whole seconds.
    /// Sales of one variant may not overlap, so at any second there is at most one.
    func createFlashSale(variantID: String, _ input: JSONInput) throws -> [String: Any] {
        let price = try input.int("price", max: 1_000_000_000_000)
        let starts = try readWholeSecond(input, "starts_at"), ends = try readWholeSecond(input, "ends_at")
        guard ends > starts else { throw CatalogError.invalid("ends_at", "must be after starts_at") }
        let id = Catalog.newID()
        try sql.transaction {
            guard try sql.execute("SELECT 1 FROM variants WHERE id = $1::uuid FOR UPDATE", variantID).count == 1 else {
                throw CatalogError.notFound("variant '\(variantID)'")
            }
            if let other = try sql.execute("""
                SELECT \(isoSQL("starts_at")) AS s, \(isoSQL("ends_at")) AS e FROM flash_sales
                WHERE variant_id = $1::uuid AND starts_at < $3::timestamptz AND ends_at > $2::timestamptz LIMIT 1
                """, variantID, isoSecond(starts), isoSecond(ends)).first {
                throw CatalogError.conflict("starts_at", "overlaps the flash sale from \(try other.requiredString("s")) to \(try other.requiredString("e"))")
            }
            try sql.execute("INSERT INTO flash_sales (id, variant_id, price, starts_at, ends_at) VALUES ($1::uuid, $2::uuid, $3, $4::timestamptz, $5::timestamptz)",
                            id, variantID, price, isoSecond(starts), isoSecond(ends))
            try publishPriceChanged(variantID: variantID, kind: "flash_sale",
                                    extra: ["price": price, "starts_at": isoSecond(starts), "ends_at": isoSecond(ends)])
        }
        return ["id": id, "variant_id": variantID, "price": price, "starts_at": isoSecond(starts), "ends_at": isoSecond(ends)]
    }

    /// DELETE /flash-sales/{id}.
    func deleteFlashSale(_ id: String) throws {
        try sql.transaction {
            guard let sale = try sql.execute("DELETE FROM flash_sales WHERE id = $1::uuid RETURNING variant_id::text, \(isoSQL("starts_at")) AS s, \(isoSQL("ends_at")) AS e", id).first else {
                throw CatalogError.notFound("flash sale '\(id)'")
            }
            try publishPriceChanged(variantID: try sale.requiredString("variant_id"), kind: "flash_sale",
                                    extra: ["starts_at": try sale.requiredString("s"), "ends_at": try sale.requiredString("e")])
        }
    }

    /// `catalog.price.next_change`: the earliest flash-sale start or end after now, when
    /// prices change without a staff edit (Storefront caches pages until then).
    func nextPriceChange() throws -> [String: Any] {
        let row = try sql.execute("""
            SELECT \(isoSQL("least((SELECT min(starts_at) FROM flash_sales WHERE starts_at > now()), (SELECT min(ends_at) FROM flash_sales WHERE ends_at > now()))")) AS at
            """).first
        return ["at": try row?.string("at") ?? NSNull()]
    }

    /// `catalog.price.quote`: the unit price of each item for a customer group and quantity at
    /// `at` (default now). The customer pays the lowest of the base price, the best tier that
    /// applies (everyone's or the group's, min_quantity ≤ quantity) and a flash sale running
    /// at that second (start included, end excluded). Unknown variants and products that are
    /// not active come back `available: false` with the reason, so a cart can say which line failed.
    func quote(_ input: JSONInput) throws -> [String: Any] {
        let group = try input.optionalString("customer_group", max: 100)
        var at: String?
        if input.has("at") { at = isoSecond(try readWholeSecond(input, "at")) }
        let items = try input.objects("items")
        guard items.count <= 500 else { throw CatalogError.invalid("items", "at most 500 items per quote") }
        var request: [[String: Any]] = []
        for (n, item) in items.enumerated() {
            let quantity = try item.int("quantity", min: 1, max: 1_000_000)
            if let id = try item.optionalID("variant_id") {
                request.append(["n": n, "variant_id": id, "quantity": quantity])
            } else if let sku = try item.optionalString("sku", max: 100) {
                request.append(["n": n, "sku": sku, "quantity": quantity])
            } else {
                throw CatalogError.invalid(item.field("variant_id"), "give variant_id or sku")
            }
        }
        let rows = try sql.execute("""
            WITH req AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(n int, variant_id uuid, sku text, quantity bigint)),
                 moment AS (SELECT coalesce($3::timestamptz, now()) AS t)
            SELECT r.n, r.quantity, r.sku AS asked_sku, v.id::text AS variant_id, v.sku, v.product_id::text, p.name, p.status, v.price, v.currency,
                   (SELECT min(t.price) FROM price_tiers t WHERE t.variant_id = v.id AND t.min_quantity <= r.quantity
                      AND (t.customer_group IS NULL OR t.customer_group = $2)) AS tier_price,
                   sale.price AS sale_price, \(isoSQL("sale.ends_at")) AS sale_ends, \(isoSQL("(SELECT t FROM moment)")) AS at
            FROM req r
            LEFT JOIN variants v ON (r.variant_id IS NOT NULL AND v.id = r.variant_id) OR (r.variant_id IS NULL AND lower(v.sku) = lower(r.sku))
            LEFT JOIN products p ON p.id = v.product_id
            LEFT JOIN LATERAL (SELECT f.price, f.ends_at FROM flash_sales f, moment
                               WHERE f.variant_id = v.id AND f.starts_at <= moment.t AND moment.t < f.ends_at) sale ON true
            ORDER BY r.n
            """, JSON.text(request), group, at)
        var out: [[String: Any]] = []
        var moment = at ?? isoSecond(Date())
        for r in rows {
            moment = try r.requiredString("at")
            let quantity = try r.requiredInt64("quantity")
            guard let variantID = try r.string("variant_id") else {
                let asked = request[Int(try r.requiredInt64("n"))]
                out.append(["variant_id": asked["variant_id"] ?? NSNull(), "sku": asked["sku"] ?? NSNull(), "quantity": quantity,
                            "available": false, "reason": "unknown variant"])
                continue
            }
            let base = try r.requiredInt64("price")
            var unit = base, source = "base"
            if let tier = try r.int64("tier_price"), tier < unit { unit = tier; source = "tier" }
            var line: [String: Any] = ["variant_id": variantID, "sku": try r.requiredString("sku"), "product_id": try r.requiredString("product_id"),
                                       "name": try r.requiredString("name"),
                                       "quantity": quantity, "base_price": base, "currency": try r.requiredString("currency")]
            if let sale = try r.int64("sale_price"), sale < unit {
                unit = sale
                source = "flash_sale"
                line["flash_sale_ends_at"] = try r.requiredString("sale_ends")
            }
            let (total, overflow) = unit.multipliedReportingOverflow(by: quantity)
            guard !overflow else { throw CatalogError.invalid("items", "the total of \(try r.requiredString("sku")) overflows") }
            let status = try r.requiredString("status")
            line["unit_price"] = unit
            line["total"] = total
            line["source"] = source
            line["available"] = status == "active"
            if status != "active" { line["reason"] = "product is \(status)" }
            out.append(line)
        }
        return ["at": moment, "customer_group": group ?? NSNull(), "items": out]
    }
}
