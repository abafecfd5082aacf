import EOPPlatformKit
import Foundation

/// Product statuses. Only `active` products are listed publicly and quoted as available.
enum ProductStatus {
    static let all = ["draft", "active", "archived"]

    static func read(_ input: JSONInput, _ key: String) throws(CatalogError) -> String? {
        guard let s = try input.optionalString(key, max: 20) else { return nil }
        guard all.contains(s) else { throw .invalid(input.field(key), "\"\(s)\" is not one of draft, active, archived") }
        return s
    }
}

/// A validated variant from input, not yet written.
struct VariantDraft {
    var sku: String
    var options: [String: String]
    var price: Int64
    var currency: String
    var tiers: [TierDraft]
    /// Where it came from (`variants[2]`, or "" for a body that is the variant), for errors.
    var path: String

    /// The field path of one of its keys (`variants[2].sku`, or `sku`).
    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Reads one variant; its option keys must be exactly the product's axes.
    static func read(_ input: JSONInput, axes: [String], catalog: Catalog) throws(CatalogError) -> VariantDraft {
        let sku = try readSKU(input.string("sku", max: 100), field: input.field("sku"))
        let options = try input.optionalStringMap("options") ?? [:]
        try checkOptions(options, axes: axes, field: input.field("options"))
        let price = try input.int("price", max: 1_000_000_000_000)
        let currency = try catalog.currency(input.optionalString("currency", max: 3), field: input.field("currency")).code
        let tiers = try (input.optionalObjects("price_tiers") ?? []).map { (t: JSONInput) throws(CatalogError) in try TierDraft.read(t) }
        try TierDraft.checkUnique(tiers)
        return VariantDraft(sku: sku, options: options, price: price, currency: currency, tiers: tiers, path: input.path)
    }

    static func readSKU(_ sku: String, field: String) throws(CatalogError) -> String {
        let trimmed = sku.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 100 else { throw .invalid(field, "must be 1 to 100 characters") }
        guard trimmed.unicodeScalars.allSatisfy({ !CharacterSet.controlCharacters.contains($0) }) else {
            throw .invalid(field, "must not contain control characters")
        }
        return trimmed
    }

    static func checkOptions(_ options: [String: String], axes: [String], field: String) throws(CatalogError) {
        let missing = axes.filter { options[$0] == nil }
        let extra = options.keys.filter { !axes.contains($0) }.sorted()
        guard missing.isEmpty, extra.isEmpty else {
            let expected = axes.isEmpty ? "no options (the product has no option axes)" : "one value for each of \(axes.joined(separator: ", "))"
            throw .invalid(field, "must name \(expected)" + (extra.isEmpty ? "" : "; unknown: \(extra.joined(separator: ", "))"))
        }
        for (axis, value) in options where value.trimmingCharacters(in: .whitespaces).isEmpty || value.count > 100 {
            throw .invalid("\(field).\(axis)", "must be 1 to 100 characters")
        }
    }

    /// Refuses two drafts with one SKU or one option combination.
    static func checkUnique(_ drafts: [VariantDraft]) throws(CatalogError) {
        var skus: [String: String] = [:], combos: [String: String] = [:]
        for d in drafts {
            if let first = skus[d.sku.lowercased()] { throw .conflict(d.field("sku"), "SKU '\(d.sku)' is also given at \(first)") }
            skus[d.sku.lowercased()] = d.path
            let key = JSON.text(d.options)
            if let first = combos[key] { throw .conflict(d.field("options"), "the same options are also given at \(first)") }
            combos[key] = d.path
        }
    }
}

/// A price tier: a price for a customer group (nil: everyone) from a quantity on.
struct TierDraft {
    var customerGroup: String?
    var minQuantity: Int64
    var price: Int64
    var path: String

    static func read(_ input: JSONInput) throws(CatalogError) -> TierDraft {
        let group = try input.optionalString("customer_group", max: 100)
        if let group, group.isEmpty { throw .invalid(input.field("customer_group"), "must not be empty (leave it out for everyone)") }
        return TierDraft(customerGroup: group, minQuantity: try input.optionalInt("min_quantity", min: 1, max: 1_000_000) ?? 1,
                         price: try input.int("price", max: 1_000_000_000_000), path: input.path)
    }

    static func checkUnique(_ tiers: [TierDraft]) throws(CatalogError) {
        var seen: [String: String] = [:]
        for t in tiers {
            let key = "\(t.customerGroup ?? "")\u{0}\(t.minQuantity)"
            if let first = seen[key] { throw .conflict(t.path, "the same customer group and min_quantity are also given at \(first)") }
            seen[key] = t.path
        }
    }
}

/// Reads option axes (`["size", "colour"]`): distinct, non-empty names.
func readAxes(_ input: JSONInput) throws(CatalogError) -> [String] {
    let axes = try input.optionalStrings("option_axes") ?? []
    guard Set(axes.map { $0.lowercased() }).count == axes.count else { throw .invalid(input.field("option_axes"), "names an axis twice") }
    guard axes.count <= 5 else { throw .invalid(input.field("option_axes"), "allows at most 5 axes") }
    for (i, axis) in axes.enumerated() where axis.count > 50 { throw .invalid("\(input.field("option_axes"))[\(i)]", "is longer than 50 characters") }
    return axes
}

/// Reads free attributes (`{"material": "cotton"}`).
func readAttributes(_ input: JSONInput) throws(CatalogError) -> [String: String]? {
    guard let map = try input.optionalStringMap("attributes") else { return nil }
    for (name, value) in map {
        guard (1...100).contains(name.count) else { throw .invalid("\(input.field("attributes")).\(name)", "an attribute name is 1 to 100 characters") }
        guard value.count <= 500 else { throw .invalid("\(input.field("attributes")).\(name)", "is longer than 500 characters") }
    }
    return map
}

/// Reads a list of ids.
func readIDs(_ input: JSONInput, _ key: String) throws(CatalogError) -> [String]? {
    guard let list = try input.optionalStrings(key) else { return nil }
    var out: [String] = []
    for (i, s) in list.enumerated() {
        guard let id = UUID(uuidString: s) else { throw .invalid("\(input.field(key))[\(i)]", "\"\(s)\" is not an id") }
        let text = id.uuidString.lowercased()
        if !out.contains(text) { out.append(text) }
    }
    return out
}

/// A point in time given to the second (`2026-12-01T10:00:00Z` or with an offset).
func readWholeSecond(_ input: JSONInput, _ key: String) throws(CatalogError) -> Date {
    let text = try input.string(key, max: 40)
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    guard let date = formatter.date(from: text) else {
        throw .invalid(input.field(key), "\"\(text)\" is not a time to the second like 2026-12-01T10:00:00Z")
    }
    return date
}

/// ISO 8601 in UTC, to the second.
func isoSecond(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: date)
}

/// SQL text of a timestamptz column as ISO 8601 UTC, to the second.
func isoSQL(_ column: String) -> String {
    "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
}
