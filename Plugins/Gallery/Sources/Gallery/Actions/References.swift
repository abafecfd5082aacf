import EOPSDK
import Foundation

/// Owners in other modules that use a medium (e.g. `catalog.product` 42). They come in
/// through the `gallery.media.reference` / `gallery.media.release` commands (Catalog) or
/// the staff API, and block deletion without force.
extension Gallery {
    struct Reference {
        let mediaID: String
        let ownerType: String
        let ownerID: String
        let role: String

        /// From a command payload or a route body; the error names the field.
        init(mediaID: String?, _ object: [String: Any]) throws(GalleryError) {
            guard let mediaID, !mediaID.isEmpty else { throw .badRequest("media_id", "is required") }
            guard let type = object["owner_type"] as? String, !type.isEmpty, type.count <= 64 else {
                throw .badRequest("owner_type", "is required: a string of 1…64 characters, e.g. catalog.product")
            }
            guard let owner = object["owner_id"] as? String, !owner.isEmpty, owner.count <= 200 else {
                throw .badRequest("owner_id", "is required: a string of 1…200 characters")
            }
            let role = object["role"] as? String ?? ""
            guard role.count <= 64 else { throw .badRequest("role", "is longer than 64 characters") }
            self.mediaID = mediaID
            ownerType = type
            ownerID = owner
            self.role = role
        }
    }

    /// Records the reference (again: updates its role); answers the medium's references.
    func attach(_ reference: Reference) throws -> [String: Any] {
        _ = try medium(reference.mediaID)
        try sql.execute("""
            INSERT INTO media_references (media_id, owner_type, owner_id, role) VALUES ($1::uuid, $2, $3, $4)
            ON CONFLICT (media_id, owner_type, owner_id) DO UPDATE SET role = EXCLUDED.role
            """, reference.mediaID, reference.ownerType, reference.ownerID, reference.role)
        return try referencesAnswer(reference.mediaID)
    }

    /// Removes the reference; 404 when the medium has none like it.
    func release(_ reference: Reference) throws -> [String: Any] {
        _ = try medium(reference.mediaID)
        let result = try sql.execute("DELETE FROM media_references WHERE media_id = $1::uuid AND owner_type = $2 AND owner_id = $3",
                                     reference.mediaID, reference.ownerType, reference.ownerID)
        guard result.affected > 0 else {
            throw GalleryError.notFound("a reference from \(reference.ownerType) \(reference.ownerID) to medium \(reference.mediaID)")
        }
        return try referencesAnswer(reference.mediaID)
    }

    private func referencesAnswer(_ id: String) throws -> [String: Any] {
        ["media_id": id, "references": try medium(id)["references"] ?? []]
    }
}
