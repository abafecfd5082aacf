import EOPABI
import EOPSDK
import Foundation

/// One variant's price as Catalog quotes it.
struct Quote {
    var variantID: String
    var productID: String?
    var sku: String
    var name: String
    /// The quantity it was quoted for (tiers depend on it).
    var quantity: Int64
    var unitPrice: Int64
    var currency: String
    /// Why it cannot be sold (unknown variant, product not active); nil when it can.
    var unavailable: String?
}

extension Cart {
    /// `catalog.price.quote` for the variants at the quantities given, in order.
    /// Catalog not answering is 503 naming it; its refusals are the caller's 422.
    func quote(_ items: [(variantID: String, quantity: Int64)]) throws -> [Quote] {
        let payload = JSON.text(["items": items.map { ["variant_id": $0.variantID, "quantity": $0.quantity] }])
        let reply: String
        do {
            reply = try host.request("catalog.price.quote", json: payload, timeoutMS: settings.quoteTimeoutMS)
        } catch {
            switch error.status {
            case EOP_ERR_NOT_FOUND, EOP_ERR_UNAVAILABLE, EOP_ERR_TIMEOUT:
                throw CartError.unavailable("Catalog is not answering: prices come from catalog.price.quote (\(error.message))", extra: ["missing": ["catalog"]])
            default:
                throw CartError.unprocessable("variant_id", "Catalog refused the price quote: \(error.message)")
            }
        }
        guard let object = JSON.decode(reply) as? [String: Any], let lines = object["items"] as? [[String: Any]], lines.count == items.count else {
            throw PluginError("catalog.price.quote answered something else than one item per variant: \(reply.prefix(300))")
        }
        return zip(items, lines).map { asked, line in
            let available = line["available"] as? Bool ?? false
            let sku = line["sku"] as? String ?? asked.variantID
            return Quote(variantID: asked.variantID, productID: line["product_id"] as? String, sku: sku,
                         name: (line["name"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? sku, quantity: asked.quantity,
                         unitPrice: int64(line["unit_price"]), currency: (line["currency"] as? String ?? "").uppercased(),
                         unavailable: available ? nil : (line["reason"] as? String ?? "not for sale"))
        }
    }
}
