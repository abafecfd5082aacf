import EOPConsole
import Foundation
import Testing

@Suite("Console pages")
struct ConsoleRendererTests {
    let renderer: ConsoleRenderer

    init() throws {
        renderer = try ConsoleRenderer()
    }

    @Test("every page renders a complete document with sample data")
    func everyPageRenders() throws {
        for (name, html) in try Fixtures.allPages(renderer) {
            #expect(html.hasPrefix("<!doctype html>"), "\(name)")
            #expect(html.contains("<main id=\"main\""), "\(name)")
            #expect(html.contains("</html>"), "\(name)")
            #expect(!html.contains("{{"), "\(name) has an unrendered tag")
        }
    }

    @Test("signed-in pages show the product, tier, licensee, user and a log-out form")
    func topBar() throws {
        let pages = try Fixtures.allPages(renderer)
        for name in ["dashboard", "dead-letters", "settings"] {
            let html = try #require(pages[name])
            #expect(html.contains(">EOP</a>"))
            #expect(html.contains("Starter"))
            #expect(html.contains("Shop AB"))
            #expect(html.contains("Ada Operator"))
            #expect(html.contains("action=\"/admin/logout\""))
        }
        #expect(!(pages["login"] ?? "").contains("/admin/logout"))
    }

    @Test("a reason containing a script tag is escaped everywhere")
    func reasonIsEscaped() throws {
        let hostile = "<script>alert(1)</script>"
        let plugin = PluginRow(id: "evil\"><script>", name: "Evil <b>", version: "1", state: "refused", reason: hostile, warnings: [hostile])
        var license = Fixtures.license
        license.banner = "unlicensed: \(hostile)"
        license.licensee = hostile
        let dashboard = try renderer.dashboard(
            user: ConsoleUser(email: hostile, displayName: hostile), license: license, plugins: [plugin], deadLetterCount: 0,
            csrfToken: "\"><script>", flash: hostile)
        let letters = try renderer.deadLetters(
            user: Fixtures.user, license: Fixtures.license,
            rows: [DeadLetterRow(id: hostile, subscriber: hostile, topic: hostile, reason: hostile, attempts: 1, when: hostile)],
            csrfToken: Fixtures.csrf, flash: nil)
        let settings = try renderer.settings(
            user: Fixtures.user, license: Fixtures.license,
            forms: [ModuleSettingsForm(
                pluginID: hostile,
                fields: [SettingField(key: hostile, type: "string", value: hostile, description: hostile, allowed: [hostile])],
                error: hostile)],
            csrfToken: Fixtures.csrf, flash: nil)
        let login = try renderer.login(error: hostile, email: hostile, csrfToken: Fixtures.csrf, retryAfter: nil)
        for html in [dashboard, letters, settings, login] {
            #expect(!html.contains("<script"))
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        }
        #expect(dashboard.contains("/admin/plugins/evil%22%3E%3Cscript%3E/activate") == false)  // refused: no buttons
    }

    @Test("the dashboard lists recent hot swaps with version change, pause and outcome; a rolled-back one shows its step and reason")
    func swapHistory() throws {
        let plugin = PluginRow(id: "catalog", name: "Catalog", version: "2.0.0", state: "active", reason: nil)
        let swaps = [
            SwapRow(when: "2026-11-25 15:00:00", plugin: "catalog", change: "1.0.0 → 2.0.0", by: "operator (cli)", pause: "0.25 ms",
                    outcome: "swapped", swapped: true, reason: nil),
            SwapRow(when: "2026-11-25 15:01:00", plugin: "catalog", change: "2.0.0 → 3.0.0", by: "ops@shop.example", pause: "—",
                    outcome: "rolled back", swapped: false, reason: "at import: unknown state layout"),
        ]
        let html = try renderer.dashboard(user: Fixtures.user, license: Fixtures.license, plugins: [plugin], deadLetterCount: 0,
                                          csrfToken: Fixtures.csrf, flash: nil, swaps: swaps)
        #expect(html.contains("Recent hot swaps"))
        #expect(html.contains("1.0.0 → 2.0.0") && html.contains("0.25 ms") && html.contains("operator (cli)"))
        #expect(html.contains("at import: unknown state layout"))
        let none = try renderer.dashboard(user: Fixtures.user, license: Fixtures.license, plugins: [plugin], deadLetterCount: 0,
                                          csrfToken: Fixtures.csrf, flash: nil)
        #expect(!none.contains("Recent hot swaps"))
    }

