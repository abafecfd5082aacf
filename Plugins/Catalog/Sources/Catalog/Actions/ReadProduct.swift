import EOPSDK
import Foundation

extension Catalog {
    /// One product as the API shows it: brand, categories, attributes, variants with their
    /// price tiers and current or coming flash sales, bundle items.
    func productJSON(_ id: String) throws -> [String: Any] {
        let rows = try sql.execute("""
            SELECT p.id::text, p.slug, p.name, p.description, p.status,
                   array_to_json(p.option_axes)::text AS axes, b.id::text AS brand_id, b.name AS brand_name, b.slug AS brand_slug,
                   \(isoSQL("p.created_at")) AS created_at, \(isoSQL("p.updated_at")) AS updated_at
            FROM products p LEFT JOIN brands b ON b.id = p.brand_id WHERE p.id = $1::uuid
            """, id)
        guard let p = rows.first else { throw CatalogError.notFound("product '\(id)'") }
        var out: [String: Any] = [
            "id": try p.requiredString("id"), "slug": try p.requiredString("slug"), "name": try p.requiredString("name"),
            "description": try p.requiredString("description"), "status": try p.requiredString("status"),
            "option_axes": try Self.decode(p.requiredString("axes")) ?? [],
            "created_at": try p.requiredString("created_at"), "updated_at": try p.requiredString("updated_at"),
        ]
        if let brand = try p.string("brand_id") {
            out["brand"] = ["id": brand, "name": try p.requiredString("brand_name"), "slug": try p.requiredString("brand_slug")]
        } else {
            out["brand"] = NSNull()
        }
        out["categories"] = try sql.execute("""
            SELECT c.id::text, c.name, c.slug FROM product_categories pc JOIN categories c ON c.id = pc.category_id
            WHERE pc.product_id = $1::uuid ORDER BY lower(c.name), c.id
            """, id).map { r in ["id": try r.requiredString("id"), "name": try r.requiredString("name"), "slug": try r.requiredString("slug")] }
        out["images"] = try productImages(id)
        var attributes: [String: String] = [:]
        for r in try sql.execute("SELECT name, value FROM product_attributes WHERE product_id = $1::uuid", id) {
            attributes[try r.requiredString("name")] = try r.requiredString("value")
        }
        out["attributes"] = attributes
        out["variants"] = try variantsJSON(productID: id)
        out["bundle_items"] = try sql.execute("""
            SELECT bi.variant_id::text, v.sku, bi.quantity FROM bundle_items bi JOIN variants v ON v.id = bi.variant_id
            WHERE bi.bundle_product_id = $1::uuid ORDER BY v.sku
            """, id).map { r in ["variant_id": try r.requiredString("variant_id"), "sku": try r.requiredString("sku"), "quantity": try r.requiredInt64("quantity")] }
        return out
    }

    private func variantsJSON(productID: String) throws -> [[String: Any]] {
        let variants = try sql.execute("""
            SELECT id::text, sku, options::text, price, currency FROM variants WHERE product_id = $1::uuid ORDER BY position, sku
            """, productID)
        var tiers: [String: [[String: Any]]] = [:], sales: [String: [[String: Any]]] = [:]
        for r in try sql.execute("""
            SELECT t.variant_id::text, t.customer_group, t.min_quantity, t.price FROM price_tiers t JOIN variants v ON v.id = t.variant_id
            WHERE v.product_id = $1::uuid ORDER BY t.customer_group NULLS FIRST, t.min_quantity
            """, productID) {
            let tier: [String: Any] = ["customer_group": try r.string("customer_group") ?? NSNull(), "min_quantity": try r.requiredInt64("min_quantity"),
                                       "price": try r.requiredInt64("price")]
            tiers[try r.requiredString("variant_id"), default: []].append(tier)
        }
        for r in try sql.execute("""
            SELECT f.id::text, f.variant_id::text, f.price, \(isoSQL("f.starts_at")) AS starts_at, \(isoSQL("f.ends_at")) AS ends_at
            FROM flash_sales f JOIN variants v ON v.id = f.variant_id
            WHERE v.product_id = $1::uuid AND f.ends_at > now() ORDER BY f.starts_at
            """, productID) {
            let sale: [String: Any] = ["id": try r.requiredString("id"), "price": try r.requiredInt64("price"),
                                       "starts_at": try r.requiredString("starts_at"), "ends_at": try r.requiredString("ends_at")]
            sales[try r.requiredString("variant_id"), default: []].append(sale)
        }
        return try variants.map { r in
            let id = try r.requiredString("id")
            return ["id": id, "sku": try r.requiredString("sku"), "options": try Self.decode(r.requiredString("options")) ?? [:],
                    "price": try r.requiredInt64("price"), "currency": try r.requiredString("currency"),
                    "price_tiers": tiers[id] ?? [], "flash_sales": sales[id] ?? []]
        }
    }

    /// JSON text from PostgreSQL (jsonb, array_to_json) as Foundation values.
    static func decode(_ text: String) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }
}
