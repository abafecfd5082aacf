import EOPPlatformKit
import EOPSDK
import Foundation

extension Cart {
    /// Adds a line (`cart.item.add`, `POST /api/cart/items`, staff fees) and answers the cart.
    /// `kind` variant (default), bundle, digital: `variant_id`, `quantity` (default 1), priced
    /// by Catalog for the line's whole quantity (tiers apply); the same variant adds up on its
    /// line. gift_card: `amount` (face value), `quantity`, `recipient_email`, `message`.
    /// fee (only when `allowFee`: staff, other modules): `label`, `amount`, `code`.
    func addItem(_ owner: Owner, _ input: JSONInput, allowFee: Bool) throws -> [String: Any] {
        let kindName = try input.optionalString("kind", max: 20) ?? LineKind.variant.rawValue
        guard let kind = LineKind(rawValue: kindName) else { throw CartError.invalid("kind", "\"\(kindName)\" is not one of \(LineKind.names)") }
        if kind == .fee, !allowFee { throw CartError.forbidden("kind", "fee lines are added by staff or the shop's modules, not by the customer") }
        // Read everything before a cart is made: a refused add must not leave an empty cart behind.
        let line: NewLine
        switch kind {
        case .variant, .bundle, .digital: line = try .catalog(kind, variantID: try input.id("variant_id"), quantity: try quantity(input))
        case .giftCard: line = try giftCard(input)
        case .fee: line = try fee(input)
        }
        guard let cart = try openCart(for: owner, create: true) else { throw CartError.notFound("cart") }
        switch line {
        case .catalog(let kind, let variantID, let quantity): try addCatalogLine(cart.id, kind: kind, variantID: variantID, quantity: quantity)
        case .fixed(let kind, let sku, let name, let quantity, let amount, let currency, let details):
            try sql.transaction {
                let locked = try lockOpenCart(cart.id)
                let cartCurrency = try currencyForNewLine(cart.id, locked: locked, currency: currency ?? locked.currency, field: "currency")
                try sql.execute("""
                    INSERT INTO cart_lines (id, cart_id, kind, sku, name, quantity, unit_price, currency, details)
                    VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8, $9::jsonb)
                    """, Cart.newID(), cart.id, kind.rawValue, sku, name, quantity, amount, cartCurrency, JSON.text(details))
                try touch(cart.id)
            }
        }
        return try view(cart.id, newToken: cart.newToken)
    }

    /// What an add asks for, read and checked.
    enum NewLine {
        case catalog(LineKind, variantID: String, quantity: Int64)
        case fixed(LineKind, sku: String, name: String, quantity: Int64, amount: Int64, currency: String?, details: [String: Any])
    }

    private func quantity(_ input: JSONInput) throws(CartError) -> Int64 {
        guard let q = try input.optionalInt("quantity", min: 1) else { return 1 }
        guard q <= settings.maxLineQuantity else { throw .unprocessable("quantity", "at most \(settings.maxLineQuantity) per line") }
        return q
    }

    /// A line may total at most `CartRecord.maxLineTotal`.
    func checkLineTotal(_ unitPrice: Int64, _ quantity: Int64) throws(CartError) {
        let (total, overflow) = unitPrice.multipliedReportingOverflow(by: quantity)
        guard !overflow, total <= CartRecord.maxLineTotal else {
            throw .unprocessable("quantity", "a line may total at most \(CartRecord.maxLineTotal) (minor units)")
        }
    }

    private func giftCard(_ input: JSONInput) throws(CartError) -> NewLine {
        let amount = try input.int("amount", min: 1)
        guard amount <= settings.giftCardMax else { throw .unprocessable("amount", "a gift card is worth at most \(settings.giftCardMax) (minor units)") }
        var details: [String: Any] = [:]
        if let email = try checkedEmail(input, "recipient_email") { details["recipient_email"] = email }
        if let message = try input.optionalText("message", max: 500) { details["message"] = message }
        let count = try quantity(input)
        try checkLineTotal(amount, count)
        return .fixed(.giftCard, sku: "GIFT-CARD", name: "Gift card", quantity: count, amount: amount,
                      currency: try currencyCode(input), details: details)
    }

    private func fee(_ input: JSONInput) throws(CartError) -> NewLine {
        let label = try input.string("label", max: 200)
        let amount = try input.int("amount", min: 1, max: 1_000_000_000_000)
        let code = try input.optionalText("code", max: 100)
        return .fixed(.fee, sku: code.map { "FEE-\($0.uppercased())" } ?? "FEE", name: label, quantity: 1, amount: amount,
                      currency: try currencyCode(input), details: code.map { ["code": $0] } ?? [:])
    }

    private func currencyCode(_ input: JSONInput) throws(CartError) -> String? {
        guard let code = try input.optionalText("currency", max: 3)?.uppercased() else { return nil }
        guard Currency.isKnown(code) else { throw .invalid("currency", "unknown currency code '\(code)'") }
        return code
    }

