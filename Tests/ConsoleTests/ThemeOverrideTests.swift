import EOPConsole
import Foundation
import Testing

@Suite("Theme folder")
struct ThemeOverrideTests {
    /// A fresh theme folder holding `files` (name → template text).
    func themeFolder(_ files: [String: String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("console-theme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return folder
    }

    @Test("a theme template replaces the built-in one of the same name; the others stay")
    func overrideWins() throws {
        let folder = try themeFolder([
            "login.mustache": "<p>Shop sign-in {{csrfToken}} {{#page}}{{loginError}}{{/page}}</p>",
            "styles.mustache": "body { background: hotpink; }",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let renderer = try ConsoleRenderer(themeDirectory: folder)
        let login = try renderer.login(error: "<b>no</b>", email: nil, csrfToken: "t1", retryAfter: nil)
        #expect(login == "<p>Shop sign-in t1 &lt;b&gt;no&lt;/b&gt;</p>")
        let dashboard = try renderer.dashboard(
            user: Fixtures.user, license: Fixtures.license, plugins: Fixtures.plugins, deadLetterCount: 0, csrfToken: "t1", flash: nil)
        #expect(dashboard.contains("body { background: hotpink; }"))
        #expect(dashboard.contains("<h1>Modules</h1>"))

        let builtIn = try ConsoleRenderer().login(error: nil, email: nil, csrfToken: "t1", retryAfter: nil)
        #expect(builtIn.contains("Sign in</h1>"))
    }

    @Test("a missing theme folder or a broken template is an error naming it")
    func badTheme() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/theme-\(UUID().uuidString)")
        #expect(throws: ConsoleRendererError.themeDirectoryUnreadable(path: missing.path)) {
            try ConsoleRenderer(themeDirectory: missing)
        }
        let folder = try themeFolder(["dashboard.mustache": "{{#page}}unclosed"])
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try ConsoleRenderer(themeDirectory: folder)
            Issue.record("a broken template was accepted")
        } catch let error as ConsoleRendererError {
            guard case .templateInvalid(let file, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(file.hasSuffix("dashboard.mustache"))
        }
    }
}