    @Test("failed notifications are listed with the provider's answer; the page says so when there are none")
    func failedNotifications() throws {
        let row = NotificationFailureRow(when: "2026-11-25 15:00:00", type: "order.placed", channel: "sms", address: "+8801700000000",
                                         attempts: 1, answer: "HTTP 401: Authenticate")
        let html = try renderer.notificationFailures(user: Fixtures.user, license: Fixtures.license, rows: [row], csrfToken: Fixtures.csrf, flash: nil)
        #expect(html.contains("HTTP 401: Authenticate") && html.contains("+8801700000000") && html.contains("order.placed"))
        #expect(html.contains(#"href="/admin/notifications" aria-current="page""#))
        let none = try renderer.notificationFailures(user: Fixtures.user, license: Fixtures.license, rows: [], csrfToken: Fixtures.csrf, flash: nil)
        #expect(none.contains("No failed notifications."))
    }

    @Test("the development banner appears only when the license sets it")
    func developmentBanner() throws {
        let without = try renderer.dashboard(
            user: Fixtures.user, license: Fixtures.license, plugins: Fixtures.plugins, deadLetterCount: 0,
            csrfToken: Fixtures.csrf, flash: nil)
        #expect(!without.contains("class=\"banner "))
        #expect(!without.contains("development license"))

        for (_, html) in try Fixtures.allPages(renderer, license: Fixtures.devLicense) where !html.contains("Sign in</h1>") {
            #expect(html.contains("class=\"banner banner-dev\""))
            #expect(html.contains("development license"))
        }

        var unlicensed = Fixtures.license
        unlicensed.banner = "unlicensed: signature does not verify (key id k2)"
        let red = try renderer.dashboard(
            user: Fixtures.user, license: unlicensed, plugins: [], deadLetterCount: 0, csrfToken: Fixtures.csrf, flash: nil)
        #expect(red.contains("class=\"banner banner-unlicensed\""))
        #expect(red.contains("unlicensed: signature does not verify (key id k2)"))
    }

    @Test("every POST form carries the csrf token")
    func everyFormHasCSRF() throws {
        var total = 0
        for (name, html) in try Fixtures.allPages(renderer) {
            let forms = html.forms
            #expect(!forms.isEmpty, "\(name) has no form")
            for form in forms {
                #expect(form.contains("method=\"post\""), "\(name): \(form.prefix(80))")
                #expect(form.contains("<input type=\"hidden\" name=\"csrf_token\" value=\"\(Fixtures.csrf)\">"), "\(name): \(form.prefix(80))")
                total += 1
            }
            #expect(html.occurrences(of: "<form") == forms.count)
        }
        // login 1; dashboard: logout + 1 deactivate + 1 activate; dead letters: logout + 2 replays; settings: logout + 2 forms
        #expect(total == 1 + 3 + 3 + 3)
    }

    @Test("a refused module's full reason is on the dashboard, with its badge and no truncation")
    func refusedReasonInFull() throws {
        let html = try renderer.dashboard(
            user: Fixtures.user, license: Fixtures.license, plugins: Fixtures.plugins, deadLetterCount: 0,
            csrfToken: Fixtures.csrf, flash: nil)
        let reason = try #require(Fixtures.plugins[1].reason)
        #expect(html.contains("<p class=\"reason-text\">\(reason)</p>"))
        #expect(html.contains("<span class=\"badge state-refused\">refused</span>"))
        #expect(html.contains("<span class=\"badge state-active\">active</span>"))
        #expect(html.contains("<span class=\"badge state-failed\">failed</span>"))
        #expect(html.contains("<span class=\"badge state-absent\">not installed</span>"))
        #expect(!html.contains("text-overflow: ellipsis; }\n.reason"))
    }

