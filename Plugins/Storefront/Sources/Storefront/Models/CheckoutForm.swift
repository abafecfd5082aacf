import Foundation

/// The checkout form: what the shopper entered, the idempotency key the form carries, and
/// the reasons shown next to fields.
struct CheckoutForm {
    /// One input of the form, in page order.
    struct Field {
        var name: String
        var label: String
        var type = "text"
        var autocomplete: String
        var required = false
    }

    static let fields: [Field] = [
        Field(name: "email", label: "Email", type: "email", autocomplete: "email", required: true),
        Field(name: "name", label: "Full name", autocomplete: "name", required: true),
        Field(name: "line1", label: "Address", autocomplete: "address-line1", required: true),
        Field(name: "line2", label: "Address line 2", autocomplete: "address-line2"),
        Field(name: "city", label: "City", autocomplete: "address-level2", required: true),
        Field(name: "region", label: "State or region", autocomplete: "address-level1"),
        Field(name: "postal_code", label: "Postal code", autocomplete: "postal-code"),
        Field(name: "country", label: "Country (2-letter code, e.g. US)", autocomplete: "country", required: true),
        Field(name: "phone", label: "Phone", type: "tel", autocomplete: "tel"),
    ]
    /// The fields that make Cart's `shipping_address` (everything but email).
    static let addressFields = fields.map(\.name).filter { $0 != "email" }
    static let paymentField = "payment_method"

    /// Entered values by field name (`payment_method` included), trimmed.
    var values: [String: String] = [:]
    /// The idempotency key for Order's `order.checkout.place`: made when the page is
    /// rendered and sent back as a hidden field, so a second submit of the same page
    /// reaches the same order.
    var key: String
    /// Reasons by field name.
    var errors: [String: String] = [:]
    /// Reasons about the form as a whole (prices changed, an empty cart, …).
    var general: [String] = []

    static let keyPrefix = "storefront-"

    static func newKey() -> String { keyPrefix + UUID().uuidString.lowercased() }

    /// A key this page made: the prefix and a UUID (a forged or stale field is not passed on to Order).
    static func isKey(_ s: String) -> Bool { s.hasPrefix(keyPrefix) && UUID(uuidString: String(s.dropFirst(keyPrefix.count))) != nil }

    /// A posted form.
    init(posted: [String: String]) {
        for name in Self.fields.map(\.name) + [Self.paymentField] {
            if let v = posted[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty { values[name] = v }
        }
        key = posted["key"] ?? ""
    }

    /// A fresh form, filled with the email and shipping address the cart already has.
    init(cart: [String: Any]?) {
        key = Self.newKey()
        if let email = cart?["customer_email"] as? String { values["email"] = email }
        for (name, value) in cart?["shipping_address"] as? [String: Any] ?? [:] where Self.addressFields.contains(name) {
            if let text = value as? String { values[name] = text }
        }
    }

    /// Marks every required field left empty (all at once, so the shopper fixes them in one go).
    mutating func checkRequired() {
        for field in Self.fields where field.required && values[field.name] == nil { errors[field.name] = "is required" }
        if values[Self.paymentField] == nil { errors[Self.paymentField] = "choose how to pay" }
    }

    /// The address as Cart takes it (`cart.address.set`); blank optional fields are left out.
    var shippingAddress: [String: Any] {
        var out: [String: Any] = [:]
        for name in Self.addressFields { if let v = values[name] { out[name] = name == "country" ? v.uppercased() : v } }
        return out
    }

    /// Puts a module's refusal (`"<field>: <reason>"`, e.g. Cart's
    /// `"shipping_address.country: \"XX\" is not an ISO 3166-1 alpha-2 country code"`) next to
    /// its field; any other reason is about the whole form.
    mutating func place(_ refusal: String) {
        if let colon = refusal.range(of: ": ") {
            var field = String(refusal[..<colon.lowerBound])
            if field.hasPrefix("shipping_address.") { field.removeFirst("shipping_address.".count) }
            if Self.fields.contains(where: { $0.name == field }) || field == Self.paymentField {
                errors[field] = String(refusal[colon.upperBound...])
                return
            }
        }
        general.append(refusal)
    }

    /// The inputs as template rows (every key present: mustache looks a missing key up in
    /// the enclosing context).
    var fieldRows: [[String: Any]] {
        Self.fields.map { f in
            ["name": f.name, "label": f.label, "type": f.type, "autocomplete": f.autocomplete, "required": f.required,
             "value": values[f.name] ?? "", "error": orFalse(errors[f.name])]
        }
    }
}
