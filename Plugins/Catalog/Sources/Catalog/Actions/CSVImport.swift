import EOPPlatformKit
import EOPSDK
import Foundation

/// CSV import and export of products. One row per variant; rows with the same `product`
/// (the product's slug) are one product, whose fields come from its first row.
///
///     product,name,status,description,brand,categories,sku,options,price,currency,attributes
///     tee,Tee,active,Soft,Acme,Clothing > Shirts|Sale,TEE-M,size=M;colour=red,19.99,EUR,material=cotton
///
/// `price` is a decimal in the currency's major unit (19.99); `categories` are paths joined
/// by `|`, levels by `>` (missing brands and categories are created); `options` and
/// `attributes` are `name=value` pairs joined by `;`. Import upserts: a product by slug,
/// a variant by SKU (a SKU of another product is refused).
enum CatalogCSV {
    static let columns = ["product", "name", "status", "description", "brand", "categories", "sku", "options", "price", "currency", "attributes"]
    static let required = ["product", "name", "sku", "price"]
}

/// A refused row: its line in the file, the column, and why.
struct RowError: Error {
    var line: Int
    var field: String
    var reason: String
    var json: [String: Any] { ["line": line, "field": field, "reason": reason] }
}

/// A row that passed every check that needs no database.
private struct ImportRow {
    var line: Int
    var slug: String
    var name: String
    var status: String
    var description: String
    var brand: String?
    var categories: [[String]]
    var sku: String
    var options: [(String, String)]
    var price: Int64
    var currency: String
    var attributes: [String: String]
}

extension Catalog {
    /// POST /api/catalog/import. Good rows are written in one transaction (each variant
    /// behind a savepoint, so a row PostgreSQL refuses leaves the rest); bad rows are
    /// reported by line and field. Answers counts and the report.
    func importCSV(_ body: [UInt8]) throws -> [String: Any] {
        let records: [CSV.Record]
        do throws(CSV.ParseError) { records = try CSV.parse(body) } catch {
            throw CatalogError(400, field: "line \(error.line)", "the CSV cannot be read past line \(error.line): \(error.reason)")
        }
        guard let header = records.first else { throw CatalogError.invalid("(body)", "the CSV is empty; the first line names the columns") }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for (i, name) in names.enumerated() where !CatalogCSV.columns.contains(name) {
            throw CatalogError.invalid("line 1, column \(i + 1)", "unknown column '\(name)' (known: \(CatalogCSV.columns.joined(separator: ", ")))")
        }
        for name in CatalogCSV.required where !names.contains(name) {
            throw CatalogError.invalid("line 1", "the column '\(name)' is required")
        }
        var errors: [RowError] = []
        var rows: [ImportRow] = []
        var skuLines: [String: Int] = [:]
        for record in records.dropFirst() {
            guard record.fields.count == names.count else {
                errors.append(RowError(line: record.line, field: "(row)", reason: "has \(record.fields.count) fields; the header has \(names.count)"))
                continue
            }
            let cells = Dictionary(uniqueKeysWithValues: zip(names, record.fields.map { $0.trimmingCharacters(in: .whitespaces) }))
            do {
                let row = try readRow(cells, line: record.line)
                if let first = skuLines[row.sku.lowercased()] { throw RowError(line: row.line, field: "sku", reason: "SKU '\(row.sku)' is also on line \(first)") }
                skuLines[row.sku.lowercased()] = row.line
                rows.append(row)
            } catch let e as RowError {
                errors.append(e)
            }
        }
        rows = try refuseSKUsOfOtherProducts(rows, errors: &errors)
        rows = refuseMixedAxes(rows, errors: &errors)

        let (created, updated, variantsWritten) = try sql.transaction { try writeImport(rows, errors: &errors) }
        if variantsWritten > 0 { refreshStatistics() }
        errors.sort { ($0.line, $0.field) < ($1.line, $1.field) }
        let badLines = Set(errors.map(\.line))
        return ["rows": records.count - 1, "imported_rows": variantsWritten, "rejected_rows": badLines.count,
                "products_created": created, "products_updated": updated, "errors": errors.map(\.json)]
    }