    /// The currency a new line must have: the cart's, or any when the cart has no lines yet
    /// (the cart then takes it). Inside the transaction holding the cart's lock.
    func currencyForNewLine(_ cartID: String, locked: (currency: String, lineCount: Int64), currency: String, field: String) throws -> String {
        if locked.lineCount == 0 {
            if currency != locked.currency { try sql.execute("UPDATE carts SET currency = $2 WHERE id = $1::uuid", cartID, currency) }
            return currency
        }
        guard currency == locked.currency else {
            throw CartError.conflict(field, "the cart is in \(locked.currency); this is priced in \(currency)")
        }
        guard locked.lineCount < settings.maxLines else { throw CartError.unprocessable("items", "a cart holds at most \(settings.maxLines) lines") }
        return currency
    }

    /// A variant, bundle or digital line: priced for the quantity the line will hold. The
    /// quote is asked outside the transaction (no row lock held while Catalog answers); if the
    /// line changed meanwhile, it is quoted again for the new quantity. After three such
    /// races the add takes the cart's lock first and quotes under it, so it always ends.
    private func addCatalogLine(_ cartID: String, kind: LineKind, variantID: String, quantity: Int64) throws {
        for attempt in 0..<4 {
            if attempt == 3 {
                try sql.transaction {
                    let locked = try lockOpenCart(cartID)
                    let existing = try catalogLine(cartID, variantID: variantID, kind: kind)
                    let price = try priced(variantID, holding: existing?.quantity ?? 0, adding: quantity)
                    try writeCatalogLine(cartID, locked: locked, kind: kind, variantID: variantID, existing: existing, price: price)
                }
                return
            }
            let existing = try catalogLine(cartID, variantID: variantID, kind: kind)
            let price = try priced(variantID, holding: existing?.quantity ?? 0, adding: quantity)
            let done: Bool = try sql.transaction {
                let locked = try lockOpenCart(cartID)
                guard try catalogLine(cartID, variantID: variantID, kind: kind)?.quantity == existing?.quantity else { return false }
                try writeCatalogLine(cartID, locked: locked, kind: kind, variantID: variantID, existing: existing, price: price)
                return true
            }
            if done { return }
        }
    }

    /// The cart's line of this variant; refused when it is there as another kind.
    private func catalogLine(_ cartID: String, variantID: String, kind: LineKind) throws -> (id: String, quantity: Int64)? {
        guard let r = try sql.execute("SELECT id::text, kind, quantity FROM cart_lines WHERE cart_id = $1::uuid AND variant_id = $2::uuid", cartID, variantID).first else {
            return nil
        }
        if try r.requiredString("kind") != kind.rawValue {
            throw CartError.conflict("kind", "the variant is already in the cart as a \(try r.requiredString("kind")) line")
        }
        return (try r.requiredString("id"), try r.requiredInt64("quantity"))
    }

    /// The quote for a line holding `before` that gets `adding` more, within the line limit and for sale.
    private func priced(_ variantID: String, holding before: Int64, adding: Int64) throws -> Quote {
        let wanted = before + adding
        guard wanted <= settings.maxLineQuantity else {
            throw CartError.unprocessable("quantity", "at most \(settings.maxLineQuantity) per line; the cart already holds \(before)")
        }
        guard let price = try quote([(variantID, wanted)]).first else { throw PluginError("catalog.price.quote answered no item") }
        if let reason = price.unavailable { throw CartError.unprocessable("variant_id", "\(price.sku) cannot be bought: \(reason)") }
        try checkLineTotal(price.unitPrice, wanted)
        return price
    }

    /// Writes the line at its new quantity and price, inside the transaction holding the cart's lock.
    private func writeCatalogLine(_ cartID: String, locked: (currency: String, lineCount: Int64), kind: LineKind, variantID: String,
                                  existing: (id: String, quantity: Int64)?, price: Quote) throws {
        if let existing {
            guard price.currency == locked.currency else {
                throw CartError.conflict("variant_id", "the cart is in \(locked.currency); \(price.sku) is now priced in \(price.currency)")
            }
            try sql.execute("UPDATE cart_lines SET quantity = $2, unit_price = $3, sku = $4, name = $5 WHERE id = $1::uuid",
                            existing.id, price.quantity, price.unitPrice, price.sku, price.name)
            try sql.execute("DELETE FROM price_changes WHERE line_id = $1::uuid", existing.id)  // the new price is what the answer shows
        } else {
            let currency = try currencyForNewLine(cartID, locked: locked, currency: price.currency, field: "variant_id")
            try sql.execute("""
                INSERT INTO cart_lines (id, cart_id, kind, variant_id, product_id, sku, name, quantity, unit_price, currency)
                VALUES ($1::uuid, $2::uuid, $3, $4::uuid, $5::uuid, $6, $7, $8, $9, $10)
                """, Cart.newID(), cartID, kind.rawValue, variantID, price.productID, price.sku, price.name, price.quantity, price.unitPrice, currency)
        }
        try touch(cartID)
    }
}

extension Currency {
    static func isKnown(_ code: String) -> Bool { find(code) != nil }
}
