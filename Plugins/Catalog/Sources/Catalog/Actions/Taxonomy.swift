import EOPSDK
import Foundation

/// Categories (a tree) and brands.
extension Catalog {
    /// The whole tree, roots first, children nested, by position then name.
    func categoryTree() throws -> [String: Any] {
        let rows = try sql.execute("SELECT id::text, parent_id::text, name, slug, position FROM categories ORDER BY position, lower(name), id")
        var children: [String: [[String: Any]]] = [:]
        for r in rows {
            let node: [String: Any] = ["id": try r.requiredString("id"), "name": try r.requiredString("name"), "slug": try r.requiredString("slug"),
                                       "position": try r.requiredInt64("position"), "parent_id": try r.string("parent_id") ?? NSNull()]
            children[try r.string("parent_id") ?? "", default: []].append(node)
        }
        return ["categories": Self.nest(children[""] ?? [], children)]
    }

    private static func nest(_ list: [[String: Any]], _ children: [String: [[String: Any]]]) -> [[String: Any]] {
        list.map { node in
            var n = node
            n["children"] = nest(children[node["id"] as? String ?? ""] ?? [], children)
            return n
        }
    }

    func createCategory(_ input: JSONInput) throws -> [String: Any] {
        let id = Catalog.newID()
        let name = try input.string("name", max: 200)
        let slug = try Slug.from(input.optionalString("slug", max: 200), name: name, fallback: "category-\(id.prefix(8))", field: "slug")
        let parent = try input.optionalID("parent_id")
        let position = try input.optionalInt("position", min: 0, max: 1_000_000) ?? 0
        try sql.transaction {
            if let parent, try sql.execute("SELECT 1 FROM categories WHERE id = $1::uuid", parent).count == 0 {
                throw CatalogError.invalid("parent_id", "category '\(parent)' does not exist")
            }
            try insertCategory(id: id, name: name, slug: slug, parent: parent, position: position)
        }
        return ["id": id, "name": name, "slug": slug, "parent_id": parent ?? NSNull(), "position": position]
    }

    func insertCategory(id: String, name: String, slug: String, parent: String?, position: Int64) throws {
        try uniqueCategory(name: name, slug: slug) {
            try sql.execute("INSERT INTO categories (id, parent_id, name, slug, position) VALUES ($1::uuid, $2::uuid, $3, $4, $5)",
                            id, parent, name, slug, position)
        }
    }

    /// Renames or moves a category; a move under itself or its own subcategory is refused.
    func updateCategory(_ id: String, _ input: JSONInput) throws {
        try sql.transaction {
            guard let row = try sql.execute("SELECT name, slug, parent_id::text, position FROM categories WHERE id = $1::uuid FOR UPDATE", id).first else {
                throw CatalogError.notFound("category '\(id)'")
            }
            var name = try row.requiredString("name"), slug = try row.requiredString("slug"), parent = try row.string("parent_id")
            var position = try row.requiredInt64("position")
            if let v = try input.optionalString("name", max: 200) {
                guard !v.trimmingCharacters(in: .whitespaces).isEmpty else { throw CatalogError.invalid("name", "must not be empty") }
                name = v
            }
            if let v = try input.optionalString("slug", max: 200) { slug = try Slug.from(v, name: name, fallback: slug, field: "slug") }
            if let v = try input.optionalInt("position", min: 0, max: 1_000_000) { position = v }
            if input.has("parent_id") {
                parent = try input.isNull("parent_id") ? nil : input.optionalID("parent_id")
                if let parent {
                    let cycle = try sql.execute("""
                        WITH RECURSIVE sub AS (SELECT id FROM categories WHERE id = $1::uuid UNION ALL SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id)
                        SELECT EXISTS (SELECT 1 FROM sub WHERE id = $2::uuid) AS inside, EXISTS (SELECT 1 FROM categories WHERE id = $2::uuid) AS known
                        """, id, parent)
                    guard try cycle[0].bool("known") == true else { throw CatalogError.invalid("parent_id", "category '\(parent)' does not exist") }
                    guard try cycle[0].bool("inside") == false else { throw CatalogError.invalid("parent_id", "a category cannot move under itself or its own subcategory") }
                }
            }
            try uniqueCategory(name: name, slug: slug) {
                try sql.execute("UPDATE categories SET name = $2, slug = $3, parent_id = $4::uuid, position = $5 WHERE id = $1::uuid", id, name, slug, parent, position)
            }
        }
    }

