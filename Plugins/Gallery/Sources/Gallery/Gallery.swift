import EOPSDK
import Foundation

/// The Gallery plugin's state: its database, its file store and its limits. Nothing here
/// changes after init, so route handlers share it across worker threads.
final class Gallery: Plugin, @unchecked Sendable {
    static let id = "gallery", version = "1.0.0"

    let host: HostAPI
    let sql: SQL
    let store: BlobStore
    /// Largest accepted file per kind, in bytes (settings max_image_bytes, …).
    let limits: [ContentType.Kind: Int]

    init(host: HostAPI) throws {
        self.host = host
        sql = try SQL(host: host)
        let configured = try host.stringSetting("storage_directory")
        // Empty: media/ under the working directory, as the issue asks.
        let root = configured.isEmpty
            ? URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("media")
            : URL(fileURLWithPath: configured)
        store = try BlobStore(root: root)
        var limits: [ContentType.Kind: Int] = [:]
        for kind in [ContentType.Kind.image, .video, .document] {
            let key = "max_\(kind.rawValue)_bytes"
            guard let value = Int(try host.setting(key)) else { throw PluginError("setting '\(key)' is not an integer") }
            limits[kind] = value
        }
        self.limits = limits
        host.log(.info, "gallery stores media in \(root.path)")
    }

    /// The JSON of one medium with its variants and references, built by PostgreSQL.
    static let mediumJSON = """
        json_build_object(
          'id', m.id, 'sha256', m.sha256, 'kind', m.kind, 'content_type', m.content_type, 'byte_size', m.byte_size,
          'file_name', m.file_name, 'width', m.width, 'height', m.height, 'alt', m.alt_text, 'tags', m.tags,
          'url', '/media/' || m.sha256 || '.' || m.extension, 'created_at', m.created_at, 'updated_at', m.updated_at,
          'variants', COALESCE((SELECT json_object_agg(v.name, json_build_object(
                         'url', '/media/' || v.sha256 || '.' || v.extension, 'sha256', v.sha256, 'width', v.width,
                         'height', v.height, 'content_type', v.content_type, 'byte_size', v.byte_size))
                       FROM variants v WHERE v.media_id = m.id), '{}'::json),
          'references', COALESCE((SELECT json_agg(json_build_object('owner_type', r.owner_type, 'owner_id', r.owner_id, 'role', r.role)
                                           ORDER BY r.owner_type, r.owner_id)
                         FROM media_references r WHERE r.media_id = m.id), '[]'::json)
        )::text
        """

    /// One medium as a JSON object; 404 when there is none with this id.
    func medium(_ id: String) throws -> [String: Any] {
        guard let uuid = UUID(uuidString: id) else { throw GalleryError.notFound("medium \(id)") }
        let rows = try sql.execute("SELECT \(Self.mediumJSON) AS medium FROM media m WHERE m.id = $1", uuid.uuidString.lowercased())
        guard let row = rows.first, let text = try row.string("medium") else { throw GalleryError.notFound("medium \(id)") }
        return try JSON.object(Array(text.utf8))
    }

    /// The medium whose original has this SHA-256, if stored.
    func medium(sha256: String) throws -> [String: Any]? {
        let rows = try sql.execute("SELECT \(Self.mediumJSON) AS medium FROM media m WHERE m.sha256 = $1", sha256)
        guard let text = try rows.first?.string("medium") else { return nil }
        return try JSON.object(Array(text.utf8))
    }
}
