import EOPSDK
import Foundation
import Mustache

/// The page templates: the built-in ones (BuiltInTemplates.swift), with any file of a
/// shop's theme folder (`<name>.mustache`) replacing the built-in template of that name.
///
/// Built-ins are compiled into the library because a plugin bundle carries only the
/// manifest, the library and migrations; a theme folder is the shop's own.
struct Theme: Sendable {
    let library: MustacheLibrary
    /// Template names the theme folder replaced (shown in the docs' troubleshooting).
    let overridden: [String]

    init(folder: String?) throws {
        var templates: [String: MustacheTemplate] = [:]
        for (name, text) in BuiltInTemplates.all {
            do {
                templates[name] = try MustacheTemplate(string: text)
            } catch {
                throw PluginError("built-in template \(name).mustache does not parse: \(error)")
            }
        }
        var overridden: [String] = []
        if let folder {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw PluginError("setting 'theme_dir': \(folder) is not a folder")
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for file in names.sorted() where file.hasSuffix(".mustache") {
                let path = (folder as NSString).appendingPathComponent(file)
                let name = String(file.dropLast(".mustache".count))
                guard templates[name] != nil else {
                    throw PluginError("theme \(path): there is no built-in template '\(name)' to replace (known: \(BuiltInTemplates.all.keys.sorted().joined(separator: ", ")))")
                }
                do {
                    templates[name] = try MustacheTemplate(string: try String(contentsOfFile: path, encoding: .utf8))
                } catch {
                    throw PluginError("theme \(path): \(error)")
                }
                overridden.append(name)
            }
        }
        library = MustacheLibrary(templates: templates)
        self.overridden = overridden
    }

    /// Renders a template; a template missing from the library is a programming error of the plugin.
    func render(_ name: String, _ model: [String: Any]) throws -> String {
        guard let text = library.render(model, withTemplate: name) else { throw PluginError("no template '\(name)'") }
        return text
    }
}
