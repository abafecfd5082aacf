import EOPSDK
import Foundation

extension Catalog {
    /// Creates a product with its categories, attributes and variants in one transaction,
    /// and publishes `catalog.product.created` in it. Returns the product's id.
    func createProduct(_ input: JSONInput) throws -> String {
        let id = Catalog.newID()
        let name = try input.string("name", max: 300)
        let slugGiven = try input.optionalString("slug", max: 200)
        let slug = try Slug.from(slugGiven, name: name, fallback: "product-\(id.prefix(8))", field: "slug")
        let description = try input.optionalString("description", max: 20_000) ?? ""
        let status = try ProductStatus.read(input, "status") ?? "draft"
        let brandID = try input.optionalID("brand_id")
        let categoryIDs = try readIDs(input, "category_ids") ?? []
        let attributes = try readAttributes(input) ?? [:]
        let axes = try readAxes(input)
        let variants = try (input.optionalObjects("variants") ?? []).map { (v: JSONInput) throws(CatalogError) in try VariantDraft.read(v, axes: axes, catalog: self) }
        try VariantDraft.checkUnique(variants)
        if status == "active", variants.isEmpty { throw CatalogError.invalid("status", "an active product needs at least one variant") }

        try sql.transaction {
            var finalSlug = slug
            if try sql.execute("SELECT 1 FROM products WHERE slug = $1", slug).count > 0 {
                // A slug made from the name gets the id's prefix; a slug the caller chose is refused.
                guard slugGiven == nil else { throw CatalogError.conflict("slug", "slug '\(slug)' is already used by another product") }
                finalSlug = "\(slug)-\(id.prefix(8))"
            }
            try requireBrand(brandID, field: "brand_id")
            do {
                try sql.execute("""
                    INSERT INTO products (id, slug, name, description, status, brand_id, option_axes)
                    VALUES ($1::uuid, $2, $3, $4, $5, $6::uuid, ARRAY(SELECT jsonb_array_elements_text($7::jsonb)))
                    """, id, finalSlug, name, description, status, brandID, JSON.text(axes))
            } catch let e as SQLError {
                throw e.asCatalogError(field: "slug", conflict: "slug '\(finalSlug)' is already used by another product")
            }
            try setCategories(id, categoryIDs, field: "category_ids")
            try setAttributes(id, attributes)
            for (position, draft) in variants.enumerated() { try insertVariant(productID: id, draft, position: position) }
            try publishCreated(id)
        }
        return id
    }

