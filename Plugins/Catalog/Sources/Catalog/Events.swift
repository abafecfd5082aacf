import EOPSDK
import Foundation

/// The facts Catalog publishes (schemas in Manifests/events/catalog.*.json). Each is
/// published inside the transaction that made the change, so it is sent exactly when
/// the change commits.
extension Catalog {
    /// `catalog.product.created`, with the product's variants as written.
    func publishCreated(_ productID: String) throws {
        var payload = try productHeader(productID)
        payload["variants"] = try sql.execute("SELECT id::text, sku, price, currency FROM variants WHERE product_id = $1::uuid ORDER BY position, sku", productID)
            .map { r in ["variant_id": try r.requiredString("id"), "sku": try r.requiredString("sku"), "price": try r.requiredInt64("price"),
                         "currency": try r.requiredString("currency")] }
        try host.publish("catalog.product.created", json: JSON.text(payload), schemaVersion: 1)
    }

    /// `catalog.product.updated`, naming the changed fields.
    func publishUpdated(_ productID: String, changed: [String]) throws {
        guard !changed.isEmpty else { return }
        var payload = try productHeader(productID)
        payload["changed"] = Array(Set(changed)).sorted()
        try host.publish("catalog.product.updated", json: JSON.text(payload), schemaVersion: 1)
    }

    /// `catalog.product.archived`.
    func publishArchived(_ productID: String, slug: String) throws {
        try host.publish("catalog.product.archived", json: JSON.text(["product_id": productID, "slug": slug]), schemaVersion: 1)
    }

    /// `catalog.price.changed` for one variant: `base` (with the previous price), `tiers` or `flash_sale` (with the window).
    func publishPriceChanged(variantID: String, kind: String, extra: [String: Any] = [:]) throws {
        let rows = try sql.execute("SELECT product_id::text, sku, price, currency FROM variants WHERE id = $1::uuid", variantID)
        guard let v = rows.first else { return }
        var payload: [String: Any] = ["variant_id": variantID, "product_id": try v.requiredString("product_id"), "sku": try v.requiredString("sku"),
                                      "currency": try v.requiredString("currency"), "kind": kind]
        if kind == "base" { payload["price"] = try v.requiredInt64("price") }
        payload.merge(extra) { _, new in new }
        try host.publish("catalog.price.changed", json: JSON.text(payload), schemaVersion: 1)
    }

    private func productHeader(_ productID: String) throws -> [String: Any] {
        guard let p = try sql.execute("SELECT slug, name, status FROM products WHERE id = $1::uuid", productID).first else {
            throw CatalogError.notFound("product '\(productID)'")
        }
        return ["product_id": productID, "slug": try p.requiredString("slug"), "name": try p.requiredString("name"), "status": try p.requiredString("status")]
    }
}
