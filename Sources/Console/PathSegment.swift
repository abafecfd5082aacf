/// Percent-encoding for one URL path segment (RFC 3986 §3.3).
///
/// Rationale: plugin and dead-letter ids come from manifests and the event
/// log, so a `/`, `?`, `#` or `..` in one must not change which route a form
/// posts to. Everything but unreserved characters is encoded, and a segment
/// made only of dots is encoded whole so it can never mean "this" or "parent".
enum PathSegment {
    /// Encodes `raw` for use as a single path segment.
    static func encode(_ raw: String) -> String {
        let onlyDots = !raw.isEmpty && raw.allSatisfy { $0 == "." }
        var out = ""
        out.reserveCapacity(raw.utf8.count)
        for byte in raw.utf8 {
            let unreserved =
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2D || byte == 0x5F || byte == 0x7E || (byte == 0x2E && !onlyDots)
            if unreserved {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
