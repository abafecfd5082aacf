import EOPABI
import EOPPlatformKit
import EOPSDK
import Foundation

/// The setup wizard: shop name, currency, locale, first staff account, sample catalog.
extension Launcher {
    /// `GET /api/launcher/setup`: whether the wizard has run, and its answers.
    func setupState(_ request: HTTPRequest) throws -> HTTPAnswer {
        guard let row = try sql.execute("SELECT name, currency, locale, staff_email, sample_catalog, sample_outcome, completed_at::text AS at FROM shop").first else {
            return .json(object: ["completed": false, "next": "POST /api/launcher/setup with shop_name, currency, locale, staff_email, staff_password, sample_catalog"])
        }
        var shop: [String: Any] = [
            "name": try row.requiredString("name"), "currency": try row.requiredString("currency"), "locale": try row.requiredString("locale"),
            "sample_catalog": try row.bool("sample_catalog") ?? false, "sample_outcome": try row.requiredString("sample_outcome"),
            "completed_at": try row.requiredString("at"),
        ]
        // The route is open (the wizard asks it before anyone can sign in); the owner's login is for staff only.
        if request.principalKind == "staff" { shop["staff_email"] = try row.requiredString("staff_email") }
        return .json(object: ["completed": true, "shop": shop])
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
        // Signed-in staff run the wizard with their own account; anyone else makes the first one.
        let signedInStaff = request.principalKind == "staff"
        let password = body["staff_password"] as? String
        if !signedInStaff, password?.isEmpty ?? true {
            throw RequestError(field: "staff_password", reason: body["staff_password"] == nil ? "is required: the first staff account's password" : "must be a non-empty string")
        }

        if try sql.execute("SELECT 1 FROM shop").count > 0 {
            throw Self.alreadySetUp
        }
        let account: [String: Any] = signedInStaff
            ? ["created": false, "email": email, "reason": "signed in as staff: the wizard ran with that account"]
            : try createFirstOwner(email: email, password: password ?? "")
        let outcome: String
        do {
            outcome = try sample ? loadSampleCatalog(currency: currency.code) : "not asked for"
            try sql.transaction {
                try sql.execute("""
                    INSERT INTO shop (name, currency, locale, staff_email, sample_catalog, sample_outcome) VALUES ($1, $2, $3, $4, $5, $6)
                    """, name, currency.code, locale, email, sample, outcome)
                let fact = try JSONSerialization.data(withJSONObject: ["name": name, "currency": currency.code, "locale": locale], options: [.sortedKeys])
                try host.publish("launcher.shop.configured", json: String(decoding: fact, as: UTF8.self))
            }
        } catch let error as SQLError where error.isUniqueViolation {
            // Two wizards at once: the second insert meets the first's row.
            throw Self.alreadySetUp
        } catch where account["created"] as? Bool == true {
            // The account exists now: say so, or the owner would retry anonymously and meet 403.
            throw RequestError(field: "setup", reason: "the staff account \(email) was created, but the shop was not set up (\(error)); sign in as staff and run the wizard again", status: 500)
        }
        return .json(object: [
            "shop": ["name": name, "currency": currency.code, "currency_name": currency.name, "locale": locale],
            "staff_account": account,
            "sample_catalog": ["requested": sample, "outcome": outcome],
        ], status: 201)
    }

    static let alreadySetUp = RequestError(field: "setup", reason: "the shop is already set up; the wizard runs once", status: 409)

    /// Asks the host for the first staff account (`platform.staff.first_owner`, role owner).
    /// Before the shop row is written, so a refused password leaves the wizard to run again.
    func createFirstOwner(email: String, password: String) throws -> [String: Any] {
        do {
            let reply = try host.request("platform.staff.first_owner", json: try Self.jsonText(["email": email, "password": password]), timeoutMS: 15_000)
            let created = (try? JSONSerialization.jsonObject(with: Data(reply.utf8))) as? [String: Any] ?? [:]
            return ["created": true, "email": created["email"] as? String ?? email, "staff_id": created["staff_id"] as? String ?? "",
                    "next": "sign in at /admin with this email and password"]
        } catch let error as PluginError where error.status == EOP_ERR_CONFLICT {
            throw RequestError(field: "staff_email", reason: "a staff account exists already: sign in as staff to run the wizard", status: 403)
        } catch let error as PluginError where error.status == EOP_ERR_INVALID {
            // The host names "email: …" or "password: …"; the wizard's fields are staff_email and staff_password.
            let field = error.message.hasPrefix("password") ? "staff_password" : "staff_email"
            let reason = error.message.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? error.message
            throw RequestError(field: field, reason: reason, status: 422)
        } catch let error as PluginError where error.status == EOP_ERR_NOT_FOUND || error.status == EOP_ERR_UNAVAILABLE {
            // A host without an identity store (no database) answers no such topic: say how to make the account later.
            return ["created": false, "email": email, "reason": "this host cannot create staff accounts (\(error.message))",
                    "next": "create the owner account on the host: echo '<password>' | eop users create-owner --email \(email)"]
        }
    }

    static func jsonText(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
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
