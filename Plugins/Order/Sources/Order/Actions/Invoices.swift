import EOPSDK
import Foundation

/// Invoices: numbered without gaps per shop and immutable once issued. The number comes
/// from `next_invoice_number`, whose counter row stays locked until the issuing
/// transaction ends: concurrent issues wait their turn, and an issue that rolls back
/// returns its number. The invoice is a snapshot of the order; a trigger refuses any
/// change or deletion of an issued one.
extension Order {
    /// The only shop of this installation (one database is one shop).
    static let shop = "default"

    /// Issues the order's invoice inside the caller's transaction (the order locked), or
    /// returns the one already issued. Publishes `order.invoice.issued` for a new one.
    func issueInvoice(_ order: inout OrderRow, actor: String) throws -> (id: String, number: String, created: Bool) {
        if let r = try sql.execute("SELECT id::text AS id, number FROM invoices WHERE order_id = $1::uuid", order.id).first {
            return (try r.requiredString("id"), try r.requiredString("number"), false)
        }
        guard order.status != "canceled" else { throw OrderError.conflict("status", "order \(order.number) is canceled: no invoice is issued") }
        let sequence = try sql.execute("SELECT next_invoice_number($1) AS n", Self.shop).first?.requiredInt64("n") ?? 0
        let number = settings.invoicePrefix + String(format: "%06lld", sequence)
        let id = Self.newID()
        try sql.execute("""
            INSERT INTO invoices (id, order_id, shop, sequence, number, snapshot)
            SELECT $1::uuid, o.id, $3, $4, $5, jsonb_build_object(
                'shop', jsonb_build_object('name', $6::text, 'address', $7::text, 'tax_id', $8::text),
                'order', jsonb_build_object('id', o.id, 'number', o.number, 'placed_at', \(Self.utc("o.placed_at")), 'currency', o.currency,
                    'subtotal', o.subtotal, 'discount', o.discount, 'tax', o.tax, 'shipping', o.shipping, 'total', o.total,
                    'adjustments', o.adjustments, 'billing_address', o.billing_address, 'shipping_address', o.shipping_address,
                    'customer_email', o.customer_email, 'customer_name', o.customer_name, 'payment_method', o.payment_method),
                'lines', (SELECT coalesce(jsonb_agg(jsonb_build_object('sku', l.sku, 'name', l.name, 'quantity', l.quantity,
                    'unit_price', l.unit_price, 'total', l.total) ORDER BY l.position), '[]'::jsonb) FROM order_lines l WHERE l.order_id = o.id))
            FROM orders o WHERE o.id = $2::uuid
            """, id, order.id, Self.shop, sequence, number, settings.shopName, settings.shopAddress, settings.shopTaxID)
        try publishInvoiceIssued(order, invoiceID: id, number: number)
        return (id, number, true)
    }

    /// `POST /api/order/orders/{id}/invoices`: 201 with a new invoice, 200 with the one issued before.
    func issueInvoiceRoute(orderID: String, actor: String) throws -> (json: [String: Any], created: Bool) {
        let (id, _, created) = try sql.transaction {
            var order = try order(orderID)
            return try issueInvoice(&order, actor: actor)
        }
        return (try invoiceJSON(id), created)
    }

    func invoiceJSON(_ id: String) throws -> [String: Any] {
        guard let r = try sql.execute("""
            SELECT json_build_object('id', id, 'order_id', order_id, 'number', number, 'sequence', sequence, 'issued_at', \(Self.utc("issued_at")),
                   'snapshot', snapshot)::text AS j FROM invoices WHERE id = $1::uuid
            """, id).first, let object = JSON.parse(try r.string("j")) as? [String: Any] else { throw OrderError.notFound("invoice '\(id)'") }
        return object
    }