    /// Deletes a category without subcategories or products.
    func deleteCategory(_ id: String) throws {
        if try sql.execute("SELECT 1 FROM categories WHERE parent_id = $1::uuid LIMIT 1", id).count > 0 {
            throw CatalogError.conflict("id", "the category has subcategories; move or delete them first")
        }
        if try sql.execute("SELECT 1 FROM product_categories WHERE category_id = $1::uuid LIMIT 1", id).count > 0 {
            throw CatalogError.conflict("id", "products are in this category; take them out first")
        }
        guard try sql.execute("DELETE FROM categories WHERE id = $1::uuid", id).affected == 1 else { throw CatalogError.notFound("category '\(id)'") }
    }

    func brands() throws -> [String: Any] {
        ["brands": try sql.execute("SELECT id::text, name, slug FROM brands ORDER BY lower(name), id").map { r in
            ["id": try r.requiredString("id"), "name": try r.requiredString("name"), "slug": try r.requiredString("slug")]
        }]
    }

    func createBrand(_ input: JSONInput) throws -> [String: Any] {
        let id = Catalog.newID()
        let name = try input.string("name", max: 200)
        let slug = try Slug.from(input.optionalString("slug", max: 200), name: name, fallback: "brand-\(id.prefix(8))", field: "slug")
        try insertBrand(id: id, name: name, slug: slug)
        return ["id": id, "name": name, "slug": slug]
    }

    func insertBrand(id: String, name: String, slug: String) throws {
        try uniqueBrand(name: name, slug: slug) { try sql.execute("INSERT INTO brands (id, name, slug) VALUES ($1::uuid, $2, $3)", id, name, slug) }
    }

    func updateBrand(_ id: String, _ input: JSONInput) throws -> [String: Any] {
        guard let row = try sql.execute("SELECT name, slug FROM brands WHERE id = $1::uuid", id).first else { throw CatalogError.notFound("brand '\(id)'") }
        let name = try input.optionalString("name", max: 200) ?? row.requiredString("name")
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw CatalogError.invalid("name", "must not be empty") }
        let slug = try Slug.from(input.optionalString("slug", max: 200) ?? row.requiredString("slug"), name: name, fallback: "", field: "slug")
        try uniqueBrand(name: name, slug: slug) { try sql.execute("UPDATE brands SET name = $2, slug = $3 WHERE id = $1::uuid", id, name, slug) }
        return ["id": id, "name": name, "slug": slug]
    }

    func deleteBrand(_ id: String) throws {
        if let p = try sql.execute("SELECT slug FROM products WHERE brand_id = $1::uuid LIMIT 1", id).first {
            throw CatalogError.conflict("id", "product '\(try p.requiredString("slug"))' has this brand; change it first")
        }
        guard try sql.execute("DELETE FROM brands WHERE id = $1::uuid", id).affected == 1 else { throw CatalogError.notFound("brand '\(id)'") }
    }

    /// Runs a category write, turning a unique violation into a conflict naming the field.
    private func uniqueCategory(name: String, slug: String, _ write: () throws -> Void) throws {
        do { try write() } catch let e as SQLError where e.isUniqueViolation {
            throw e.message.contains("categories_sibling_name") ? CatalogError.conflict("name", "a category named '\(name)' already exists there")
                : CatalogError.conflict("slug", "slug '\(slug)' is already used by another category")
        }
    }

    /// Runs a brand write, turning a unique violation into a conflict naming the field.
    private func uniqueBrand(name: String, slug: String, _ write: () throws -> Void) throws {
        do { try write() } catch let e as SQLError where e.isUniqueViolation {
            throw e.message.contains("brands_name") ? CatalogError.conflict("name", "a brand named '\(name)' already exists")
                : CatalogError.conflict("slug", "slug '\(slug)' is already used by another brand")
        }
    }
}
