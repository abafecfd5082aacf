import CCMark
import Foundation

/// One Markdown page rendered with cmark (CommonMark, safe mode: raw HTML is dropped),
/// with its headings for the table of contents; each heading gets an `id` to link to.
struct RenderedPage {
    struct Heading {
        var level: Int
        var text: String
        var anchor: String
    }

    var html: String
    var headings: [Heading]
    /// The first heading, else nil.
    var title: String? { headings.first?.text }

    init(markdown: String) {
        let document = markdown.withCString { cmark_parse_document($0, strlen($0), CMARK_OPT_DEFAULT) }!
        defer { cmark_node_free(document) }
        var headings: [Heading] = []
        var used: [String: Int] = [:]
        let iterator = cmark_iter_new(document)
        defer { cmark_iter_free(iterator) }
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            guard event == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iterator), cmark_node_get_type(node) == CMARK_NODE_HEADING else { continue }
            let text = Self.plainText(node)
            var anchor = Self.slug(text)
            if let n = used[anchor] { used[anchor] = n + 1; anchor += "-\(n + 1)" } else { used[anchor] = 1 }
            headings.append(Heading(level: Int(cmark_node_get_heading_level(node)), text: text, anchor: anchor))
        }
        let rendered = cmark_render_html(document, CMARK_OPT_DEFAULT)!
        defer { free(rendered) }
        html = Self.addAnchors(String(cString: rendered), headings)
        self.headings = headings
    }

    /// The text of a node's inline children (code spans and emphasis included).
    private static func plainText(_ node: OpaquePointer) -> String {
        var text = ""
        var child = cmark_node_first_child(node)
        while let current = child {
            switch cmark_node_get_type(current) {
            case CMARK_NODE_TEXT, CMARK_NODE_CODE: text += cmark_node_get_literal(current).map { String(cString: $0) } ?? ""
            case CMARK_NODE_SOFTBREAK, CMARK_NODE_LINEBREAK: text += " "
            default: text += plainText(current)
            }
            child = cmark_node_next(current)
        }
        return text
    }

    /// `Setup wizard (first run)` → `setup-wizard-first-run`.
    static func slug(_ text: String) -> String {
        let words = text.lowercased().unicodeScalars.split { !(CharacterSet.alphanumerics.contains($0)) }
        let slug = words.map { String(String.UnicodeScalarView($0)) }.joined(separator: "-")
        return slug.isEmpty ? "section" : slug
    }

    /// cmark writes `<h2>`; give each heading, in document order, its anchor.
    private static func addAnchors(_ html: String, _ headings: [Heading]) -> String {
        var output = ""
        var rest = Substring(html)
        for heading in headings {
            let tag = "<h\(heading.level)>"
            guard let range = rest.range(of: tag) else { break }
            output += String(rest[..<range.lowerBound]) + "<h\(heading.level) id=\"\(heading.anchor)\">"
            rest = rest[range.upperBound...]
        }
        return output + String(rest)
    }
}

/// HTML text escaping.
func escapeHTML(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