    /// The order's invoice as a printable HTML page (from the issued snapshot only).
    func invoiceHTML(orderID: String) throws -> String {
        guard let r = try sql.execute("SELECT number, \(Self.utc("issued_at")) AS issued_at, snapshot::text AS snapshot FROM invoices WHERE order_id = $1::uuid", orderID).first else {
            let number = try order(orderID, lock: false).number
            throw OrderError.notFound("an invoice for order \(number)")
        }
        let number = try r.requiredString("number"), issued = try r.requiredString("issued_at")
        let snapshot = JSON.parse(try r.string("snapshot")) as? [String: Any] ?? [:]
        let shop = snapshot["shop"] as? [String: Any] ?? [:], order = snapshot["order"] as? [String: Any] ?? [:]
        let lines = snapshot["lines"] as? [[String: Any]] ?? []
        let currency = order["currency"] as? String ?? ""
        func money(_ value: Any?) -> String {
            let minor = JSON.int(value) ?? 0
            return (try? host.formatMoney(minorUnits: minor, currency: currency)) ?? "\(minor) \(currency)"
        }
        func address(_ value: Any?) -> String {
            guard let a = value as? [String: Any] else { return "" }
            let keys = ["name", "company", "line1", "line2", "city", "region", "postal_code", "country"]
            return keys.compactMap { a[$0] as? String }.filter { !$0.isEmpty }.map(html).joined(separator: "<br>")
        }
        let rows = lines.map { l in
            "<tr><td>\(html(l["sku"] as? String ?? ""))</td><td>\(html(l["name"] as? String ?? ""))</td><td class=n>\(JSON.int(l["quantity"]) ?? 0)</td>"
                + "<td class=n>\(money(l["unit_price"]))</td><td class=n>\(money(l["total"]))</td></tr>"
        }.joined(separator: "\n")
        let adjustments = (order["adjustments"] as? [[String: Any]] ?? []).map { a in
            "<tr><td colspan=4>\(html(a["label"] as? String ?? a["code"] as? String ?? a["kind"] as? String ?? "Adjustment"))</td><td class=n>−\(money(a["amount"]))</td></tr>"
        }.joined(separator: "\n")
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Invoice \(html(number))</title>
            <style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#111}table{border-collapse:collapse;width:100%}
            td,th{border-bottom:1px solid #ccc;padding:.3em .5em;text-align:left}.n{text-align:right}header{display:flex;justify-content:space-between}
            @media print{body{margin:0}}</style></head>
            <body>
            <header><div><h1>\(html(shop["name"] as? String ?? ""))</h1><p>\(html(shop["address"] as? String ?? ""))</p>\((shop["tax_id"] as? String).flatMap { $0.isEmpty ? nil : "<p>Tax id \(html($0))</p>" } ?? "")</div>
            <div><h2>Invoice \(html(number))</h2><p>Issued \(html(issued))<br>Order \(html(order["number"] as? String ?? "")) placed \(html(order["placed_at"] as? String ?? ""))</p></div></header>
            <section><h3>Billed to</h3><p>\(address(order["billing_address"] ?? order["shipping_address"]))\(order["customer_email"].flatMap { $0 as? String }.map { "<br>" + html($0) } ?? "")</p></section>
            <table><thead><tr><th>SKU</th><th>Item</th><th class=n>Qty</th><th class=n>Unit price</th><th class=n>Total</th></tr></thead>
            <tbody>
            \(rows)
            </tbody><tfoot>
            <tr><td colspan=4>Subtotal</td><td class=n>\(money(order["subtotal"]))</td></tr>
            \(adjustments)
            <tr><td colspan=4>Tax</td><td class=n>\(money(order["tax"]))</td></tr>
            <tr><td colspan=4>Shipping</td><td class=n>\(money(order["shipping"]))</td></tr>
            <tr><th colspan=4>Total</th><th class=n>\(money(order["total"]))</th></tr>
            </tfoot></table>
            <p>Payment method: \(html(order["payment_method"] as? String ?? ""))</p>
            </body></html>
            """
    }
}

/// Text made safe for HTML.
func html(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
