import EOPPlatformKit
import EOPSDK
import Foundation

extension Catalog {
    /// GET /api/catalog/export: every variant as a row in the import's format, so an export
    /// imports back unchanged. Products without variants are left out (a row is a variant).
    func exportCSV() throws -> String {
        let rows = try sql.execute("""
            SELECT p.slug, p.name, p.status, p.description, coalesce(b.name, '') AS brand,
                   coalesce((SELECT string_agg(path, '|' ORDER BY path) FROM (
                       SELECT (WITH RECURSIVE up AS (SELECT id, parent_id, name, 0 AS depth FROM categories WHERE id = pc.category_id
                                                     UNION ALL SELECT c.id, c.parent_id, c.name, up.depth + 1 FROM categories c JOIN up ON c.id = up.parent_id)
                               SELECT string_agg(name, ' > ' ORDER BY depth DESC) FROM up) AS path
                       FROM product_categories pc WHERE pc.product_id = p.id) paths), '') AS categories,
                   v.sku, v.price, v.currency,
                   coalesce((SELECT string_agg(axis || '=' || (v.options ->> axis), ';' ORDER BY n)
                             FROM unnest(p.option_axes) WITH ORDINALITY AS a(axis, n)), '') AS options,
                   coalesce((SELECT string_agg(name || '=' || value, ';' ORDER BY name) FROM product_attributes WHERE product_id = p.id), '') AS attributes
            FROM products p JOIN variants v ON v.product_id = p.id LEFT JOIN brands b ON b.id = p.brand_id
            ORDER BY p.slug, v.position, v.sku
            """)
        var out = CSV.line(CatalogCSV.columns)
        for r in rows {
            let currency = try r.requiredString("currency")
            let price = try r.requiredInt64("price")
            let amount = Currency.find(currency).map { Self.plainAmount(price, $0) } ?? String(price)
            out += CSV.line([
                try r.requiredString("slug"), try r.requiredString("name"), try r.requiredString("status"), try r.requiredString("description"),
                try r.requiredString("brand"), try r.requiredString("categories"), try r.requiredString("sku"), try r.requiredString("options"),
                amount, currency, try r.requiredString("attributes"),
            ])
        }
        return out
    }

    /// Minor units as a plain decimal (1999 EUR → "19.99", 500 JPY → "500"), as the import reads it.
    static func plainAmount(_ minor: Int64, _ currency: Currency) -> String {
        let digits = currency.minorUnitDigits
        guard digits > 0 else { return String(minor) }
        let per = currency.minorUnitsPerMajor
        let fraction = String(minor % per)
        return "\(minor / per).\(String(repeating: "0", count: digits - fraction.count))\(fraction)"
    }
}
