import EOPSDK
import Foundation

extension Gallery {
    /// `GET /api/gallery/media?tag=&kind=&limit=&offset=`: newest first.
    func list(_ request: HTTPRequest) throws -> HTTPAnswer {
        let query = Dictionary(request.query, uniquingKeysWith: { first, _ in first })
        let limit = try Self.integer(query["limit"], field: "limit", default: 50, range: 1...200)
        let offset = try Self.integer(query["offset"], field: "offset", default: 0, range: 0...Int(Int32.max))
        if let kind = query["kind"], ContentType.Kind(rawValue: kind) == nil {
            throw GalleryError.badRequest("kind", "'\(kind)' is not one of image, video, document")
        }
        let rows = try sql.execute("""
            SELECT \(Self.mediumJSON) AS medium FROM media m
            WHERE ($1::text IS NULL OR $1 = ANY (m.tags)) AND ($2::text IS NULL OR m.kind = $2)
            ORDER BY m.created_at DESC, m.id DESC LIMIT $3 OFFSET $4
            """, query["tag"], query["kind"], limit, offset)
        let media = try rows.map { try JSON.object(Array(try $0.requiredString("medium").utf8)) }
        return JSON.answer(["media": media, "limit": limit, "offset": offset])
    }

    /// `PATCH /api/gallery/media/{id}`: `alt` and/or `tags`.
    func update(_ id: String, _ body: [UInt8]) throws -> HTTPAnswer {
        let object = try JSON.object(body)
        _ = try medium(id)
        if let alt = object["alt"] as? String {
            try sql.execute("UPDATE media SET alt_text = $2, updated_at = now() WHERE id = $1::uuid", id, alt)
        }
        if let raw = object["tags"] as? [String] {
            try sql.execute("UPDATE media SET tags = ARRAY(SELECT jsonb_array_elements_text($2::jsonb)), updated_at = now() WHERE id = $1::uuid",
                            id, JSON.text(try Self.tags(raw)))
        }
        return JSON.answer(try medium(id))
    }

    /// `DELETE /api/gallery/media/{id}[?force=true]`: refused with 409 naming the
    /// references while other modules use the medium, unless forced.
    func delete(_ id: String, force: Bool) throws -> HTTPAnswer {
        let current = try medium(id)
        let references = current["references"] as? [[String: Any]] ?? []
        if !references.isEmpty, !force {
            let names = references.map { "\($0["owner_type"] ?? "?") \($0["owner_id"] ?? "?")" }.joined(separator: ", ")
            throw GalleryError(status: 409, field: "references",
                               reason: "medium \(id) is referenced by \(names); release it first or delete with ?force=true",
                               extra: ["references": references])
        }
        let hashes: [String] = try sql.transaction {
            let rows = try sql.execute("""
                SELECT sha256 FROM media WHERE id = $1::uuid UNION SELECT sha256 FROM variants WHERE media_id = $1::uuid
                """, id)
            let hashes = try rows.map { try $0.requiredString("sha256") }
            try sql.execute("DELETE FROM media WHERE id = $1::uuid", id)
            return hashes
        }
        try removeUnusedFiles(hashes)
        return JSON.answer(["deleted": id, "forced": force && !references.isEmpty, "released_references": references])
    }

    /// `GET /media/{sha256}.{ext}`: the stored bytes. The URL names the content, so it
    /// never changes: caches may keep it a year without asking again.
    func file(_ name: String, ifNoneMatch: String?) throws -> HTTPAnswer {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw GalleryError.notFound("file \(name) (a media URL is /media/<sha256>.<extension>)")
        }
        let (hash, ext) = (parts[0], parts[1])
        let rows = try sql.execute("""
            SELECT content_type, kind FROM media WHERE sha256 = $1 AND extension = $2
            UNION ALL SELECT content_type, 'image' FROM variants WHERE sha256 = $1 AND extension = $2 LIMIT 1
            """, hash, ext)
        guard let row = rows.first, let type = try row.string("content_type") else { throw GalleryError.notFound("file \(name)") }
        let etag = "\"\(hash)\""
        var headers = [("content-type", type), ("cache-control", "public, max-age=31536000, immutable"), ("etag", etag),
                       ("x-content-type-options", "nosniff")]
        if try row.string("kind") == "document" { headers.append(("content-disposition", "inline; filename=\"\(name)\"")) }
        if let ifNoneMatch, ifNoneMatch.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) {
            return HTTPAnswer(status: 304, headers: headers)
        }
        guard let data = store.get(hash) else {
            throw GalleryError(status: 500, field: nil, reason: "file \(name) is recorded but missing from \(store.path(hash).path)")
        }
        return HTTPAnswer(status: 200, headers: headers, body: Array(data))
    }

    /// Deletes the files no medium or variant names any more (the same bytes may serve
    /// another medium's variant).
    func removeUnusedFiles(_ hashes: [String]) throws {
        for hash in Set(hashes) {
            let users = try sql.execute("SELECT 1 FROM media WHERE sha256 = $1 UNION ALL SELECT 1 FROM variants WHERE sha256 = $1 LIMIT 1", hash)
            if users.isEmpty { store.remove(hash) }
        }
    }

    static func integer(_ text: String?, field: String, default value: Int, range: ClosedRange<Int>) throws(GalleryError) -> Int {
        guard let text else { return value }
        guard let n = Int(text), range.contains(n) else { throw .badRequest(field, "'\(text)' is not an integer in \(range.lowerBound)…\(range.upperBound)") }
        return n
    }
}
