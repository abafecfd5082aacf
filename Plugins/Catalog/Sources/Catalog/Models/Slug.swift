import Foundation

/// URL names of products, categories and brands: lower-case ASCII letters and digits
/// joined by single hyphens (`blue-shirt-2`).
enum Slug {
    static func isValid(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 200 && s.split(separator: "-", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0.allSatisfy { ($0.isASCII && $0.isLetter && $0.isLowercase) || ($0.isASCII && $0.isNumber) }
        }
    }

    /// A slug made from a name ("Café Crème" → "cafe-creme"); nil when nothing Latin is left
    /// (the caller then falls back to an id-based slug).
    static func make(_ name: String) -> String? {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX")).lowercased()
        var out = "", pendingHyphen = false
        for c in folded.unicodeScalars {
            if c.isASCII, CharacterSet.alphanumerics.contains(c) {
                if pendingHyphen, !out.isEmpty { out.append("-") }
                pendingHyphen = false
                out.unicodeScalars.append(c)
            } else {
                pendingHyphen = true
            }
        }
        return out.isEmpty ? nil : String(out.prefix(120)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }

    /// The slug given in `field`, or one made from `name`, or `fallback`.
    static func from(_ given: String?, name: String, fallback: String, field: String) throws(CatalogError) -> String {
        if let given {
            guard isValid(given) else { throw .invalid(field, "\"\(given)\" is not a slug (lower-case letters and digits joined by single hyphens)") }
            return given
        }
        return make(name) ?? fallback
    }
}
