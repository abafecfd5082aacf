import Foundation
import Mustache

/// Renders the operator console's pages (`/admin`) as HTML from mustache templates.
///
/// Contract: the gateway builds one renderer at start-up and calls it from its
/// `/admin` handlers, from any thread (it is an immutable value). Every page
/// method returns a complete HTML document; the gateway sends it as
/// `text/html; charset=utf-8`. All data is HTML-escaped by the templates
/// (`{{ }}` only); ids placed in URLs are percent-encoded first.
///
/// Templates: the built-in ones live in this target's `Templates` resource
/// folder. A theme folder may hold files with the same names
/// (`layout.mustache`, `styles.mustache`, `dashboard.mustache`, …); a file
/// there replaces the built-in one, the rest stay. Templates are read once, in
/// `init`.
public struct ConsoleRenderer: Sendable {
    /// Names of the templates a page render may need; `init` checks they all exist.
    static let requiredTemplates = ["layout", "styles", "login", "dashboard", "dead-letters", "settings", "setting-field"]

    let library: MustacheLibrary

    /// Loads the built-in templates, then the theme folder's templates over them.
    ///
    /// - Parameter themeDirectory: a shop's theme folder; nil uses the built-in templates only.
    /// - Throws: `ConsoleRendererError` when a folder is missing or a template does not parse.
    public init(themeDirectory: URL? = nil) throws {
        guard let builtIn = Self.builtInTemplatesURL() else {
            throw ConsoleRendererError.builtInTemplatesMissing(path: Bundle.module.bundlePath)
        }
        var templates = try Self.loadTemplates(in: builtIn)
        if let themeDirectory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: themeDirectory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ConsoleRendererError.themeDirectoryUnreadable(path: themeDirectory.path)
            }
            templates.merge(try Self.loadTemplates(in: themeDirectory)) { _, theme in theme }
        }
        for name in Self.requiredTemplates where templates[name] == nil {
            throw ConsoleRendererError.templateMissing(name: name)
        }
        self.library = MustacheLibrary(templates: templates)
    }

    /// Renders `model` with the template `name`.
    func render(_ model: Any, template name: String) throws -> String {
        guard let html = library.render(model, withTemplate: name) else {
            throw ConsoleRendererError.templateMissing(name: name)
        }
        return html
    }

    /// The `Templates` folder copied into this target's resource bundle.
    private static func builtInTemplatesURL() -> URL? {
        if let url = Bundle.module.url(forResource: "Templates", withExtension: nil) { return url }
        guard let base = Bundle.module.resourceURL else { return nil }
        let url = base.appendingPathComponent("Templates", isDirectory: true)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// Parses every `*.mustache` file under `folder`, named by its path without the extension.
    private static func loadTemplates(in folder: URL) throws -> [String: MustacheTemplate] {
        let root = folder.standardizedFileURL.path
        guard let paths = FileManager.default.enumerator(atPath: root) else {
            throw ConsoleRendererError.themeDirectoryUnreadable(path: root)
        }
        var templates: [String: MustacheTemplate] = [:]
        for case let relative as String in paths where relative.hasSuffix(".mustache") {
            let file = root + "/" + relative
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ConsoleRendererError.templateInvalid(file: file, message: "\(error)")
            }
            do {
                templates[String(relative.dropLast(".mustache".count))] = try MustacheTemplate(string: text)
            } catch {
                throw ConsoleRendererError.templateInvalid(file: file, message: "\(error)")
            }
        }
        return templates
    }
}
