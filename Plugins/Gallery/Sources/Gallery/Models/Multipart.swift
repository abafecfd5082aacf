import Foundation

/// A `multipart/form-data` body (RFC 7578) split into its parts.
///
/// Rationale for parsing by hand: none of the packages the project uses reads
/// multipart, and the format the gallery needs is small (named parts, an optional
/// file name, an optional content type).
struct MultipartForm {
    struct Part {
        let name: String
        let fileName: String?
        let contentType: String?
        let body: ArraySlice<UInt8>
    }

    let parts: [Part]

    /// The first part with this name.
    func part(_ name: String) -> Part? { parts.first { $0.name == name } }
    /// A text field's value.
    func text(_ name: String) -> String? { part(name).map { String(decoding: $0.body, as: UTF8.self) } }

    /// Parses `body` sent with `contentType`; the error names what is wrong.
    init(contentType: String?, body: [UInt8]) throws(GalleryError) {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else {
            throw .unsupportedMediaType("(content-type)", "an upload is multipart/form-data, not \(contentType ?? "(none)")")
        }
        guard let boundary = Self.parameter("boundary", in: contentType), !boundary.isEmpty else {
            throw .badRequest("(content-type)", "multipart/form-data without a boundary parameter")
        }
        let delimiter = Array("--\(boundary)".utf8)
        guard var cursor = Self.find(delimiter, in: body, from: 0) else {
            throw .badRequest("(body)", "the boundary '\(boundary)' does not occur in the body")
        }
        var parts: [Part] = []
        let crlf: [UInt8] = [13, 10], separator: [UInt8] = [13, 10, 13, 10]
        while true {
            cursor += delimiter.count
            // "--" after a delimiter closes the body.
            if body.count >= cursor + 2, body[cursor] == 45, body[cursor + 1] == 45 { break }
            guard body.count >= cursor + 2, Array(body[cursor..<cursor + 2]) == crlf else {
                throw .badRequest("(body)", "a boundary line is not followed by CRLF at byte \(cursor)")
            }
            cursor += 2
            guard let headerEnd = Self.find(separator, in: body, from: cursor) else {
                throw .badRequest("(body)", "part \(parts.count + 1) has no blank line after its headers")
            }
            let headerText = String(decoding: body[cursor..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = Self.find(crlf + delimiter, in: body, from: contentStart) else {
                throw .badRequest("(body)", "part \(parts.count + 1) is not closed by the boundary (truncated upload?)")
            }
            var name: String?, fileName: String?, type: String?
            for line in headerText.split(separator: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                if field == "content-disposition" {
                    name = Self.parameter("name", in: value)
                    fileName = Self.parameter("filename", in: value)
                } else if field == "content-type" {
                    type = value
                }
            }
            guard let name else { throw .badRequest("(body)", "part \(parts.count + 1) has no Content-Disposition name") }
            parts.append(Part(name: name, fileName: fileName, contentType: type, body: body[contentStart..<next]))
            cursor = next + 2
        }
        self.parts = parts
    }

    /// A `; key=value` parameter of a header value (quotes removed).
    static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == key else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    /// The offset of `needle` in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first, haystack[i..<i + needle.count].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
