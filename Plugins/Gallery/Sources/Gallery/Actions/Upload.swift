import EOPSDK
import Foundation

extension Gallery {
    /// `POST /api/gallery/media`: one multipart part `file`, optional `alt` and `tags`
    /// (comma-separated). 201 with the new medium; 200 with the stored one when the
    /// same bytes were uploaded before.
    func upload(_ request: HTTPRequest) throws -> HTTPAnswer {
        let contentType = request.headers.first { $0.0 == "content-type" }?.1
        let form = try MultipartForm(contentType: contentType, body: request.body)
        guard let file = form.part("file") else { throw GalleryError.badRequest("file", "the form has no part named 'file'") }
        guard !file.body.isEmpty else { throw GalleryError.badRequest("file", "the file is empty") }
        let tags = try Self.tags(form.text("tags").map { $0.split(separator: ",").map(String.init) } ?? [])
        let alt = form.text("alt") ?? ""
        guard alt.count <= 1000 else { throw GalleryError.badRequest("alt", "is longer than 1000 characters") }
        let (medium, created) = try ingest(Array(file.body), fileName: file.fileName ?? "", alt: alt, tags: tags)
        return JSON.answer(medium.merging(["deduplicated": !created]) { a, _ in a }, status: created ? 201 : 200)
    }

    /// Checks bytes by content and size, stores the original and (for images) its variants,
    /// and records the medium. Returns it and whether it is new.
    func ingest(_ bytes: [UInt8], fileName: String, alt: String, tags: [String]) throws -> ([String: Any], Bool) {
        let shown = fileName.isEmpty ? "the file" : "'\(fileName)'"
        guard let type = ContentType.sniff(bytes) else {
            let head = bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw GalleryError.unsupportedMediaType("file", "the bytes of \(shown) are not one of \(ContentType.acceptedList) (they start with \(head)); the file name is not trusted")
        }
        if let claimed = ContentType.claimed(byFileName: fileName), claimed != type {
            throw GalleryError.unsupportedMediaType("file", "\(shown) is named like a \(claimed.label) but its bytes are a \(type.label)")
        }
        let limit = limits[type.kind] ?? 0
        guard bytes.count <= limit else {
            throw GalleryError.tooLarge("file", "\(shown) is a \(type.label) of \(bytes.count) bytes; the limit for \(type.kind.rawValue)s is \(limit) bytes")
        }
        let hash = BlobStore.sha256(bytes)
        if let existing = try medium(sha256: hash) { return (existing, false) }

        var size: (width: Int, height: Int)?
        var variants: [(name: String, hash: String, image: Imaging.Encoded)] = []
        if type.kind == .image {
            let dimensions = try Imaging.inspect(bytes)
            size = dimensions
            for spec in Imaging.variants where spec.name == "thumb" || max(dimensions.width, dimensions.height) > Int(spec.box) {
                let image = try Imaging.resize(bytes, source: type, box: spec.box)
                variants.append((spec.name, try store.put(image.bytes), image))
            }
        }
        try store.put(bytes)

        do {
            let id: String = try sql.transaction {
                let rows = try sql.execute("""
                    INSERT INTO media (sha256, kind, content_type, extension, byte_size, file_name, width, height, alt_text, tags)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, ARRAY(SELECT jsonb_array_elements_text($10::jsonb)))
                    RETURNING id::text AS id
                    """, hash, type.kind.rawValue, type.mime, type.fileExtension, bytes.count, String(fileName.suffix(255)),
                    size.map { $0.width }, size.map { $0.height }, alt, JSON.text(tags))
                let id = try rows[0].requiredString("id")
                for v in variants {
                    try sql.execute("""
                        INSERT INTO variants (media_id, name, sha256, content_type, extension, width, height, byte_size)
                        VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8)
                        """, id, v.name, v.hash, v.image.type.mime, v.image.type.fileExtension, v.image.width, v.image.height, v.image.bytes.count)
                }
                return id
            }
            return (try medium(id), true)
        } catch let error as SQLError where error.isUniqueViolation {
            // Another upload of the same bytes won the race: answer the stored medium.
            guard let existing = try medium(sha256: hash) else { throw error }
            return (existing, false)
        } catch {
            // Nothing recorded: the files written above must not linger.
            try? removeUnusedFiles([hash] + variants.map(\.hash))
            throw error
        }
    }

    /// Tags trimmed, without empties or repeats; each at most 64 characters.
    static func tags(_ raw: [String]) throws(GalleryError) -> [String] {
        var seen = Set<String>(), result: [String] = []
        for (i, tag) in raw.enumerated() {
            let t = tag.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !t.isEmpty else { continue }
            guard t.count <= 64 else { throw .badRequest("tags[\(i)]", "is longer than 64 characters") }
            if seen.insert(t).inserted { result.append(t) }
        }
        return result
    }
}