    @Test("buttons appear only where allowed and post to the plugin's escaped path")
    func pluginActions() throws {
        let plugins = [
            PluginRow(id: "acme/gift wrap", name: "Gift wrap", version: "1", state: "resolved", canActivate: true),
            PluginRow(id: "..", name: "Dots", version: "1", state: "active", canDeactivate: true),
            PluginRow(id: "cart", name: "Cart", version: "1", state: "refused", reason: "not in tier Starter"),
        ]
        let html = try renderer.dashboard(
            user: Fixtures.user, license: Fixtures.license, plugins: plugins, deadLetterCount: 0, csrfToken: Fixtures.csrf, flash: nil)
        #expect(html.contains("action=\"/admin/plugins/acme%2Fgift%20wrap/activate\""))
        #expect(html.contains("action=\"/admin/plugins/%2E%2E/deactivate\""))
        #expect(!html.contains("/admin/plugins/cart/"))
        #expect(html.occurrences(of: "/activate\"") == 1)
        #expect(html.occurrences(of: "/deactivate\"") == 1)
    }

    @Test("the dashboard counts active, refused, failed and dead letters")
    func counters() throws {
        let html = try renderer.dashboard(
            user: Fixtures.user, license: Fixtures.license, plugins: Fixtures.plugins, deadLetterCount: 7,
            csrfToken: Fixtures.csrf, flash: nil)
        for (count, label) in [(1, "Active"), (1, "Refused"), (1, "Failed"), (7, "Dead letters")] {
            #expect(html.contains("<span class=\"count\">\(count)</span>\n      <span class=\"counter-label\">\(label)</span>"), "\(label)")
        }
        #expect(html.contains(">148</span>"))
    }

    @Test("dead letters each get a replay form at their escaped id")
    func deadLetterReplay() throws {
        let html = try renderer.deadLetters(
            user: Fixtures.user, license: Fixtures.license, rows: Fixtures.letters, csrfToken: Fixtures.csrf, flash: nil)
        #expect(html.contains("action=\"/admin/dead-letters/dl_1/replay\""))
        #expect(html.contains("action=\"/admin/dead-letters/dl%2F2%3Fx%3D1/replay\""))
        #expect(html.contains("401 from provider"))
        let empty = try renderer.deadLetters(user: Fixtures.user, license: Fixtures.license, rows: [], csrfToken: Fixtures.csrf, flash: nil)
        #expect(empty.contains("No dead letters."))
    }

    @Test("settings inputs follow the field type, and a secret's value never reaches the page")
    func settingsInputs() throws {
        let html = try renderer.settings(
            user: Fixtures.user, license: Fixtures.license, forms: Fixtures.forms, csrfToken: Fixtures.csrf, flash: nil)
        #expect(html.contains("action=\"/admin/settings/payment\""))
        #expect(html.contains("action=\"/admin/settings/cart\""))
        #expect(html.contains("<select id=\"s0-f0\" name=\"provider\""))
        #expect(html.contains("<option value=\"adyen\" selected>adyen</option>"))
        #expect(html.contains("<option value=\"stripe\">stripe</option>"))
        #expect(html.contains("<input type=\"password\" id=\"s0-f1\" name=\"api_key\" value=\"\""))
        #expect(!html.contains("SUPERSECRET"))
        #expect(html.contains("<input type=\"hidden\" name=\"capture_on_ship\" value=\"false\">"))
        #expect(html.contains("type=\"checkbox\" id=\"s0-f2\" name=\"capture_on_ship\" value=\"true\" checked"))
        #expect(html.contains("<input type=\"number\" id=\"s0-f3\" name=\"max_retries\" value=\"3\" step=\"1\""))
        #expect(html.contains("<input type=\"number\" id=\"s0-f4\" name=\"fee\" value=\"0.25\" step=\"any\""))
        #expect(html.contains("name=\"minimum\" value=\"10.00\" inputmode=\"decimal\""))
        #expect(html.contains("name=\"currency\" value=\"SEK\" pattern=\"[A-Za-z]{3}\""))
        #expect(html.contains("<label for=\"s0-f3\">"))
        #expect(html.contains("api_key: required"))
    }

    @Test("the login page keeps the email, shows the error and the throttle wait")
    func loginPage() throws {
        let html = try renderer.login(error: "Email or password is wrong.", email: "a@b.example", csrfToken: Fixtures.csrf, retryAfter: 90)
        #expect(html.contains("value=\"a@b.example\""))
        #expect(html.contains("Email or password is wrong."))
        #expect(html.contains("Try again in 2 minutes."))
        #expect(html.contains("action=\"/admin/login\""))
        #expect(html.contains("<label for=\"login-password\">"))
        let plain = try renderer.login(error: nil, email: nil, csrfToken: Fixtures.csrf, retryAfter: nil)
        #expect(!plain.contains("class=\"form-error\""))
    }
}
