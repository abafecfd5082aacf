import EOPConsole
import Foundation

/// Sample data shared by the console tests.
enum Fixtures {
    static let csrf = "tok-7f3a9c"
    static let user = ConsoleUser(email: "ops@shop.example", displayName: "Ada Operator")
    static let license = LicenseSummary(
        licensee: "Shop AB", tier: "Starter", environment: "production", expires: "2026-06-30", daysLeft: 200,
        banner: nil, warnings: [], entitled: 12, refused: 1)
    static let devLicense: LicenseSummary = {
        var dev = Fixtures.license
        dev.banner = "development license"
        dev.environment = "development"
        return dev
    }()
    static let plugins = [
        PluginRow(id: "catalog", name: "Catalog", version: "1.2.0", state: "active", mailboxDepth: 0, canDeactivate: true),
        PluginRow(
            id: "inventory", name: "Inventory", version: "1.3.0", state: "refused",
            reason: "not in tier Starter: Inventory is part of Growth and above, and this sentence is long on purpose so that nothing may cut it"),
        PluginRow(
            id: "payment", name: "Payment", version: "0.9.1", state: "failed", reason: "init failed: api key empty",
            mailboxDepth: 148, canActivate: true),
        PluginRow(id: "pos", name: "POS", version: "1.0.0", state: "not installed"),
    ]
    static let letters = [
        DeadLetterRow(id: "dl_1", subscriber: "payment", topic: "order.order.placed", reason: "401 from provider", attempts: 5, when: "2025-11-25 13:02"),
        DeadLetterRow(id: "dl/2?x=1", subscriber: "crm", topic: "cart.cart.checked_out", reason: "timeout", attempts: 3, when: "2025-11-25 13:05", replayed: true),
    ]
    static let forms = [
        ModuleSettingsForm(
            pluginID: "payment",
            fields: [
                SettingField(key: "provider", type: "string", value: "adyen", description: "Which provider", allowed: ["stripe", "adyen"]),
                SettingField(key: "api_key", type: "string", value: "sk_live_SUPERSECRET", secret: true),
                SettingField(key: "capture_on_ship", type: "boolean", value: "true"),
                SettingField(key: "max_retries", type: "integer", value: "3"),
                SettingField(key: "fee", type: "number", value: "0.25"),
                SettingField(key: "minimum", type: "money", value: "10.00"),
                SettingField(key: "currency", type: "currency", value: "SEK"),
            ], error: "api_key: required"),
        ModuleSettingsForm(pluginID: "cart", fields: [SettingField(key: "note", type: "string", value: "hi")]),
    ]

    /// Every page rendered once with the sample data.
    static func allPages(_ renderer: ConsoleRenderer, license: LicenseSummary = license) throws -> [String: String] {
        [
            "login": try renderer.login(error: "Email or password is wrong.", email: "ops@shop.example", csrfToken: csrf, retryAfter: 30),
            "dashboard": try renderer.dashboard(
                user: user, license: license, plugins: plugins, deadLetterCount: 2, csrfToken: csrf, flash: "Saved."),
            "dead-letters": try renderer.deadLetters(user: user, license: license, rows: letters, csrfToken: csrf, flash: nil),
            "settings": try renderer.settings(user: user, license: license, forms: forms, csrfToken: csrf, flash: nil),
        ]
    }
}

extension String {
    /// How many times `needle` occurs.
    func occurrences(of needle: String) -> Int {
        components(separatedBy: needle).count - 1
    }

    /// Every `<form …>…</form>` in the page.
    var forms: [String] {
        var result: [String] = []
        var rest = self[...]
        while let start = rest.range(of: "<form"), let end = rest.range(of: "</form>", range: start.upperBound..<rest.endIndex) {
            result.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        return result
    }
}
