import Foundation

/// The frozen cart Cart answers to `cart.checkout.prepare`: what the order copies.
struct CartSnapshot {
    struct Line {
        var cartLineID: String
        var kind: String
        var variantID: String
        var sku: String
        var name: String
        var quantity: Int64
        var unitPrice: Int64
        var total: Int64
    }

    var cartID: String
    var version: Int64
    var currency: String
    var items: [Line]
    var subtotal: Int64
    /// The sum of the adjustments (coupon, loyalty, wallet, gift card), as Cart clamped them.
    var discount: Int64
    var tax: Int64
    var shipping: Int64
    var total: Int64
    /// JSON texts, copied as they are.
    var adjustments: String
    var codes: String
    var shippingAddress: String?
    var billingAddress: String?
    var customerEmail: String
    var customerName: String
    var customerPhone: String

    /// Reads Cart's reply; a reply Order cannot read is Cart's fault (502), named by field.
    init(reply: String) throws(OrderError) {
        guard let object = JSON.parse(reply) as? [String: Any] else { throw OrderError(502, "Cart answered cart.checkout.prepare with something that is not a JSON object") }
        let input = JSONInput(object: object, path: "")
        do throws(OrderError) {
            cartID = try input.string("cart_id", max: 200)
            version = try input.int("version")
            currency = try input.string("currency", max: 3).uppercased()
            guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isLetter }) else { throw OrderError.invalid("currency", "must be an ISO 4217 code") }
            var lines: [Line] = []
            for line in try input.objects("items") {
                let sku = try line.optionalString("sku", max: 200) ?? ""
                let name = try line.optionalString("name", max: 500)
                lines.append(Line(cartLineID: try line.optionalString("line_id", max: 200) ?? "", kind: try line.optionalString("kind", max: 40) ?? "variant",
                     variantID: try line.optionalString("variant_id", max: 200) ?? "", sku: sku, name: name ?? sku,
                     quantity: try line.int("quantity", min: 1, max: 1_000_000), unitPrice: try line.int("unit_price"), total: try line.int("total")))
            }
            items = lines
            subtotal = try input.int("subtotal")
            let adjustmentRows = try input.optionalObjects("adjustments") ?? []
            var sum: Int64 = 0
            for a in adjustmentRows { sum += try a.int("amount", min: Int64.min) }
            discount = sum
            tax = try input.optionalInt("tax") ?? 0
            shipping = try input.optionalInt("shipping") ?? 0
            total = try input.int("total")
            adjustments = JSON.text(adjustmentRows.map(\.object))
            codes = JSON.text((object["codes"] as? [Any]) ?? [])
            let shippingObject = try input.optionalObject("shipping_address")
            let billingObject = try input.optionalObject("billing_address")
            shippingAddress = shippingObject.map { JSON.text($0.object) }
            billingAddress = billingObject.map { JSON.text($0.object) }
            customerEmail = try input.optionalString("customer_email", max: 320) ?? ""
            let contact = [shippingObject, billingObject].compactMap { $0 }
            customerName = contact.lazy.compactMap { $0.object["name"] as? String }.first ?? ""
            customerPhone = contact.lazy.compactMap { $0.object["phone"] as? String }.first ?? ""
        } catch {
            throw OrderError(502, "Cart's checkout snapshot cannot be read: \(error.description)")
        }
    }
}
