import EOPABI
import EOPSDK

/// Order's calls to Cart: the frozen snapshot at checkout and the cart for quotes.
extension Order {
    /// `cart.checkout.prepare`: Cart re-quotes every line and answers the frozen cart. Changed
    /// prices come back as a 409 listing them (Cart has stored the new prices: the customer
    /// sees them and checks out again); a missing Cart is a 503 naming it. With `cartID`
    /// (an express cart Cart made for the owner) Cart prepares that cart, if it is the owner's.
    func prepareCart(_ owner: Owner, cartID: String? = nil) throws(OrderError) -> CartSnapshot {
        let reply: String
        do {
            reply = try host.request("cart.checkout.prepare", json: JSON.text(Self.cartPayload(owner, cartID)), timeoutMS: settings.cartTimeoutMS)
        } catch {
            if error.status == EOP_ERR_CONFLICT {
                let cart = try? cart(owner, cartID: cartID)
                throw .conflict("cart", error.message, extra: ["price_changes": cart?["price_changes"] ?? [Any](), "cart": cart ?? [:]])
            }
            throw cartFailure(error, topic: "cart.checkout.prepare")
        }
        return try CartSnapshot(reply: reply)
    }

    /// `cart.cart.get`: the owner's cart (or their cart `cartID`) as Cart shows it.
    func cart(_ owner: Owner, cartID: String? = nil) throws(OrderError) -> [String: Any] {
        do {
            let reply = try host.request("cart.cart.get", json: JSON.text(Self.cartPayload(owner, cartID)), timeoutMS: settings.cartTimeoutMS)
            guard let object = JSON.parse(reply) as? [String: Any] else { throw OrderError(502, "Cart answered cart.cart.get with something that is not a JSON object") }
            return object
        } catch let error as PluginError {
            throw cartFailure(error, topic: "cart.cart.get")
        } catch let error as OrderError {
            throw error
        } catch {
            throw OrderError(502, "\(error)")
        }
    }

    /// The owner as Cart's topics take it, naming one of their carts when `cartID` is given.
    static func cartPayload(_ owner: Owner, _ cartID: String?) -> [String: Any] {
        var payload = owner.payload
        if let cartID { payload["cart_id"] = cartID }
        return payload
    }

    private func cartFailure(_ error: PluginError, topic: String) -> OrderError {
        switch error.status {
        case EOP_ERR_NOT_FOUND, EOP_ERR_UNAVAILABLE:
            return .unavailable("Cart is not active: checkout needs the Cart module (\(topic) has no answer)", extra: ["missing": "cart"])
        case EOP_ERR_TIMEOUT:
            return .unavailable("Cart did not answer \(topic) in time: \(error.message)")
        default:
            return .unprocessable("cart", "Cart refused: \(error.message)")
        }
    }
}
