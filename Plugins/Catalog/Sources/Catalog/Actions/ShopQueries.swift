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

/// `catalog.sample.load` (the setup wizard's "sample catalog: yes"): two categories and six
/// active products in the shop's currency, made through the same actions as the staff API
/// (so each publishes its `catalog.product.created`). Loads once: a second call finds the
/// sample there and adds nothing.
extension Catalog {
    static let sample: [(category: String, products: [(name: String, sku: String, price: Int, options: [String: String])])] = [
        ("Lamps", [("Brass Desk Lamp", "SAMPLE-LAMP-BRASS", 4999, [:]), ("Paper Floor Lamp", "SAMPLE-LAMP-PAPER", 8900, [:]),
                   ("Clip Reading Light", "SAMPLE-LAMP-CLIP", 1850, [:])]),
        ("Shirts", [("Blue Linen Shirt", "SAMPLE-SHIRT-BLUE-M", 3500, ["size": "M"]), ("White Oxford Shirt", "SAMPLE-SHIRT-WHITE-M", 3200, ["size": "M"]),
                    ("Striped Work Shirt", "SAMPLE-SHIRT-STRIPE-M", 2900, ["size": "M"])]),
    ]

    func loadSample(_ input: JSONInput) throws -> [String: Any] {
        let currency = try input.optionalString("currency", max: 3)?.uppercased() ?? defaultCurrency.code
        if try sql.execute("SELECT 1 FROM variants WHERE sku = $1", Self.sample[0].products[0].sku).first != nil {
            return ["loaded": false, "reason": "the sample catalog is already there"]
        }
        var products = 0
        for group in Self.sample {
            let category = try createCategory(JSONInput(object: ["name": group.category], path: ""))
            let categoryID = category["id"] as? String ?? ""
            for p in group.products {
                var variant: [String: Any] = ["sku": p.sku, "price": p.price, "currency": currency]
                if !p.options.isEmpty { variant["options"] = p.options }
                _ = try createProduct(JSONInput(object: [
                    "name": p.name, "status": "active", "description": "A sample product of the \(group.category.lowercased()) category.",
                    "category_ids": [categoryID], "variants": [variant], "option_axes": Array(p.options.keys),
                ], path: ""))
                products += 1
            }
        }
        return ["loaded": true, "categories": Self.sample.count, "products": products, "currency": currency]
    }
}