    /// Changes the fields present in the body; publishes `catalog.product.updated` naming them,
    /// and `catalog.product.archived` when the status becomes archived.
    func updateProduct(_ id: String, _ input: JSONInput) throws {
        try sql.transaction {
            guard let current = try sql.execute("""
                SELECT slug, name, description, status, brand_id::text, array_to_json(option_axes)::text AS axes,
                       (SELECT count(*) FROM variants v WHERE v.product_id = p.id) AS variant_count
                FROM products p WHERE id = $1::uuid FOR UPDATE
                """, id).first else { throw CatalogError.notFound("product '\(id)'") }
            var changed: [String] = []
            let oldStatus = try current.requiredString("status")
            var slug = try current.requiredString("slug"), name = try current.requiredString("name")
            var description = try current.requiredString("description"), status = oldStatus
            var brandID = try current.string("brand_id")
            var axes = (Self.decode(try current.requiredString("axes")) as? [String]) ?? []
            let variantCount = try current.requiredInt64("variant_count")

            if let v = try input.optionalString("name", max: 300) {
                guard !v.trimmingCharacters(in: .whitespaces).isEmpty else { throw CatalogError.invalid("name", "must not be empty") }
                if v != name { name = v; changed.append("name") }
            }
            if let v = try input.optionalString("slug", max: 200) {
                guard Slug.isValid(v) else { throw CatalogError.invalid("slug", "\"\(v)\" is not a slug (lower-case letters and digits joined by single hyphens)") }
                if v != slug { slug = v; changed.append("slug") }
            }
            if let v = try input.optionalString("description", max: 20_000), v != description { description = v; changed.append("description") }
            if let v = try ProductStatus.read(input, "status"), v != status {
                if v == "active", variantCount == 0 { throw CatalogError.invalid("status", "an active product needs at least one variant") }
                status = v
                changed.append("status")
            }
            if input.has("brand_id") {
                let v = try input.isNull("brand_id") ? nil : input.optionalID("brand_id")
                try requireBrand(v, field: "brand_id")
                if v != brandID { brandID = v; changed.append("brand") }
            }
            if input.has("option_axes") {
                let v = try readAxes(input)
                if v != axes {
                    guard variantCount == 0 else { throw CatalogError.conflict("option_axes", "cannot change while the product has variants; remove them first") }
                    axes = v
                    changed.append("option_axes")
                }
            }
            do {
                try sql.execute("""
                    UPDATE products SET slug = $2, name = $3, description = $4, status = $5, brand_id = $6::uuid,
                           option_axes = ARRAY(SELECT jsonb_array_elements_text($7::jsonb)), updated_at = now()
                    WHERE id = $1::uuid
                    """, id, slug, name, description, status, brandID, JSON.text(axes))
            } catch let e as SQLError {
                throw e.asCatalogError(field: "slug", conflict: "slug '\(slug)' is already used by another product")
            }
            if let ids = try readIDs(input, "category_ids") {
                try setCategories(id, ids, field: "category_ids")
                changed.append("categories")
            }
            if let attributes = try readAttributes(input) {
                try setAttributes(id, attributes)
                changed.append("attributes")
            }
            try publishUpdated(id, changed: changed)
            if status == "archived", oldStatus != "archived" { try publishArchived(id, slug: slug) }
        }
    }

    /// Archives a product (DELETE): it stays for the orders that name it, but is no longer sold.
    func archiveProduct(_ id: String) throws {
        try sql.transaction {
            guard let row = try sql.execute("SELECT slug, status FROM products WHERE id = $1::uuid FOR UPDATE", id).first else {
                throw CatalogError.notFound("product '\(id)'")
            }
            guard try row.requiredString("status") != "archived" else { return }
            try sql.execute("UPDATE products SET status = 'archived', updated_at = now() WHERE id = $1::uuid", id)
            try publishUpdated(id, changed: ["status"])
            try publishArchived(id, slug: try row.requiredString("slug"))
        }
    }

    /// Replaces a product's categories.
    func setCategories(_ productID: String, _ ids: [String], field: String) throws {
        try sql.execute("DELETE FROM product_categories WHERE product_id = $1::uuid", productID)
        for (i, categoryID) in ids.enumerated() {
            guard try sql.execute("SELECT 1 FROM categories WHERE id = $1::uuid", categoryID).count == 1 else {
                throw CatalogError.invalid("\(field)[\(i)]", "category '\(categoryID)' does not exist")
            }
            try sql.execute("INSERT INTO product_categories (product_id, category_id) VALUES ($1::uuid, $2::uuid)", productID, categoryID)
        }
    }

    /// Replaces a product's attributes.
    func setAttributes(_ productID: String, _ attributes: [String: String]) throws {
        try sql.execute("DELETE FROM product_attributes WHERE product_id = $1::uuid", productID)
        guard !attributes.isEmpty else { return }
        try sql.execute("""
            INSERT INTO product_attributes (product_id, name, value) SELECT $1::uuid, key, value FROM jsonb_each_text($2::jsonb)
            """, productID, JSON.text(attributes))
    }

    func requireBrand(_ brandID: String?, field: String) throws {
        guard let brandID else { return }
        guard try sql.execute("SELECT 1 FROM brands WHERE id = $1::uuid", brandID).count == 1 else {
            throw CatalogError.invalid(field, "brand '\(brandID)' does not exist")
        }
    }
}
