import EOPSDK
import Foundation

/// What the shop (Storefront) asks of Catalog through query topics: the public search
/// with the same parameters as `GET /api/catalog/search`, and one active product by slug.
extension Catalog {
    /// A `catalog.product.search` payload — a flat object of strings — as the search route's query.
    func queryPairs(_ payload: [UInt8]) throws -> [(String, String)] {
        let input = try JSON.object(payload)
        return try input.object.keys.sorted().map { key in
            guard let value = input.object[key] as? String else { throw CatalogError.invalid(key, "must be a string, as in the search route's query") }
            return (key, value)
        }
    }

    /// `catalog.product.get`: an active product by its slug; any other is not found.
    func activeProduct(slug: String) throws -> [String: Any] {
        guard let row = try sql.execute("SELECT id::text FROM products WHERE slug = $1 AND status = 'active'", slug).first else {
            throw CatalogError.notFound("product '\(slug)'")
        }
        return try productJSON(try row.requiredString("id"))
    }
}
