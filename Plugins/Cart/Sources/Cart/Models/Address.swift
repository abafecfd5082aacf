import Foundation

/// A postal address as the cart keeps it, validated field by field. Country is an ISO
/// 3166-1 alpha-2 code (it picks the tax rate with `region`); `region` is free text
/// (state, province, division) compared without case.
struct Address {
    var name: String
    var line1: String
    var line2: String?
    var city: String
    var region: String?
    var postalCode: String?
    var country: String
    var phone: String?

    /// Reads and checks the object at `input`; every refusal names `<path>.<field>`.
    static func read(_ input: JSONInput) throws(CartError) -> Address {
        try input.only(["name", "line1", "line2", "city", "region", "postal_code", "country", "phone"])
        let countryText = try input.string("country", max: 10).uppercased()
        guard Countries.iso3166.contains(countryText) else {
            throw .invalid(input.field("country"), "\"\(countryText)\" is not an ISO 3166-1 alpha-2 country code (e.g. DE, BD, US)")
        }
        let postal = try input.optionalText("postal_code", max: 16)
        if let postal, postal.unicodeScalars.contains(where: { !(CharacterSet.alphanumerics.contains($0) && $0.isASCII) && $0 != " " && $0 != "-" }) {
            throw .invalid(input.field("postal_code"), "may hold only letters, digits, spaces and '-'")
        }
        let phone = try input.optionalText("phone", max: 30)
        if let phone {
            let digits = phone.filter(\.isNumber).count
            let allowed = phone.unicodeScalars.allSatisfy { ($0.isASCII && CharacterSet.decimalDigits.contains($0)) || " +-()./".unicodeScalars.contains($0) }
            guard allowed, (5...20).contains(digits) else { throw .invalid(input.field("phone"), "must be 5 to 20 digits, optionally with + ( ) - . / and spaces") }
        }
        return Address(name: try input.string("name", max: 200), line1: try input.string("line1", max: 200), line2: try input.optionalText("line2", max: 200),
                       city: try input.string("city", max: 120), region: try input.optionalText("region", max: 120), postalCode: postal,
                       country: countryText, phone: phone)
    }

    var json: [String: Any] {
        var out: [String: Any] = ["name": name, "line1": line1, "city": city, "country": country]
        if let line2 { out["line2"] = line2 }
        if let region { out["region"] = region }
        if let postalCode { out["postal_code"] = postalCode }
        if let phone { out["phone"] = phone }
        return out
    }
}

/// An email address: one `@`, a local part, a domain with a dot, no spaces. Deliverability
/// is the mail server's to judge; this catches typos such as a missing `@`.
func checkedEmail(_ input: JSONInput, _ key: String) throws(CartError) -> String? {
    guard let email = try input.optionalText(key, max: 254) else { return nil }
    let parts = email.split(separator: "@", omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
          !email.contains(where: \.isWhitespace) else {
        throw .invalid(input.field(key), "\"\(email)\" is not an email address")
    }
    return email
}
