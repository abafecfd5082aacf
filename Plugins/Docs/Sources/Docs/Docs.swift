import EOPSDK
import Foundation
import Synchronization

/// In-platform documentation: every plugin's Markdown docs at /docs for staff, per plugin
/// version, with a table of contents and search. A module the license refuses keeps its
/// page, which says it is not licensed.
final class Docs: Plugin {
    static let id = "docs"
    static let version = "1.0.0"

    let host: HostAPI
    /// Rendered docs by plugin id, with the folder stamp they were rendered for.
    private let cache = Mutex<[String: (stamp: String, docs: PluginDocs)]>([:])

    init(host: HostAPI) throws { self.host = host }

    /// A plugin's docs, rendered again only when its version or files changed.
    func docs(of plugin: PluginDirectory.Entry) -> PluginDocs {
        guard let folder = plugin.docs.map({ URL(fileURLWithPath: $0) }) else { return PluginDocs(pluginID: plugin.id, version: plugin.version, pages: []) }
        let stamp = PluginDocs.stamp(version: plugin.version, folder: folder)
        if let cached = cache.withLock({ $0[plugin.id] }), cached.stamp == stamp { return cached.docs }
        let docs = PluginDocs.read(pluginID: plugin.id, version: plugin.version, folder: folder)
        cache.withLock { $0[plugin.id] = (stamp, docs) }
        return docs
    }

    /// Plugins with a readable manifest, by name.
    func documented() throws -> [PluginDirectory.Entry] {
        try host.pluginDirectory().plugins.filter { $0.docs != nil }.sorted { $0.title.lowercased() < $1.title.lowercased() }
    }

    /// What a plugin's pages say about its standing: not licensed, or not running.
    static func standing(_ plugin: PluginDirectory.Entry) -> String? {
        if plugin.licensed == false {
            return "This module is not licensed: \(plugin.licenseRefusal ?? plugin.reason ?? "the license refuses it"). Its documentation is shown for reference; its features are not available."
        }
        if !plugin.isActive { return "This module is not running (\(plugin.state)\(plugin.reason.map { ": \($0)" } ?? ""))." }
        return nil
    }
}

/// The pages.
extension Docs {
    /// `GET /docs` (and `/docs?q=words`): every plugin with its version and pages, or search hits.
    func index(_ request: HTTPRequest) throws -> HTTPAnswer {
        let plugins = try documented()
        let query = (request.queryValue("q") ?? "").trimmingCharacters(in: .whitespaces)
        var body = "<h1>Documentation</h1>" + searchForm(query)
        if !query.isEmpty {
            let words = query.lowercased().split(separator: " ").map(String.init)
            let hits = plugins.flatMap { docs(of: $0).search(words) }.sorted { ($1.score, $0.pluginID) < ($0.score, $1.pluginID) }
            body += "<h2>\(hits.count) result\(hits.count == 1 ? "" : "s") for “\(escapeHTML(query))”</h2><ol class=\"hits\">"
            for hit in hits.prefix(50) {
                let href = "/docs/\(hit.pluginID)/\(hit.page)" + (hit.anchor.map { "#\($0)" } ?? "")
                body += "<li><a href=\"\(escapeHTML(href))\">\(escapeHTML(hit.section))</a> <small>\(escapeHTML(hit.pluginID)) · \(escapeHTML(hit.pageTitle))</small><p>\(escapeHTML(hit.snippet))</p></li>"
            }
            body += "</ol>"
        }
        body += "<h2>Modules</h2><ul class=\"modules\">"
        for plugin in plugins {
            let pages = docs(of: plugin).pages
            let note = plugin.licensed == false ? " <strong>not licensed</strong>" : plugin.isActive ? "" : " <em>\(escapeHTML(plugin.state))</em>"
            body += "<li><a href=\"/docs/\(escapeHTML(plugin.id))\">\(escapeHTML(plugin.title))</a> \(escapeHTML(plugin.version))\(note) — \(pages.count) page\(pages.count == 1 ? "" : "s")</li>"
        }
        return .html(layout("Documentation", body + "</ul>"))
    }

    /// `GET /docs/{plugin}`: its first page (README), with the list of its pages.
    func pluginPage(_ request: HTTPRequest) throws -> HTTPAnswer {
        try page(plugin: request.pathParameters["plugin"] ?? "", page: nil)
    }

    /// `GET /docs/{plugin}/{page}`.
    func namedPage(_ request: HTTPRequest) throws -> HTTPAnswer {
        try page(plugin: request.pathParameters["plugin"] ?? "", page: request.pathParameters["page"] ?? "")
    }

    private func page(plugin id: String, page name: String?) throws -> HTTPAnswer {
        guard let plugin = try documented().first(where: { $0.id == id }) else {
            return .html(layout("Not found", "<h1>No module '\(escapeHTML(id))'</h1><p><a href=\"/docs\">All documentation</a></p>"), status: 404)
        }
        let pluginDocs = docs(of: plugin)
        var body = "<p class=\"crumbs\"><a href=\"/docs\">Documentation</a> › \(escapeHTML(plugin.title)) <span class=\"version\">version \(escapeHTML(plugin.version))</span></p>"
        if let standing = Self.standing(plugin) { body += "<div class=\"notice\" role=\"alert\">\(escapeHTML(standing))</div>" }
        guard let page = name.map({ n in pluginDocs.pages.first { $0.name == n } }) ?? pluginDocs.pages.first else {
            if pluginDocs.pages.isEmpty { return .html(layout(plugin.title, body + "<p>\(escapeHTML(plugin.title)) ships no documentation.</p>")) }
            return .html(layout("Not found", body + "<p>No page '\(escapeHTML(name ?? ""))' in \(escapeHTML(plugin.title)) \(escapeHTML(plugin.version)).</p>"), status: 404)
        }
        if pluginDocs.pages.count > 1 {
            body += "<nav class=\"pages\"><strong>Pages:</strong> " + pluginDocs.pages.map { p in
                p.name == page.name ? "<span>\(escapeHTML(p.title))</span>" : "<a href=\"/docs/\(escapeHTML(plugin.id))/\(escapeHTML(p.name))\">\(escapeHTML(p.title))</a>"
            }.joined(separator: " · ") + "</nav>"
        }
        let toc = page.rendered.headings.dropFirst().filter { $0.level <= 3 }
        if !toc.isEmpty {
            body += "<nav class=\"toc\" aria-label=\"Contents\"><strong>Contents</strong><ul>" + toc.map {
                "<li class=\"level\($0.level)\"><a href=\"#\($0.anchor)\">\(escapeHTML($0.text))</a></li>"
            }.joined() + "</ul></nav>"
        }
        return .html(layout("\(page.title) — \(plugin.title) \(plugin.version)", body + "<article>" + page.rendered.html + "</article>"))
    }

    private func searchForm(_ query: String) -> String {
        "<form action=\"/docs\" method=\"get\" role=\"search\"><input type=\"search\" name=\"q\" value=\"\(escapeHTML(query))\" placeholder=\"Search the docs\"> <button>Search</button></form>"
    }

    private func layout(_ title: String, _ body: String) -> String {
        """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escapeHTML(title))</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
        .notice{background:#fff3cd;border:1px solid #e0b400;padding:.75rem;margin:1rem 0}.version{color:#666}
        .toc{border-left:3px solid #ddd;padding-left:1rem}.toc .level3{margin-left:1rem}pre{background:#f5f5f5;padding:.75rem;overflow:auto}
        code{background:#f5f5f5}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25rem .5rem}</style></head>
        <body>\(body)</body></html>
        """
    }
}
