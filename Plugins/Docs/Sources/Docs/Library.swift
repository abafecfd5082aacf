import Foundation

/// One plugin's docs: its Markdown files read from its docs folder, rendered once per
/// plugin version (a new version, or a changed file, renders again).
struct PluginDocs {
    struct Page {
        /// The file name without `.md`.
        var name: String
        var markdown: String
        var rendered: RenderedPage
        var title: String { rendered.title ?? name }
    }

    var pluginID: String
    var version: String
    var pages: [Page]

    /// Reads `folder/*.md`, README first, then by name. A missing folder is no docs.
    static func read(pluginID: String, version: String, folder: URL) -> PluginDocs {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".md") && !$0.hasPrefix(".") }
            .sorted { ($0.lowercased() == "readme.md" ? 0 : 1, $0) < ($1.lowercased() == "readme.md" ? 0 : 1, $1) }
        let pages = names.compactMap { file -> Page? in
            guard let text = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8) else { return nil }
            return Page(name: String(file.dropLast(3)), markdown: text, rendered: RenderedPage(markdown: text))
        }
        return PluginDocs(pluginID: pluginID, version: version, pages: pages)
    }

    /// A fingerprint of the folder: version, file names, sizes and change times.
    static func stamp(version: String, folder: URL) -> String {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
        return ([version] + names.map { name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)
            return "\(name):\(attributes?[.size] ?? 0):\((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        }).joined(separator: "|")
    }
}

/// A search hit: the section of a page whose text holds every word of the query.
struct SearchHit {
    var pluginID: String
    var page: String
    var pageTitle: String
    var section: String
    var anchor: String?
    var snippet: String
    var score: Int
}

extension PluginDocs {
    /// Sections (text under each heading) holding every word of `words` (lower case), ranked:
    /// a match in the heading counts more than one in the text.
    func search(_ words: [String]) -> [SearchHit] {
        var hits: [SearchHit] = []
        for page in pages {
            var headingIndex = -1
            var sections: [(heading: String?, anchor: String?, text: String)] = [(nil, nil, "")]
            var inFence = false
            for line in page.markdown.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("```") || line.hasPrefix("~~~") { inFence.toggle() }
                if !inFence, line.hasPrefix("#"), line.drop(while: { $0 == "#" }).first == " " {
                    headingIndex += 1
                    let heading = headingIndex < page.rendered.headings.count ? page.rendered.headings[headingIndex] : nil
                    sections.append((heading?.text ?? String(line.drop(while: { $0 == "#" || $0 == " " })), heading?.anchor, ""))
                } else {
                    sections[sections.count - 1].text += String(line) + "\n"
                }
            }
            for section in sections {
                let heading = (section.heading ?? "").lowercased(), text = section.text.lowercased()
                guard words.allSatisfy({ heading.contains($0) || text.contains($0) }) else { continue }
                let score = words.reduce(0) { $0 + (heading.contains($1) ? 10 : 0) + text.components(separatedBy: $1).count - 1 }
                hits.append(SearchHit(pluginID: pluginID, page: page.name, pageTitle: page.title, section: section.heading ?? page.title,
                                      anchor: section.anchor, snippet: Self.snippet(section.text, around: words[0]), score: score))
            }
        }
        return hits
    }

    /// About 160 characters of `text` around the first `word`, on one line.
    static func snippet(_ text: String, around word: String) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        guard let range = flat.lowercased().range(of: word) else { return String(flat.prefix(160)) }
        let offset = flat.lowercased().distance(from: flat.lowercased().startIndex, to: range.lowerBound)
        let start = flat.index(flat.startIndex, offsetBy: max(0, offset - 60))
        let piece = flat[start...].prefix(160)
        return (start > flat.startIndex ? "…" : "") + String(piece) + (piece.endIndex < flat.endIndex ? "…" : "")
    }
}
