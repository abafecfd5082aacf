import EOPSDK
import Foundation

extension Cart {
    /// `GET /api/cart/tax-rates`: `{"rates": [{"country", "region", "rate_bp"}]}`; region "" is the whole country.
    func taxRates() throws -> [String: Any] {
        ["rates": try sql.execute("SELECT country, region, rate_bp FROM tax_rates ORDER BY country, region").map { r in
            ["country": try r.requiredString("country"), "region": try r.requiredString("region"), "rate_bp": try r.requiredInt64("rate_bp")]
        }]
    }

    /// `PUT /api/cart/tax-rates` `{"rates": [{"country", "region"?, "rate_bp"}]}`: replaces the
    /// table. `rate_bp` is basis points (1900 = 19 %), 0 to 10000; region compares without
    /// case; one entry per (country, region).
    func setTaxRates(_ input: JSONInput) throws -> [String: Any] {
        try input.only(["rates"])
        var seen: Set<String> = []
        var rows: [[String: Any]] = []
        for rate in try input.objects("rates") {
            try rate.only(["country", "region", "rate_bp"])
            let country = try rate.string("country", max: 10).uppercased()
            guard Countries.iso3166.contains(country) else { throw CartError.invalid(rate.field("country"), "\"\(country)\" is not an ISO 3166-1 alpha-2 country code") }
            let region = (try rate.optionalText("region", max: 120) ?? "").lowercased()
            let bp = try rate.int("rate_bp", min: 0, max: 10_000)
            guard seen.insert("\(country)/\(region)").inserted else {
                throw CartError.invalid(rate.field(region.isEmpty ? "country" : "region"), "\(country)\(region.isEmpty ? "" : " / \(region)") is listed twice")
            }
            rows.append(["country": country, "region": region, "rate_bp": bp])
        }
        try sql.transaction {
            try sql.execute("DELETE FROM tax_rates")
            try sql.execute("""
                INSERT INTO tax_rates (country, region, rate_bp)
                SELECT country, region, rate_bp FROM jsonb_to_recordset($1::jsonb) AS r(country text, region text, rate_bp integer)
                """, JSON.text(rows))
        }
        return try taxRates()
    }
}
