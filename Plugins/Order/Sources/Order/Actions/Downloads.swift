import Crypto
import EOPSDK
import Foundation

/// Digital downloads: each digital line of an order has a grant with a download limit.
/// The owner gets signed links `/api/order/downloads/{grant}?expires=<unix>&signature=<hex>`,
/// where the signature is HMAC-SHA256 over `<grant>:<expires>` with this install's secret:
/// a link cannot be made up, stretched or moved to another grant, and stops working at
/// its expiry or when the grant's downloads are used up.
extension Order {
    /// `PUT /api/order/digital-assets/{sku}`: the file sold under a SKU (raw body; `filename` query).
    func putAsset(sku: String, _ request: HTTPRequest) throws -> [String: Any] {
        guard !sku.isEmpty, sku.count <= 200 else { throw OrderError.invalid("sku", "must be 1 to 200 characters") }
        guard !request.body.isEmpty else { throw OrderError.invalid("(body)", "must hold the file's bytes") }
        let filename = request.queryValue("filename") ?? sku
        guard !filename.isEmpty, filename.count <= 200, !filename.contains("/"), !filename.contains("\""), !filename.contains("\\") else {
            throw OrderError.invalid("filename", "must be 1 to 200 characters without / \\ or \"")
        }
        let type = request.headers.first { $0.0 == "content-type" }?.1 ?? "application/octet-stream"
        try sql.execute("""
            INSERT INTO digital_assets (sku, filename, content_type, content) VALUES ($1, $2, $3, $4)
            ON CONFLICT (sku) DO UPDATE SET filename = EXCLUDED.filename, content_type = EXCLUDED.content_type, content = EXCLUDED.content, updated_at = now()
            """, sku, filename, type, request.body)
        return ["sku": sku, "filename": filename, "content_type": type, "size": request.body.count]
    }

    /// `GET /api/order/digital-assets`.
    func assets() throws -> [String: Any] {
        let rows = try sql.execute("""
            SELECT coalesce(json_agg(json_build_object('sku', sku, 'filename', filename, 'content_type', content_type, 'size', length(content),
                   'updated_at', \(Self.utc("updated_at"))) ORDER BY sku), '[]')::text AS j FROM digital_assets
            """)
        return ["assets": JSON.parse(try rows.first?.string("j")) ?? []]
    }

    /// The signature of a link.
    func linkSignature(grant: String, expires: Int64) -> String {
        HMAC<SHA256>.authenticationCode(for: Data("\(grant):\(expires)".utf8), using: downloadKey).map { String(format: "%02x", $0) }.joined()
    }

    /// The owner's download links for an order (fresh, each valid for the configured time).
    func downloadLinks(orderID: String, owner: Owner?) throws -> [String: Any] {
        let o = try order(orderID, lock: false)
        guard let owner, o.belongs(to: owner) else { throw OrderError.notFound("order '\(orderID)'") }
        let blocked = downloadBlock(o)
        let expires = Int64(Date().timeIntervalSince1970) + settings.downloadLinkTTL
        let expiresText = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(expires)))
        var links: [[String: Any]] = []
        for r in try sql.execute("""
            SELECT g.id::text AS id, g.line_id::text AS line_id, g.sku, l.name, g.download_limit, g.downloads_used
            FROM download_grants g JOIN order_lines l ON l.id = g.line_id WHERE g.order_id = $1::uuid ORDER BY l.position
            """, orderID) {
            let grant = try r.requiredString("id"), used = try r.requiredInt64("downloads_used"), limit = try r.requiredInt64("download_limit")
            var link: [String: Any] = ["line_id": try r.requiredString("line_id"), "sku": try r.requiredString("sku"), "name": try r.requiredString("name"),
                                       "downloads_used": used, "download_limit": limit]
            if let blocked {
                link["available"] = false
                link["reason"] = blocked
            } else if used >= limit {
                link["available"] = false
                link["reason"] = "the download limit of \(limit) is reached"
            } else {
                link["available"] = true
                link["url"] = "\(settings.publicBaseURL)/api/order/downloads/\(grant)?expires=\(expires)&signature=\(linkSignature(grant: grant, expires: expires))"
                link["expires_at"] = expiresText
            }
            links.append(link)
        }
        return ["order_id": o.id, "number": o.number, "downloads": links]
    }

    /// Why nothing of this order may be downloaded, or nil.
    private func downloadBlock(_ o: OrderRow) -> String? {
        if o.status == "canceled" { return "order \(o.number) is canceled" }
        guard o.paymentStatus == "paid" || o.paymentStatus == "partially_refunded" else { return "order \(o.number) is not paid (\(o.paymentStatus))" }
        return nil
    }

    /// `GET /api/order/downloads/{grant}?expires=&signature=`: the file, counted; a tampered
    /// link is 403, an expired one 410, a used-up grant 410.
    func download(grant: String?, expires: String?, signature: String?) throws -> HTTPAnswer {
        let refused = OrderError(403, field: "signature", "this download link is not valid: it was changed or is incomplete")
        guard let grant, UUID(uuidString: grant) != nil, let expiresText = expires, let expires = Int64(expiresText),
              let signature, signature.count == 64 else { throw refused }
        let expected = linkSignature(grant: grant.lowercased(), expires: expires)
        // Constant time: the comparison takes as long wherever the first difference is.
        guard zip(expected.utf8, signature.lowercased().utf8).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0 else { throw refused }
        guard Int64(Date().timeIntervalSince1970) <= expires else {
            throw OrderError(410, field: "expires", "this download link expired at \(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(expires)))); ask for a new one")
        }
        return try sql.transaction {
            guard let g = try sql.execute("""
                SELECT g.order_id::text AS order_id, g.sku, g.download_limit, g.downloads_used FROM download_grants g WHERE g.id = $1::uuid FOR UPDATE
                """, grant.lowercased()).first else { throw OrderError.notFound("download '\(grant)'") }
            let o = try order(try g.requiredString("order_id"), lock: false)
            if let blocked = downloadBlock(o) { throw OrderError(403, blocked) }
            let limit = try g.requiredInt64("download_limit")
            guard try g.requiredInt64("downloads_used") < limit else { throw OrderError(410, "the download limit of \(limit) is reached") }
            let sku = try g.requiredString("sku")
            guard let file = try sql.execute("SELECT filename, content_type, content FROM digital_assets WHERE sku = $1", sku).first,
                  let bytes = try file.bytes("content") else { throw OrderError.notFound("a file for SKU '\(sku)'") }
            try sql.execute("UPDATE download_grants SET downloads_used = downloads_used + 1, last_download_at = now() WHERE id = $1::uuid", grant.lowercased())
            return HTTPAnswer(status: 200, headers: [("content-type", try file.requiredString("content_type")),
                                                     ("content-disposition", "attachment; filename=\"\(try file.requiredString("filename"))\""),
                                                     ("cache-control", "no-store")], body: bytes)
        }
    }
}
