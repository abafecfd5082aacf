import EOPSDK
import Foundation

extension Catalog {
    /// Writes one variant (and its price tiers). A SKU used anywhere in the shop, in any
    /// case, is refused naming the product that has it.
    func insertVariant(productID: String, _ draft: VariantDraft, position: Int) throws {
        try refuseTakenSKU(draft.sku, except: nil, field: draft.field("sku"))
        let id = Catalog.newID()
        do {
            try sql.execute("""
                INSERT INTO variants (id, product_id, sku, options, price, currency, position)
                VALUES ($1::uuid, $2::uuid, $3, $4::jsonb, $5, $6, $7)
                """, id, productID, draft.sku, JSON.text(draft.options), draft.price, draft.currency, position)
        } catch {
            throw Self.variantConflict(error, field: draft.field, sku: draft.sku)
        }
        try insertTiers(variantID: id, draft.tiers)
    }

    /// A unique violation on a variant as the conflict it is (SKU or options); other errors unchanged.
    static func variantConflict(_ error: SQLError, field: (String) -> String, sku: String) -> any Error {
        guard error.isUniqueViolation else { return error }
        return error.message.contains("variants_sku") ? CatalogError.conflict(field("sku"), "SKU '\(sku)' is already used")
            : CatalogError.conflict(field("options"), "another variant of this product has the same options")
    }

    func refuseTakenSKU(_ sku: String, except variantID: String?, field: String) throws {
        let rows = try sql.execute("""
            SELECT p.slug FROM variants v JOIN products p ON p.id = v.product_id
            WHERE lower(v.sku) = lower($1) AND ($2::uuid IS NULL OR v.id <> $2::uuid)
            """, sku, variantID)
        if let owner = rows.first {
            throw CatalogError.conflict(field, "SKU '\(sku)' is already used by product '\(try owner.requiredString("slug"))'")
        }
    }

    func insertTiers(variantID: String, _ tiers: [TierDraft]) throws {
        for t in tiers {
            try sql.execute("""
                INSERT INTO price_tiers (id, variant_id, customer_group, min_quantity, price) VALUES ($1::uuid, $2::uuid, $3, $4, $5)
                """, Catalog.newID(), variantID, t.customerGroup, t.minQuantity, t.price)
        }
    }

    /// POST /products/{id}/variants.
    func addVariant(productID: String, _ input: JSONInput) throws {
        try sql.transaction {
            guard let p = try sql.execute("""
                SELECT array_to_json(option_axes)::text AS axes, (SELECT coalesce(max(position) + 1, 0) FROM variants WHERE product_id = $1::uuid) AS next
                FROM products WHERE id = $1::uuid FOR UPDATE
                """, productID).first else { throw CatalogError.notFound("product '\(productID)'") }
            let axes = (Self.decode(try p.requiredString("axes")) as? [String]) ?? []
            let draft = try VariantDraft.read(input, axes: axes, catalog: self)
            try insertVariant(productID: productID, draft, position: Int(try p.requiredInt64("next")))
            try sql.execute("UPDATE products SET updated_at = now() WHERE id = $1::uuid", productID)
            try publishUpdated(productID, changed: ["variants"])
        }
    }

    /// PATCH /variants/{id}: SKU, options, base price or currency. A new base price publishes
    /// `catalog.price.changed` with the previous one. Returns the product id.
    func updateVariant(_ id: String, _ input: JSONInput) throws -> String {
        try sql.transaction { try updateVariantInTransaction(id, input) }
    }

    private func updateVariantInTransaction(_ id: String, _ input: JSONInput) throws -> String {
            guard let v = try sql.execute("""
                SELECT v.product_id::text, v.sku, v.options::text, v.price, v.currency, array_to_json(p.option_axes)::text AS axes
                FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1::uuid FOR UPDATE OF v
                """, id).first else { throw CatalogError.notFound("variant '\(id)'") }
            let productID = try v.requiredString("product_id")
            var sku = try v.requiredString("sku"), currency = try v.requiredString("currency")
            var options = (Self.decode(try v.requiredString("options")) as? [String: String]) ?? [:]
            let oldPrice = try v.requiredInt64("price")
            var price = oldPrice
            var changed: [String] = []
            if let s = try input.optionalString("sku", max: 100) {
                let newSKU = try VariantDraft.readSKU(s, field: "sku")
                if newSKU != sku {
                    try refuseTakenSKU(newSKU, except: id, field: "sku")
                    sku = newSKU
                    changed.append("variants")
                }
            }
            if let o = try input.optionalStringMap("options"), o != options {
                try VariantDraft.checkOptions(o, axes: (Self.decode(try v.requiredString("axes")) as? [String]) ?? [], field: "options")
                options = o
                changed.append("variants")
            }
            if let p = try input.optionalInt("price", max: 1_000_000_000_000) { price = p }
            if input.has("currency") { currency = try self.currency(input.optionalString("currency", max: 3), field: "currency").code }
            do {
                try sql.execute("UPDATE variants SET sku = $2, options = $3::jsonb, price = $4, currency = $5 WHERE id = $1::uuid",
                                id, sku, JSON.text(options), price, currency)
            } catch {
                throw Self.variantConflict(error, field: { $0 }, sku: sku)
            }
            try sql.execute("UPDATE products SET updated_at = now() WHERE id = $1::uuid", productID)
            try publishUpdated(productID, changed: changed)
            let oldCurrency = try v.requiredString("currency")
            if price != oldPrice || currency != oldCurrency {
                try publishPriceChanged(variantID: id, kind: "base", extra: ["previous_price": oldPrice])
            }
            return productID
    }

