import Foundation
import Testing

@Suite("The operator console in a real browser", .serialized)
struct ConsoleBrowserTests {
    @Test("headless Chromium opens /admin, signs in, and finds every module with its state and reason")
    func consoleInChromium() async throws {
        let ws = try Workspace()
        try ws.compileC(Repo.examples.appendingPathComponent("c-hello/hello.c"), library: "libc_hello.so")
        // A plugin refused by its manifest, to show a reason in the table.
        try ws.manifest("ghost", #"{"id": "ghost", "version": "2.0.0", "abi": "1.0", "library": "libghost.so"}"#)
        let home = ws.root.appendingPathComponent("home")
        let env = ["EOP_HOME": home.path, "EOP_PLUGIN_PATH": "\(Repo.examples.path):\(ws.manifests.path)",
                   "EOP_LIBRARY_PATH": ws.libraries.path, "EOP_EVENTS_DIR": Repo.events.path, "EOP_HTTP_PORT": "0"]
        let owner = try runProcess(Repo.buildDirectory.appendingPathComponent("eop"), ["users", "create-owner", "--email", "owner@shop.example"],
                                   in: Repo.root, environment: env, input: "correct horse battery\n")
        #expect(owner.status == 0, "\(owner.out)\(owner.err)")

        let host = try HostProcess(home: home, environment: env, log: ws.root.appendingPathComponent("host.log"))
        defer { host.interrupt() }
        // The host picks a free port and records its address in the run state.
        _ = eventually(60) { host.runState("http") != nil }
        let base = try #require(host.runState("http") as? String, "the host never reported its HTTP address: \(host.output)")

        let screenshot = Repo.root.appendingPathComponent("docs/screenshots/admin.png")
        try FileManager.default.createDirectory(at: screenshot.deletingLastPathComponent(), withIntermediateDirectories: true)
        let browser = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", Repo.root.appendingPathComponent("Tests/HostTests/Fixtures/console_browser.py").path,
                                                    base, "owner@shop.example", "correct horse battery", screenshot.path,
                                                    "hello=active", "c-hello=active", "ghost=not found", "catalog=not installed"], in: Repo.root)
        #expect(browser.status == 0, "\(browser.out)\(browser.err)")
        #expect(browser.out.contains("ok: ghost not found"), "\(browser.out)\(browser.err)")
        #expect(FileManager.default.fileExists(atPath: screenshot.path))
    }
}
