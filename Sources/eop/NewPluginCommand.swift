import ArgumentParser
import EOPLoader
import EOPManifest
import Foundation

/// `eop new`: scaffolds.
struct NewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Make a new plugin folder that builds and loads as it is.",
        subcommands: [NewPluginCommand.self])
}

/// `eop new plugin <id> --lang c|swift|rust [--dir <parent>]`: a plugin folder from the
/// templates in SDK/templates, with the manifest, the source, a Makefile and a README.
struct NewPluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin",
        abstract: "Make <dir>/<id>/: manifest.json, source (C, Swift or Rust), Makefile, README; `make` then `eop check .`.")

    enum Language: String, ExpressibleByArgument, CaseIterable {
        case c, swift, rust
        var name: String { ["c": "C", "swift": "Swift", "rust": "Rust"][rawValue]! }
    }

    @Argument(help: "The plugin id, e.g. com.acme.loyalty (a third-party id lives in its publisher's namespace).") var id: String
    @Option(help: "The language: c, swift or rust.") var lang: Language
    @Option(help: "The folder to make the plugin folder in (default: the current folder).") var dir: String = "."
    @Option(help: "The EOP checkout (or its SDK folder) to build against (default: $EOP_SDK, else the one this eop was built in, else the current folder's).")
    var sdk: String?

    func run() throws {
        guard PluginID.isValid(id) else {
            throw CLIError("plugin id '\(id)': must be 1 to 4 dot-separated lower-case segments of a-z, 0-9, '_' or '-', each starting with a letter (at most 64 bytes), e.g. com.acme.loyalty")
        }
        let root = try PluginScaffold.checkout(explicit: sdk ?? ProcessInfo.processInfo.environment["EOP_SDK"])
        let folder = URL(fileURLWithPath: dir).appendingPathComponent(id).standardizedFileURL
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: folder.path), !existing.isEmpty {
            throw CLIError("\(folder.path) already exists and is not empty: choose another --dir or remove it")
        }
        let scaffold = PluginScaffold(id: id, language: lang, checkout: root, folder: folder)
        let written = try scaffold.write()
        print("made \(folder.path) (\(lang.name), ABI \(ABICheck.hostVersionText)):")
        for file in written { print("  \(file)") }
        print("next: make -C \(folder.path) && cd \(root.path) && eop check \(folder.path)")
    }
}

/// The files of a new plugin: the language's templates with the names filled in,
/// plus the manifest, README and .gitignore.
struct PluginScaffold {
    let id: String
    let language: NewPluginCommand.Language
    /// The EOP checkout (holding SDK/).
    let checkout: URL
    /// The plugin folder to make.
    let folder: URL

