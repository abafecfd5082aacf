import EOPABI
import EOPSDK
import Foundation

extension Cart {
    /// Asks every contributor of the `cart.adjustments.collect` hook (coupons, loyalty,
    /// wallet, gift cards) what comes off this cart, with the codes the customer entered
    /// (or `codes` when checking a code before it is kept). No lines: nothing to ask.
    /// A veto (EOP_ERR_DENIED) or a failing contributor comes back as `error` — the
    /// host's message names the plugin and its reason — and no adjustment applies then.
    /// A malformed adjustment is skipped and logged, naming its plugin.
    func collectAdjustments(_ record: CartRecord, codes: [String]? = nil) throws -> (adjustments: [Adjustment], error: String?) {
        guard !record.lines.isEmpty else { return ([], nil) }
        try record.checkTotals()
        var payload: [String: Any] = [
            "cart_id": record.id, "currency": record.currency, "codes": codes ?? record.codes,
            "subtotal": record.lines.reduce(0) { $0 + $1.total },
            "lines": record.lines.map { line -> [String: Any] in
                var l: [String: Any] = ["line_id": line.id, "kind": line.kind.rawValue, "sku": line.sku, "quantity": line.quantity,
                                        "unit_price": line.unitPrice, "total": line.total]
                if let v = line.variantID { l["variant_id"] = v }
                return l
            },
        ]
        if let customer = record.customerID { payload["customer_id"] = customer }
        let replies: [HookReply]
        do {
            replies = try host.hook("cart.adjustments.collect", json: JSON.text(payload))
        } catch {
            return ([], Self.hookRefusal(error))
        }
        var out: [Adjustment] = []
        for reply in replies {
            guard let object = JSON.decode(reply.json) as? [String: Any], let list = object["adjustments"] as? [Any] else {
                host.log(.warning, "cart: '\(reply.plugin)' answered cart.adjustments.collect without an adjustments array; ignored")
                continue
            }
            for (i, item) in list.enumerated() {
                do {
                    out.append(try Self.adjustment(item, from: reply.plugin, lines: Set(record.lines.map(\.id))))
                } catch {
                    host.log(.warning, "cart: adjustments[\(i)] from '\(reply.plugin)' ignored: \(error)")
                }
            }
        }
        return (out, nil)
    }

    /// What the customer is told when the hook fails: a veto's reason as the host gives it
    /// (naming the plugin), or that collecting failed and why.
    static func hookRefusal(_ error: any Error) -> String {
        guard let e = error as? PluginError else { return "adjustments could not be collected: \(error)" }
        return e.status == EOP_ERR_DENIED ? e.message : "adjustments could not be collected: \(e.message)"
    }

    /// One contributed adjustment, checked: a known kind, a whole amount > 0, a line of this cart.
    static func adjustment(_ item: Any, from plugin: String, lines: Set<String>) throws(CartError) -> Adjustment {
        guard let object = item as? [String: Any] else { throw .invalid("adjustment", "must be an object") }
        let input = JSONInput(object: object, path: "")
        let kindName = try input.string("kind", max: 20)
        guard let kind = AdjustmentKind(rawValue: kindName) else {
            throw .invalid("kind", "\"\(kindName)\" is not one of \(AdjustmentKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let amount = try input.int("amount", min: 1)
        let code = try input.optionalText("code", max: 100)
        let lineID = try input.optionalID("line_id")
        if let lineID, !lines.contains(lineID) { throw .invalid("line_id", "\(lineID) is not a line of this cart") }
        let label = try input.optionalText("label", max: 200) ?? code ?? kind.rawValue
        return Adjustment(kind: kind, code: code, label: label, requested: amount, lineID: lineID, source: plugin)
    }

    /// The tax rate for an address, in basis points: its (country, region), else its country's
    /// rate; nil when the table has neither or the cart has no address yet.
    func taxRate(for address: [String: Any]?) throws -> Int64? {
        guard let country = address?["country"] as? String else { return nil }
        let region = (address?["region"] as? String ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        return try sql.execute("""
            SELECT rate_bp FROM tax_rates WHERE country = $1 AND region IN ($2, '') ORDER BY region DESC LIMIT 1
            """, country, region).first?.int64("rate_bp")
    }
}
