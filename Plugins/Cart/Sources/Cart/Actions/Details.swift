import EOPABI
import EOPSDK
import Foundation

/// The cart's contact and addresses, and the codes the customer enters.
extension Cart {
    /// `PUT /api/cart/address` `{"email"?, "shipping_address"?, "billing_address"?}`: each key
    /// given replaces its value (null clears it); without a billing address the shipping
    /// address bills. The shipping address picks the tax rate.
    func setAddress(_ owner: Owner, _ input: JSONInput) throws -> [String: Any] {
        try input.only(["email", "shipping_address", "billing_address"])
        guard input.has("email") || input.has("shipping_address") || input.has("billing_address") else {
            throw CartError.invalid("(body)", "give email, shipping_address or billing_address")
        }
        let email = try checkedEmail(input, "email")
        let shipping = try input.optionalObject("shipping_address").map { obj throws(CartError) in try Address.read(obj) }
        let billing = try input.optionalObject("billing_address").map { obj throws(CartError) in try Address.read(obj) }
        guard let cart = try openCart(for: owner, create: true) else { throw CartError.notFound("cart") }
        try sql.transaction {
            try lockOpenCart(cart.id)
            try sql.execute("""
                UPDATE carts SET email = CASE WHEN $2 THEN $3 ELSE email END,
                                 shipping_address = CASE WHEN $4 THEN $5::jsonb ELSE shipping_address END,
                                 billing_address = CASE WHEN $6 THEN $7::jsonb ELSE billing_address END
                WHERE id = $1::uuid
                """, cart.id, input.has("email"), email, input.has("shipping_address"), shipping.map { JSON.text($0.json) },
                input.has("billing_address"), billing.map { JSON.text($0.json) })
            try touch(cart.id)
        }
        return try view(cart.id, newToken: cart.newToken)
    }

    /// `cart.address.set`: the owner (`customer_id`, `cart_token` or `cart_id`) and the fields
    /// of `PUT /api/cart/address`, checked the same way (Storefront's checkout form uses it).
    /// An owner must be named: a module setting an address on a cart nobody can reach is a mistake.
    func setAddressCommand(_ input: JSONInput) throws -> [String: Any] {
        let owner = try Owner.read(input)
        guard owner.customerID != nil || owner.cartToken != nil || owner.cartID != nil else {
            throw CartError.invalid("customer_id", "name the cart's owner: customer_id, cart_token or cart_id")
        }
        let ownerKeys: Set<String> = ["customer_id", "cart_token", "cart_id"]
        return try setAddress(owner, JSONInput(object: input.object.filter { !ownerKeys.contains($0.key) }, path: input.path))
    }

    /// `POST /api/cart/codes` `{"code"}`: the code (upper-cased) is checked with the
    /// contributors before it is kept: a veto is answered 422 with their reason, and a code
    /// no contributor recognises is refused the same way. Entering a kept code again changes nothing.
    func addCode(_ owner: Owner, _ input: JSONInput) throws -> [String: Any] {
        try input.only(["code"])
        let code = try input.string("code", max: 64).uppercased()
        guard code.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }) else {
            throw CartError.invalid("code", "may hold only letters, digits, '-' and '_'")
        }
        guard let cart = try openCart(for: owner, create: false), let record = try record(cart.id), !record.lines.isEmpty else {
            throw CartError.unprocessable("code", "add something to the cart before entering a code")
        }
        if record.codes.contains(code) { return try view(record) }
        guard record.codes.count < 10 else { throw CartError.unprocessable("code", "at most 10 codes per cart") }
        let collected = try collectAdjustments(record, codes: record.codes + [code])
        if let error = collected.error { throw CartError.unprocessable("code", error) }
        guard collected.adjustments.contains(where: { $0.code?.uppercased() == code }) else {
            throw CartError.unprocessable("code", "\(code) is not a code this shop knows, or it does not apply to this cart")
        }
        try sql.transaction {
            try lockOpenCart(cart.id)
            try sql.execute("UPDATE carts SET codes = array_append(codes, $2) WHERE id = $1::uuid AND NOT ($2 = ANY(codes))", cart.id, code)
            try touch(cart.id)
        }
        return try view(cart.id)
    }

    /// `DELETE /api/cart/codes/{code}`.
    func removeCode(_ owner: Owner, code: String) throws -> [String: Any] {
        guard let cart = try openCart(for: owner, create: false) else { throw CartError.notFound("code '\(code)' in your cart") }
        try sql.transaction {
            try lockOpenCart(cart.id)
            let changed = try sql.execute("UPDATE carts SET codes = array_remove(codes, $2) WHERE id = $1::uuid AND $2 = ANY(codes)", cart.id, code.uppercased())
            guard changed.affected == 1 else { throw CartError.notFound("code '\(code)' in your cart") }
            try touch(cart.id)
        }
        return try view(cart.id)
    }
}