    /// The id as a C identifier: the prefix of every exported handler, the library and crate name.
    var symbol: String { String(id.map { $0.isLetter || $0.isNumber ? $0 : "_" }) }
    var library: String { "lib\(symbol).so" }
    /// The Swift type: the id's segments in UpperCamelCase (`com.acme.x-y` → `ComAcmeXY`).
    var typeName: String {
        id.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
    var sdk: URL { checkout.appendingPathComponent("SDK") }

    /// The values every `{{NAME}}` in a template is replaced with.
    var values: [String: String] {
        let (build, files): (String, [String]) = switch language {
        case .c: ("make                                         # cc → \(library)",
                  ["`plugin.c` | the plugin: descriptor, lifecycle, state export/import, the handler and the route",
                   "`Makefile` | `make` builds `\(library)` here with the SDK headers (`EOP_SDK_INCLUDE`)"])
        case .swift: ("make                                         # swift build → \(library) (CONFIG=debug for a debug build)",
                      ["`Package.swift` | a package depending on the EOP checkout by path for `EOPSDK`; product `\(symbol)` is a dynamic library",
                       "`Sources/Plugin.swift` | the plugin: a `Plugin` class, `exportState`/`importState`, and the `@_cdecl` exports",
                       "`Makefile` | `make` runs `swift build` and copies `\(library)` here"])
        case .rust: ("make                                         # cargo build --release → \(library)",
                     ["`Cargo.toml` | a `cdylib` crate with no dependencies",
                      "`src/lib.rs` | the plugin: descriptor, lifecycle, state export/import, the handler and the route",
                      "`src/abi.rs` | hand-written bindings to the C headers, copied from `SDK/examples/rust-loyalty-demo` (checked against the headers there)",
                      "`Makefile` | `make` runs cargo and copies `\(library)` here"])
        }
        return [
            "ID": id, "SYMBOL": symbol, "LIBRARY": library, "TYPE": typeName, "LANG": language.rawValue, "LANGUAGE": language.name,
            "FOLDER": folder.path, "SDK": sdk.path, "SDK_INCLUDE": sdk.appendingPathComponent("include").path, "EOP_ROOT": checkout.path,
            "EOP_PACKAGE": checkout.path, "EOP_PACKAGE_IDENTITY": checkout.lastPathComponent.lowercased(),
            "ABI": "\(ABICheck.host.major).\(ABICheck.host.minor)",
            "DATE": ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate]),
            "BUILD": build, "FILES": files.map { "| \($0) |" }.joined(separator: "\n"),
        ]
    }

    /// Fills `{{NAME}}` for the known names only (Rust's `{{` in format strings stays).
    func fill(_ text: String) -> String {
        values.reduce(text) { $0.replacingOccurrences(of: "{{\($1.key)}}", with: $1.value) }
    }

    /// Writes the plugin folder; returns the files written, relative to it.
    func write() throws -> [String] {
        var files: [String: Data] = [:]
        let templates = sdk.appendingPathComponent("templates")
        let languageFolder = templates.appendingPathComponent(language.rawValue)
        guard let walker = FileManager.default.enumerator(at: languageFolder, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw CLIError("\(languageFolder.path): no templates for \(language.name) (is \(checkout.path) an EOP checkout?)")
        }
        for case let url as URL in walker where url.pathExtension == "tmpl" {
            let relative = String(url.deletingPathExtension().standardizedFileURL.path.dropFirst(languageFolder.standardizedFileURL.path.count + 1))
            files[relative] = Data(fill(try String(contentsOf: url, encoding: .utf8)).utf8)
        }
        if language == .rust {
            // One set of Rust bindings: the example's, which its test checks against the headers.
            files["src/abi.rs"] = try Data(contentsOf: sdk.appendingPathComponent("examples/rust-loyalty-demo/src/abi.rs"))
        }
        // Shared by every language: the manifest (the order subscription and the status route) and the README.
        for name in ["README.md", "manifest.json"] {
            files[name] = Data(fill(try String(contentsOf: templates.appendingPathComponent("\(name).tmpl"), encoding: .utf8)).utf8)
        }
        files[".gitignore"] = Data((["*.so"] + (language == .swift ? [".build/", "Package.resolved"] : language == .rust ? ["/target"] : [])).map { $0 + "\n" }.joined().utf8)

        for (path, data) in files {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        return files.keys.sorted()
    }

    /// The EOP checkout: `explicit` (the checkout or its SDK folder), else the one above
    /// this executable (`.build/…/eop`), else the current folder or one above it.
    static func checkout(explicit: String?) throws -> URL {
        func isCheckout(_ url: URL) -> Bool {
            FileManager.default.fileExists(atPath: url.appendingPathComponent("SDK/include/eop/plugin.h").path)
                && FileManager.default.fileExists(atPath: url.appendingPathComponent("SDK/templates").path)
        }
        if let explicit {
            let url = URL(fileURLWithPath: explicit).standardizedFileURL
            if isCheckout(url) { return url }
            if isCheckout(url.deletingLastPathComponent()) { return url.deletingLastPathComponent() }
            throw CLIError("--sdk \(explicit): not an EOP checkout (no SDK/include/eop/plugin.h and SDK/templates under it)")
        }
        let starts = [Bundle.main.executableURL?.resolvingSymlinksInPath(), URL(fileURLWithPath: FileManager.default.currentDirectoryPath)].compactMap { $0 }
        for start in starts {
            var url = start.standardizedFileURL
            while url.path != "/" {
                if isCheckout(url) { return url }
                url.deleteLastPathComponent()
            }
        }
        throw CLIError("cannot find the EOP SDK (SDK/include/eop/plugin.h): give --sdk <EOP checkout> or set EOP_SDK")
    }
}
