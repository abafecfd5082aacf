import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

@Suite("The shop in a real browser", .serialized)
struct StorefrontBrowserTests {
    @Test("`eop run` with the Starter modules: the setup wizard loads the sample catalog, and headless Chromium shows a product page with its price and JSON-LD (docs/screenshots/product.png)")
    func productPageInChromium() async throws {
        let database = try await TestDatabase.make()
        let ws = try Workspace()
        let home = ws.root.appendingPathComponent("home")
        let settings = ws.root.appendingPathComponent("settings.json")
        try JSONSerialization.data(withJSONObject: [
            "catalog": ["currency": "EUR"], "storefront": ["currency": "EUR", "shop_name": "Ada's Shop"],
            "gallery": ["storage_directory": ws.root.appendingPathComponent("media").path],
        ]).write(to: settings)
        let host = try HostProcess(home: home, environment: [
            "EOP_DATABASE_URL": database.url, "EOP_PLUGIN_PATH": Repo.root.appendingPathComponent("Manifests").path,
            "EOP_EVENTS_DIR": Repo.events.path, "EOP_SETTINGS_FILE": settings.path, "EOP_HTTP_PORT": "0",
            "EOP_TIERS": Repo.root.appendingPathComponent("Manifests/tiers.json").path,
        ], log: ws.root.appendingPathComponent("host.log"))
        defer { host.interrupt() }
        try host.waitReady()
        let base = try #require(host.runState("http") as? String, "no HTTP address: \(host.output)")

        var setup = URLRequest(url: URL(string: base + "/api/launcher/setup")!)
        setup.httpMethod = "POST"
        setup.setValue("application/json", forHTTPHeaderField: "Content-Type")
        setup.httpBody = Data(#"{"shop_name": "Ada's Shop", "currency": "EUR", "locale": "en-IE", "staff_email": "owner@shop.example", "staff_password": "lamps-and-shirts", "sample_catalog": true}"#.utf8)
        let (data, response) = try await URLSession.shared.data(for: setup)
        #expect((response as? HTTPURLResponse)?.statusCode == 201, "\(String(decoding: data, as: UTF8.self))\n\(host.output.suffix(3000))")

        let screenshot = Repo.root.appendingPathComponent("docs/screenshots/product.png")
        try FileManager.default.createDirectory(at: screenshot.deletingLastPathComponent(), withIntermediateDirectories: true)
        let browser = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", Repo.root.appendingPathComponent("Tests/HostTests/Fixtures/product_browser.py").path,
                                                    base + "/products/brass-desk-lamp", screenshot.path, "Brass Desk Lamp", "€49.99", "Ada's Shop"], in: Repo.root)
        #expect(browser.status == 0, "\(browser.out)\(browser.err)")
        #expect(browser.out.contains("ok: JSON-LD Product Brass Desk Lamp"), "\(browser.out)")
        #expect(FileManager.default.fileExists(atPath: screenshot.path))
    }
}
