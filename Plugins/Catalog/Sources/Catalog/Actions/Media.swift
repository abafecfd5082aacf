import EOPABI
import EOPSDK
import Foundation

/// A product's pictures come from Gallery, through its declared topics only: Catalog asks
/// `gallery.media.get` for the URLs and alt text, and holds each medium with
/// `gallery.media.reference` (owner `catalog.product`, the product id) so Gallery refuses to
/// delete it without force; a medium dropped from the list is released.
extension Catalog {
    static let mediaOwner = "catalog.product"

    /// `PUT /api/catalog/products/{id}/media` with `{"media": [{"id": "<uuid>", "alt"?: "…"}]}`:
    /// the product's pictures, in order (an empty list removes them all).
    func setMedia(productID: String, _ input: JSONInput) throws {
        guard let list = input.object["media"] as? [Any] else { throw CatalogError.invalid("media", "must be a list of {\"id\", \"alt\"?}") }
        guard list.count <= 50 else { throw CatalogError.invalid("media", "at most 50 pictures per product") }
        guard try sql.execute("SELECT 1 FROM products WHERE id = $1::uuid", productID).first != nil else { throw CatalogError.notFound("product '\(productID)'") }
        var wanted: [(id: String, alt: String?)] = []
        for (i, raw) in list.enumerated() {
            let item = JSONInput(object: raw as? [String: Any] ?? [:], path: "media[\(i)]")
            let id = try item.string("id", max: 36).lowercased()
            guard UUID(uuidString: id) != nil else { throw CatalogError.invalid(item.field("id"), "is not a media id (UUID)") }
            guard !wanted.contains(where: { $0.id == id }) else { throw CatalogError.invalid(item.field("id"), "is listed twice") }
            wanted.append((id, try item.optionalString("alt", max: 1000)))
        }
        // Ask Gallery first: nothing is written unless every medium exists and is held.
        var rows: [(id: String, url: String, thumbnail: String?, alt: String)] = []
        for (i, w) in wanted.enumerated() {
            let medium = try gallery("gallery.media.get", ["media_id": w.id], field: "media[\(i)].id")
            guard let url = medium["url"] as? String else { throw CatalogError(502, "Gallery's answer for \(w.id) has no url") }
            let thumbnail = ((medium["variants"] as? [String: Any])?["medium"] as? [String: Any])?["url"] as? String
            rows.append((w.id, url, thumbnail, w.alt ?? (medium["alt"] as? String ?? "")))
        }
        for (i, w) in wanted.enumerated() {
            _ = try gallery("gallery.media.reference", ["media_id": w.id, "owner_type": Self.mediaOwner, "owner_id": productID], field: "media[\(i)].id")
        }
        let before = try sql.execute("SELECT media_id::text AS id FROM product_media WHERE product_id = $1::uuid", productID).map { try $0.requiredString("id") }
        try sql.transaction {
            try sql.execute("DELETE FROM product_media WHERE product_id = $1::uuid", productID)
            for (position, r) in rows.enumerated() {
                try sql.execute("INSERT INTO product_media (product_id, media_id, position, url, thumbnail_url, alt) VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6)",
                                productID, r.id, position, r.url, r.thumbnail, r.alt)
            }
        }
        for dropped in Set(before).subtracting(wanted.map(\.id)) {
            _ = try? gallery("gallery.media.release", ["media_id": dropped, "owner_type": Self.mediaOwner, "owner_id": productID], field: "media")
        }
    }

    /// A product's pictures for `productJSON`, in order.
    func productImages(_ productID: String) throws -> [[String: Any]] {
        try sql.execute("SELECT media_id::text AS id, url, thumbnail_url, alt FROM product_media WHERE product_id = $1::uuid ORDER BY position", productID).map { r in
            var image: [String: Any] = ["id": try r.requiredString("id"), "url": try r.requiredString("url"), "alt": try r.requiredString("alt")]
            if let thumbnail = try r.string("thumbnail_url") { image["thumbnail_url"] = thumbnail }
            return image
        }
    }

    /// One request to Gallery; its refusals name `field`, its absence says Gallery is not active.
    private func gallery(_ topic: String, _ payload: [String: String], field: String) throws -> [String: Any] {
        do {
            let reply = try host.request(topic, json: JSON.text(payload), timeoutMS: 5_000)
            return (try? JSONSerialization.jsonObject(with: Data(reply.utf8))) as? [String: Any] ?? [:]
        } catch {
            if error.status == EOP_ERR_NOT_FOUND || error.status == EOP_ERR_TIMEOUT || error.status == EOP_ERR_UNAVAILABLE {
                throw CatalogError(409, field: field, "Gallery is not active (\(topic): \(error.message)); pictures come from the Gallery module")
            }
            throw CatalogError.invalid(field, "Gallery refused: \(error.message)")
        }
    }
}