    /// DELETE /variants/{id}: refused while a bundle lists it, or when it is the last
    /// variant of an active product. Returns the product id.
    func deleteVariant(_ id: String) throws -> String {
        try sql.transaction {
            guard let v = try sql.execute("""
                SELECT v.product_id::text, p.status, (SELECT count(*) FROM variants w WHERE w.product_id = v.product_id) AS siblings
                FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1::uuid FOR UPDATE OF p
                """, id).first else { throw CatalogError.notFound("variant '\(id)'") }
            let productID = try v.requiredString("product_id")
            if let bundle = try sql.execute("""
                SELECT p.slug FROM bundle_items bi JOIN products p ON p.id = bi.bundle_product_id WHERE bi.variant_id = $1::uuid LIMIT 1
                """, id).first {
                throw CatalogError.conflict("id", "the variant is an item of bundle '\(try bundle.requiredString("slug"))'")
            }
            if try v.requiredString("status") == "active", try v.requiredInt64("siblings") == 1 {
                throw CatalogError.conflict("status", "the last variant of an active product cannot be removed; archive the product instead")
            }
            try sql.execute("DELETE FROM variants WHERE id = $1::uuid", id)
            try sql.execute("UPDATE products SET updated_at = now() WHERE id = $1::uuid", productID)
            try publishUpdated(productID, changed: ["variants"])
            return productID
        }
    }

    /// PUT /products/{id}/bundle: the product becomes a bundle of these variants (an empty
    /// list makes it a plain product again). No nesting: an item may not be a bundle's
    /// variant, and a product whose variants sit in a bundle cannot become one.
    func setBundle(productID: String, _ input: JSONInput) throws {
        let parsed = try Self.bundleItems(input)
        try sql.transaction {
            guard try sql.execute("SELECT 1 FROM products WHERE id = $1::uuid FOR UPDATE", productID).count == 1 else {
                throw CatalogError.notFound("product '\(productID)'")
            }
            if !parsed.isEmpty, let outer = try sql.execute("""
                SELECT p.slug FROM bundle_items bi JOIN variants v ON v.id = bi.variant_id JOIN products p ON p.id = bi.bundle_product_id
                WHERE v.product_id = $1::uuid LIMIT 1
                """, productID).first {
                throw CatalogError.conflict("items", "this product's variants are items of bundle '\(try outer.requiredString("slug"))'; bundles do not nest")
            }
            try sql.execute("DELETE FROM bundle_items WHERE bundle_product_id = $1::uuid", productID)
            for item in parsed {
                guard let v = try sql.execute("""
                    SELECT v.product_id::text, EXISTS (SELECT 1 FROM bundle_items b WHERE b.bundle_product_id = v.product_id) AS is_bundle
                    FROM variants v WHERE v.id = $1::uuid
                    """, item.variant).first else { throw CatalogError.invalid("\(item.path).variant_id", "variant '\(item.variant)' does not exist") }
                if try v.requiredString("product_id") == productID { throw CatalogError.invalid("\(item.path).variant_id", "a bundle cannot contain its own variant") }
                if try v.bool("is_bundle") == true { throw CatalogError.invalid("\(item.path).variant_id", "the variant belongs to another bundle; bundles do not nest") }
                try sql.execute("INSERT INTO bundle_items (bundle_product_id, variant_id, quantity) VALUES ($1::uuid, $2::uuid, $3)",
                                productID, item.variant, item.quantity)
            }
            try sql.execute("UPDATE products SET updated_at = now() WHERE id = $1::uuid", productID)
            try publishUpdated(productID, changed: ["bundle_items"])
        }
    }

    private static func bundleItems(_ input: JSONInput) throws(CatalogError) -> [(variant: String, quantity: Int64, path: String)] {
        var parsed: [(variant: String, quantity: Int64, path: String)] = []
        for item in try input.objects("items") {
            let variant = try item.id("variant_id")
            if parsed.contains(where: { $0.variant == variant }) { throw .invalid(item.field("variant_id"), "is listed twice") }
            parsed.append((variant, try item.int("quantity", min: 1, max: 10_000), item.path))
        }
        return parsed
    }
}