    /// Fresh planner statistics after an import. An import can grow the tables from a few
    /// rows to thousands at once; until autovacuum notices (up to a minute or more later) the
    /// planner still believes they are tiny, and a listing then gathers and sorts every product
    /// of a category instead of walking the name index for one page. The import has committed
    /// by now, so a failure here is only logged.
    private func refreshStatistics() {
        do {
            try sql.execute("ANALYZE products, variants, product_categories, product_attributes")
        } catch {
            host.log(.warning, "catalog: ANALYZE after the CSV import failed (\(error)); listings may be slow until autovacuum analyzes")
        }
    }

    /// Writes the rows that passed the checks, product by product; returns (created, updated, variants written).
    private func writeImport(_ rows: [ImportRow], errors: inout [RowError]) throws -> (Int, Int, Int) {
        var created = 0, updated = 0, variantsWritten = 0
        var brands: [String: String] = [:], categories: [String: String] = [:]
        var order: [String] = []
        var groups: [String: [ImportRow]] = [:]
        for row in rows {
            if groups[row.slug] == nil { order.append(row.slug) }
            groups[row.slug, default: []].append(row)
        }
        for slug in order {
            let group = groups[slug]!
            let first = group[0]
            let brand = try first.brand.map { try brandID(named: $0, cache: &brands) }
            var categoryIDs: [String] = []
            for path in first.categories { categoryIDs.append(try categoryID(path: path, cache: &categories)) }
            let axes = first.options.map(\.0)
            let product = try sql.execute("""
                INSERT INTO products (id, slug, name, description, status, brand_id, option_axes)
                VALUES ($1::uuid, $2, $3, $4, $5, $6::uuid, ARRAY(SELECT jsonb_array_elements_text($7::jsonb)))
                ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, status = EXCLUDED.status,
                    brand_id = EXCLUDED.brand_id, option_axes = EXCLUDED.option_axes, updated_at = now()
                RETURNING id::text, (xmax = 0) AS inserted
                """, Catalog.newID(), slug, first.name, first.description, first.status, brand, JSON.text(axes))[0]
            let productID = try product.requiredString("id")
            let inserted = try product.bool("inserted") == true
            try setCategories(productID, categoryIDs, field: "categories")
            try setAttributes(productID, first.attributes)
            var written = 0
            for (position, row) in group.enumerated() {
                if let error = try upsertVariant(productID: productID, row, position: position) {
                    errors.append(error)
                } else {
                    written += 1
                }
            }
            variantsWritten += written
            if inserted { created += 1; try publishCreated(productID) } else { updated += 1; try publishUpdated(productID, changed: ["import"]) }
        }
        return (created, updated, variantsWritten)
    }

