import EOPSDK
import Foundation

extension Cart {
    /// The cart as every answer shows it (contract of `cart.cart.get`), totals included.
    func view(_ cartID: String, newToken: String? = nil) throws -> [String: Any] {
        guard let record = try record(cartID) else { throw CartError.notFound("cart '\(cartID)'") }
        var out = try view(record)
        if let newToken { out["cart_token"] = newToken }
        return out
    }

    func view(_ record: CartRecord) throws -> [String: Any] {
        try record.checkTotals()
        let collected = try collectAdjustments(record)
        let totals = try totals(record, adjustments: collected.adjustments)
        var out: [String: Any] = [
            "cart_id": record.id, "status": record.status, "currency": record.currency, "version": record.version,
            "items": record.lines.map { line -> [String: Any] in
                var item: [String: Any] = ["line_id": line.id, "kind": line.kind.rawValue, "sku": line.sku, "name": line.name,
                                           "quantity": line.quantity, "unit_price": line.unitPrice, "total": line.total, "currency": line.currency,
                                           "details": line.details]
                if let v = line.variantID { item["variant_id"] = v }
                if let p = line.productID { item["product_id"] = p }
                return item
            },
            "item_count": record.lines.reduce(0) { $0 + $1.quantity },
            "subtotal": totals.totals.subtotal,
            "adjustments": totals.totals.applied.map { applied -> [String: Any] in
                var a: [String: Any] = ["kind": applied.adjustment.kind.rawValue, "label": applied.adjustment.label, "amount": applied.amount,
                                        "requested": applied.adjustment.requested, "source": applied.adjustment.source]
                if let code = applied.adjustment.code { a["code"] = code }
                if let line = applied.adjustment.lineID { a["line_id"] = line }
                return a
            },
            "discount": totals.totals.discount, "tax": totals.totals.tax, "tax_rate_bp": totals.rate ?? NSNull(),
            "shipping": totals.totals.shipping, "credits": totals.totals.credits, "total": totals.totals.total,
            "price_changes": record.priceChanges, "codes": record.codes,
        ]
        if let c = record.customerID { out["customer_id"] = c }
        if let e = record.email { out["customer_email"] = e }
        if let s = record.shippingAddress { out["shipping_address"] = s }
        if let b = record.billingAddress ?? record.shippingAddress { out["billing_address"] = b }
        if let o = record.orderID { out["order_id"] = o }
        if let error = collected.error { out["adjustments_error"] = error }
        return out
    }

    /// What the owner sees before they have a cart: nothing, in the default currency.
    func emptyView() -> [String: Any] {
        ["cart_id": NSNull(), "status": "open", "currency": settings.currency, "version": 0, "items": [Any](), "item_count": 0,
         "subtotal": 0, "adjustments": [Any](), "discount": 0, "tax": 0, "tax_rate_bp": NSNull(), "shipping": 0, "credits": 0, "total": 0,
         "price_changes": [Any](), "codes": [Any]()]
    }

    /// Totals with the tax rate of the cart's address (shipping, else billing).
    func totals(_ record: CartRecord, adjustments: [Adjustment]) throws -> (totals: Totals, rate: Int64?) {
        let rate = try taxRate(for: record.shippingAddress ?? record.billingAddress)
        let lines = record.lines.map { PricedLine(id: $0.id, kind: $0.kind, total: $0.total) }
        return (Totals.compute(lines: lines, adjustments: adjustments, taxRateBP: rate, shippingFee: settings.shippingFee,
                               freeShippingFrom: settings.freeShippingFrom), rate)
    }
}
