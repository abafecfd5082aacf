import Crypto
import EOPLoader
import Foundation
import HTTPTypes
import Hummingbird

/// Static files a plugin ships in the `assets/` folder beside its manifest, served at
/// `/assets/<plugin id>/<path>` with a strong ETag (SHA-256 of the bytes), `304 Not
/// Modified` for a matching `If-None-Match`, and a day of public caching.
struct PluginAssets: Sendable {
    let plugins: PluginHost

    static let types = ["css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "png": "image/png", "jpg": "image/jpeg",
                        "jpeg": "image/jpeg", "svg": "image/svg+xml", "webp": "image/webp", "ico": "image/x-icon", "woff2": "font/woff2",
                        "json": "application/json", "txt": "text/plain; charset=utf-8", "html": "text/html; charset=utf-8"]

    func respond(pluginID: String, path: String, headers: HTTPFields, requestID: String) -> Response {
        guard let record = plugins.plugin(pluginID), record.state == .active, let manifest = record.manifest else {
            return Problem(.notFound, "Not Found", detail: "no active plugin '\(pluginID)'").response(requestID: requestID)
        }
        // Only plain names below assets/: no "..", no hidden files.
        let parts = path.split(separator: "/").map(String.init)
        guard !parts.isEmpty, parts.allSatisfy({ !$0.hasPrefix(".") && !$0.contains("\\") }) else {
            return Problem(.notFound, "Not Found", detail: "no asset \(path)").response(requestID: requestID)
        }
        let folder = manifest.directory.appendingPathComponent("assets").standardizedFileURL
        let file = parts.reduce(folder) { $0.appendingPathComponent($1) }.standardizedFileURL
        guard file.path.hasPrefix(folder.path + "/"), let data = FileManager.default.contents(atPath: file.path) else {
            return Problem(.notFound, "Not Found", detail: "no asset \(path) in \(pluginID)").response(requestID: requestID)
        }
        let etag = "\"" + SHA256.hash(data: data).prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
        var fields: HTTPFields = [.eTag: etag, .cacheControl: "public, max-age=86400"]
        if let match = headers[.ifNoneMatch], match.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }).contains(etag) {
            return Response(status: .notModified, headers: fields)
        }
        fields[.contentType] = Self.types[file.pathExtension.lowercased()] ?? "application/octet-stream"
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