    /// Checks one row's fields; the first bad one is reported.
    private func readRow(_ cells: [String: String], line: Int) throws(RowError) -> ImportRow {
        func cell(_ name: String) -> String { cells[name] ?? "" }
        func fail(_ field: String, _ reason: String) -> RowError { RowError(line: line, field: field, reason: reason) }
        let slug = cell("product")
        guard Slug.isValid(slug) else { throw fail("product", "\"\(slug)\" is not a slug (lower-case letters and digits joined by single hyphens)") }
        let name = cell("name")
        guard (1...300).contains(name.count) else { throw fail("name", "must be 1 to 300 characters") }
        let status = cell("status").isEmpty ? "draft" : cell("status").lowercased()
        guard ProductStatus.all.contains(status) else { throw fail("status", "\"\(cell("status"))\" is not one of draft, active, archived") }
        let sku: String
        do throws(CatalogError) { sku = try VariantDraft.readSKU(cell("sku"), field: "sku") } catch { throw fail("sku", error.reason) }
        let code = cell("currency").isEmpty ? defaultCurrency.code : cell("currency").uppercased()
        guard let currency = Currency.find(code) else { throw fail("currency", "unknown currency code '\(cell("currency"))'") }
        let price: Int64
        do throws(MoneyError) { price = try MoneyFormatter.parse(decimalString: cell("price"), currency: currency).minorUnits } catch { throw fail("price", error.description) }
        guard price >= 0 else { throw fail("price", "must not be negative") }
        let options: [(String, String)]
        do throws(CatalogError) { options = try Self.pairs(cell("options")) } catch { throw fail("options", error.reason) }
        guard Set(options.map(\.0)).count == options.count else { throw fail("options", "names an option twice") }
        let attributes: [(String, String)]
        do throws(CatalogError) { attributes = try Self.pairs(cell("attributes")) } catch { throw fail("attributes", error.reason) }
        let categories = cell("categories").split(separator: "|").map { path in
            path.split(separator: ">").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        guard categories.allSatisfy({ !$0.isEmpty && $0.allSatisfy { (1...200).contains($0.count) } }) else {
            throw fail("categories", "a path is names joined by '>' and paths are joined by '|' (e.g. Clothing > Shirts|Sale)")
        }
        let brand = cell("brand")
        guard brand.count <= 200 else { throw fail("brand", "is longer than 200 characters") }
        return ImportRow(line: line, slug: slug, name: name, status: status, description: cell("description"), brand: brand.isEmpty ? nil : brand,
                         categories: categories, sku: sku, options: options, price: price, currency: currency.code,
                         attributes: Dictionary(attributes, uniquingKeysWith: { _, last in last }))
    }

    /// `size=M;colour=red` as ordered pairs.
    private static func pairs(_ text: String) throws(CatalogError) -> [(String, String)] {
        var out: [(String, String)] = []
        for part in text.split(separator: ";") where !part.trimmingCharacters(in: .whitespaces).isEmpty {
            let kv = part.split(separator: "=", maxSplits: 1)
            let key = kv.first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            let value = kv.count == 2 ? kv[1].trimmingCharacters(in: .whitespaces) : ""
            guard kv.count == 2, (1...100).contains(key.count), (1...500).contains(value.count) else {
                throw .invalid("", "\"\(part)\" is not name=value")
            }
            out.append((key, value))
        }
        return out
    }

    /// Refuses rows whose SKU belongs to a variant of another product.
    private func refuseSKUsOfOtherProducts(_ rows: [ImportRow], errors: inout [RowError]) throws -> [ImportRow] {
        guard !rows.isEmpty else { return rows }
        var owners: [String: String] = [:]
        for r in try sql.execute("""
            SELECT lower(v.sku) AS sku, p.slug FROM variants v JOIN products p ON p.id = v.product_id
            WHERE lower(v.sku) IN (SELECT lower(x) FROM jsonb_array_elements_text($1::jsonb) x)
            """, JSON.text(rows.map(\.sku))) {
            owners[try r.requiredString("sku")] = try r.requiredString("slug")
        }
        return rows.filter { row in
            guard let owner = owners[row.sku.lowercased()], owner != row.slug else { return true }
            errors.append(RowError(line: row.line, field: "sku", reason: "SKU '\(row.sku)' is already used by product '\(owner)'"))
            return false
        }
    }

    /// All rows of one product name the same option axes, and no two the same values.
    private func refuseMixedAxes(_ rows: [ImportRow], errors: inout [RowError]) -> [ImportRow] {
        var axes: [String: (axes: [String], line: Int)] = [:]
        var combos: [String: Int] = [:]
        return rows.filter { row in
            let names = row.options.map(\.0)
            if let first = axes[row.slug], first.axes != names {
                errors.append(RowError(line: row.line, field: "options", reason: "names \(names.isEmpty ? "no options" : names.joined(separator: ", ")); line \(first.line) of this product names \(first.axes.isEmpty ? "none" : first.axes.joined(separator: ", "))"))
                return false
            }
            axes[row.slug] = axes[row.slug] ?? (names, row.line)
            let combo = row.slug + "\u{0}" + JSON.text(Dictionary(row.options, uniquingKeysWith: { a, _ in a }))
            if let first = combos[combo] {
                errors.append(RowError(line: row.line, field: "options", reason: "line \(first) gives this product the same options"))
                return false
            }
            combos[combo] = row.line
            return true
        }
    }

    /// Writes one variant behind a savepoint; a refusal by PostgreSQL becomes the row's error.
    private func upsertVariant(productID: String, _ row: ImportRow, position: Int) throws -> RowError? {
        try sql.execute("SAVEPOINT import_row")
        do {
            let options = JSON.text(Dictionary(row.options, uniquingKeysWith: { a, _ in a }))
            let previous = try sql.execute("SELECT price FROM variants WHERE lower(sku) = lower($1) AND product_id = $2::uuid", row.sku, productID).first
            let written = try sql.execute("""
                INSERT INTO variants (id, product_id, sku, options, price, currency, position) VALUES ($1::uuid, $2::uuid, $3, $4::jsonb, $5, $6, $7)
                ON CONFLICT ((lower(sku))) DO UPDATE SET sku = EXCLUDED.sku, options = EXCLUDED.options, price = EXCLUDED.price,
                    currency = EXCLUDED.currency, position = EXCLUDED.position
                WHERE variants.product_id = EXCLUDED.product_id
                RETURNING id::text
                """, Catalog.newID(), productID, row.sku, options, row.price, row.currency, position)
            guard let id = try written.first?.requiredString("id") else {
                try sql.execute("ROLLBACK TO SAVEPOINT import_row")
                return RowError(line: row.line, field: "sku", reason: "SKU '\(row.sku)' is already used by another product")
            }
            if let old = try previous?.requiredInt64("price"), old != row.price {
                try publishPriceChanged(variantID: id, kind: "base", extra: ["previous_price": old])
            }
            try sql.execute("RELEASE SAVEPOINT import_row")
            return nil
        } catch let e as SQLError {
            try sql.execute("ROLLBACK TO SAVEPOINT import_row")
            let field = e.message.contains("variants_product_id_options_key") ? "options" : e.message.contains("variants_sku") ? "sku" : "(row)"
            return RowError(line: row.line, field: field, reason: e.isUniqueViolation && field == "options"
                            ? "another variant of product '\(row.slug)' has the same options" : e.message)
        }
    }

    /// A brand's id by name (any case), created when missing.
    private func brandID(named name: String, cache: inout [String: String]) throws -> String {
        if let id = cache[name.lowercased()] { return id }
        let id: String
        if let row = try sql.execute("SELECT id::text FROM brands WHERE lower(name) = lower($1)", name).first {
            id = try row.requiredString("id")
        } else {
            id = Catalog.newID()
            let base = Slug.make(name) ?? "brand"
            let taken = try sql.execute("SELECT 1 FROM brands WHERE slug = $1", base).count > 0
            try insertBrand(id: id, name: name, slug: taken ? "\(base)-\(id.prefix(8))" : base)
        }
        cache[name.lowercased()] = id
        return id
    }

    /// The id of the category at a path of names from the root, creating what is missing.
    private func categoryID(path: [String], cache: inout [String: String]) throws -> String {
        var parent: String?
        var key = ""
        for name in path {
            key += "/" + name.lowercased()
            if let id = cache[key] { parent = id; continue }
            let found = try sql.execute("""
                SELECT id::text FROM categories WHERE lower(name) = lower($1) AND parent_id IS NOT DISTINCT FROM $2::uuid
                """, name, parent).first
            let id: String
            if let found {
                id = try found.requiredString("id")
            } else {
                id = Catalog.newID()
                let base = Slug.make(name) ?? "category"
                let taken = try sql.execute("SELECT 1 FROM categories WHERE slug = $1", base).count > 0
                try insertCategory(id: id, name: name, slug: taken ? "\(base)-\(id.prefix(8))" : base, parent: parent, position: 0)
            }
            cache[key] = id
            parent = id
        }
        return parent!
    }
}
