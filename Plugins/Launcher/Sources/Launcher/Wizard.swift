import EOPPlatformKit
import EOPSDK
import Foundation

/// The setup wizard: shop name, currency, locale, first staff account, sample catalog.
extension Launcher {
    /// `GET /api/launcher/setup`: whether the wizard has run, and its answers.
    func setupState(_ request: HTTPRequest) throws -> HTTPAnswer {
        guard let row = try sql.execute("SELECT name, currency, locale, staff_email, sample_catalog, sample_outcome, completed_at::text AS at FROM shop").first else {
            return .json(object: ["completed": false, "next": "POST /api/launcher/setup with shop_name, currency, locale, staff_email, sample_catalog"])
        }
        return .json(object: ["completed": true, "shop": [
            "name": try row.requiredString("name"), "currency": try row.requiredString("currency"), "locale": try row.requiredString("locale"),
            "staff_email": try row.requiredString("staff_email"), "sample_catalog": try row.bool("sample_catalog") ?? false,
            "sample_outcome": try row.requiredString("sample_outcome"), "completed_at": try row.requiredString("at"),
        ]])
    }

    /// `POST /api/launcher/setup` — first run only (no staff account exists yet, so the route is open
    /// until the wizard has run once; then 409).
    func runSetup(_ request: HTTPRequest) throws -> HTTPAnswer {
        let body = try request.jsonObject()
        func text(_ key: String, _ max: Int) throws(RequestError) -> String {
            guard let value = (body[key] as? String)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                throw RequestError(field: key, reason: body[key] == nil ? "is required" : "must be a non-empty string")
            }
            guard value.count <= max else { throw RequestError(field: key, reason: "must be at most \(max) characters") }
            return value
        }
        let name = try text("shop_name", 200)
        let code = try text("currency", 3).uppercased()
        guard let currency = Currency.find(code) else { throw RequestError(field: "currency", reason: "'\(code)' is not an ISO 4217 currency code") }
        let locale = try text("locale", 35)
        guard Self.isLocale(locale) else { throw RequestError(field: "locale", reason: "'\(locale)' is not a locale tag like en-US or bn-BD") }
        let email = try text("staff_email", 254)
        guard email.split(separator: "@").count == 2, !email.contains(" "), email.split(separator: "@")[1].contains(".") else {
            throw RequestError(field: "staff_email", reason: "'\(email)' is not an email address")
        }
        guard let sample = body["sample_catalog"] as? Bool else { throw RequestError(field: "sample_catalog", reason: "is required: true or false") }

        if try sql.execute("SELECT 1 FROM shop").count > 0 {
            throw RequestError(field: "setup", reason: "the shop is already set up; the wizard runs once", status: 409)
        }
        let outcome = try sample ? loadSampleCatalog(currency: currency.code) : "not asked for"
        do {
            try sql.execute("""
                INSERT INTO shop (name, currency, locale, staff_email, sample_catalog, sample_outcome) VALUES ($1, $2, $3, $4, $5, $6)
                """, name, currency.code, locale, email, sample, outcome)
        } catch {
            // Two wizards at once: the second insert meets the first's row.
            guard error.isUniqueViolation else { throw error }
            throw RequestError(field: "setup", reason: "the shop is already set up; the wizard runs once", status: 409)
        }
        let fact = try JSONSerialization.data(withJSONObject: ["name": name, "currency": currency.code, "locale": locale], options: [.sortedKeys])
        try host.publish("launcher.shop.configured", json: String(decoding: fact, as: UTF8.self))
        return .json(object: [
            "shop": ["name": name, "currency": currency.code, "currency_name": currency.name, "locale": locale],
            // Plugins have no way to the host's identity store (no ABI table for it): say how to make the account.
            "staff_account": ["created": false, "email": email,
                              "next": "create the owner account on the host: echo '<password>' | eop users create-owner --email \(email)"],
            "sample_catalog": ["requested": sample, "outcome": outcome],
        ], status: 201)
    }

    /// Asks Catalog to load its sample products when Catalog runs; otherwise says why it cannot.
    func loadSampleCatalog(currency: String) throws -> String {
        let directory = try host.pluginDirectory()
        guard let catalog = directory.plugin("catalog") else { return "Catalog is not active: it is not installed" }
        guard catalog.isActive else { return "Catalog is not active (\(catalog.state)\(catalog.reason.map { ": \($0)" } ?? ""))" }
        do {
            let reply = try host.request("catalog.sample.load", json: #"{"currency":"\#(currency)"}"#, timeoutMS: 30_000)
            return "loaded: \(reply)"
        } catch {
            return "Catalog is active but did not load the sample: \(error)"
        }
    }

    /// A BCP 47-like tag: a 2-3 letter language, then optional script/region subtags.
    static func isLocale(_ tag: String) -> Bool {
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard let language = parts.first, (2...3).contains(language.count), language.allSatisfy({ $0.isLetter && $0.isLowercase && $0.isASCII }) else { return false }
        return parts.dropFirst().allSatisfy { part in (2...8).contains(part.count) && part.allSatisfy { ($0.isLetter || $0.isNumber) && $0.isASCII } }
    }
}
