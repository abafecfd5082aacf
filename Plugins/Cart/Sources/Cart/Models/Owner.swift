import Foundation

/// Who a cart request is for: a signed-in customer, a guest holding a cart token, both
/// (a guest who just signed in: their guest cart merges into the customer's), or a cart
/// by id (modules, staff).
struct Owner {
    var customerID: String?
    var cartToken: String?
    var cartID: String?

    /// From a command or query payload: `customer_id`, `cart_token`, `cart_id`.
    static func read(_ input: JSONInput) throws(CartError) -> Owner {
        // A token that is not one of ours is kept as given: it matches no cart (and so never
        // turns a request for a named cart into one by id alone).
        Owner(customerID: try input.optionalText("customer_id", max: 200), cartToken: try input.optionalText("cart_token", max: 200),
              cartID: try input.optionalID("cart_id"))
    }
}

/// The guest's cart token: 32 random bytes (a cryptographic generator), base64url without
/// padding — safe in a cookie and a header. Only its SHA-256 is stored, so a copy of the
/// database does not hand out carts.
enum CartToken {
    static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// 43 characters of the base64url alphabet: what `generate` makes.
    static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 43 && token.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
    }

    /// The SQL expression that hashes parameter `$n` as stored in `carts.token_hash`.
    static func hashSQL(_ n: Int) -> String { "sha256(convert_to($\(n)::text, 'UTF8'))" }
}
