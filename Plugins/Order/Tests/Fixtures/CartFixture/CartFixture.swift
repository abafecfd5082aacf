// A stand-in for the Cart module in Order's tests: it answers cart.checkout.prepare and
// cart.cart.get per the Cart/Order contract (docs: /work BRIEFING, Plugins/Order/Docs) from
// carts a test puts in over HTTP, and records the order.order.placed facts it receives.
// Only for tests: the real Cart lives in Plugins/Cart.
import EOPABI
import EOPSDK
import Foundation

final class CartFixture: Plugin {
    static let id = "cart-fixture"
    static let version = "1.0.0"

    struct Cart {
        var json: [String: Any]
        var version: Int64
        /// sku → new unit price, applied (and reported as a conflict) by the next prepare.
        var pendingPrices: [String: Int64] = [:]
        var priceChanges: [[String: Any]] = []
    }

    struct State {
        var carts: [String: Cart] = [:]
        var prepareCalls = 0
        var prepareDelayMS = 0
        var placed: [[String: Any]] = []
    }

    let state = Locked(State())

    init(host: HostAPI) throws {}

    static func key(_ payload: [String: Any]) -> String? {
        if let id = payload["customer_id"] as? String, !id.isEmpty { return "customer:\(id)" }
        if let token = payload["cart_token"] as? String, !token.isEmpty { return "guest:\(token)" }
        return nil
    }

    static func text(_ value: Any) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func object(_ bytes: [UInt8]) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
    }

    func view(_ cart: Cart) -> [String: Any] {
        var json = cart.json
        json["version"] = cart.version
        json["price_changes"] = cart.priceChanges
        return json
    }

    /// Re-prices lines and totals after price changes (line total = unit price × quantity).
    static func reprice(_ json: inout [String: Any], _ prices: [String: Int64]) -> [[String: Any]] {
        var changes: [[String: Any]] = []
        var items = json["items"] as? [[String: Any]] ?? []
        for i in items.indices {
            guard let sku = items[i]["sku"] as? String, let new = prices[sku] else { continue }
            let old = (items[i]["unit_price"] as? NSNumber)?.int64Value ?? 0
            let quantity = (items[i]["quantity"] as? NSNumber)?.int64Value ?? 0
            items[i]["unit_price"] = new
            items[i]["total"] = new * quantity
            changes.append(["line_id": items[i]["line_id"] ?? "", "sku": sku, "old": old, "new": new])
        }
        json["items"] = items
        let subtotal = items.reduce(Int64(0)) { $0 + (($1["total"] as? NSNumber)?.int64Value ?? 0) }
        let adjustments = (json["adjustments"] as? [[String: Any]] ?? []).reduce(Int64(0)) { $0 + (($1["amount"] as? NSNumber)?.int64Value ?? 0) }
        json["subtotal"] = subtotal
        json["total"] = subtotal - adjustments + ((json["tax"] as? NSNumber)?.int64Value ?? 0) + ((json["shipping"] as? NSNumber)?.int64Value ?? 0)
        return changes
    }

    func prepare(_ payload: [String: Any]) throws -> String {
        let delay = state.withLock { s -> Int in s.prepareCalls += 1; return s.prepareDelayMS }
        if delay > 0 { usleep(UInt32(delay) * 1000) }
        guard let key = Self.key(payload) else { throw PluginError("customer_id or cart_token is required", status: EOP_ERR_INVALID) }
        return try state.withLock { s in
            guard var cart = s.carts[key] else { throw PluginError("no cart for \(key)", status: EOP_ERR_INVALID) }
            if !cart.pendingPrices.isEmpty {
                let changes = Self.reprice(&cart.json, cart.pendingPrices)
                cart.pendingPrices = [:]
                cart.priceChanges = changes
                cart.version += 1
                s.carts[key] = cart
                let text = changes.map { "\($0["sku"] ?? "") \($0["old"] ?? "") → \($0["new"] ?? "")" }.joined(separator: ", ")
                throw PluginError("prices changed: \(text)", status: EOP_ERR_CONFLICT)
            }
            cart.priceChanges = []
            s.carts[key] = cart
            return Self.text(view(cart))
        }
    }

    func get(_ payload: [String: Any]) throws -> String {
        guard let key = Self.key(payload) else { throw PluginError("customer_id or cart_token is required", status: EOP_ERR_INVALID) }
        return try state.withLock { s in
            guard let cart = s.carts[key] else { throw PluginError("no cart for \(key)", status: EOP_ERR_INVALID) }
            return Self.text(view(cart))
        }
    }

    /// `PUT /api/cart-fixture/carts/{owner}` (`customer:<id>` or `guest:<token>`): the cart JSON;
    /// `fixture_delay_ms` slows every prepare down (to widen races).
    func put(_ owner: String, _ body: [String: Any]) -> HTTPAnswer {
        var json = body
        let delay = (json.removeValue(forKey: "fixture_delay_ms") as? NSNumber)?.intValue
        state.withLock { s in
            let version = (s.carts[owner]?.version ?? 0) + 1
            s.carts[owner] = Cart(json: json, version: version)
            if let delay { s.prepareDelayMS = delay }
        }
        return .json(Self.text(["owner": owner]))
    }

    /// `POST /api/cart-fixture/carts/{owner}/reprice` `{"sku": "…", "price": 1200}`: the next prepare finds it changed.
    func reprice(_ owner: String, _ body: [String: Any]) -> HTTPAnswer {
        state.withLock { s in
            if let sku = body["sku"] as? String, let price = (body["price"] as? NSNumber)?.int64Value { s.carts[owner]?.pendingPrices[sku] = price }
        }
        return .json("{}")
    }

    func stats() -> HTTPAnswer {
        state.withLock { s in
            .json(Self.text(["prepare_calls": s.prepareCalls, "placed": s.placed]))
        }
    }

    func placed(_ event: IncomingEvent) -> HandlerResult {
        let payload = Self.object(event.payload)
        state.withLock { s in s.placed.append(payload) }
        return .ok
    }
}

@_cdecl("eop_plugin_entry")
public func eop_plugin_entry() -> UnsafeRawPointer { PluginExport.descriptor(for: CartFixture.self) }

@_cdecl("cart_fixture_prepare")
public func cart_fixture_prepare(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.answer(ctx, query, out, err) { (cart: CartFixture, query) in try cart.prepare(CartFixture.object(query.payload)) }
}

@_cdecl("cart_fixture_get")
public func cart_fixture_get(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.answer(ctx, query, out, err) { (cart: CartFixture, query) in try cart.get(CartFixture.object(query.payload)) }
}

@_cdecl("cart_fixture_on_placed")
public func cart_fixture_on_placed(_ ctx: UnsafeMutableRawPointer?, _ event: UnsafeRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.handle(ctx, event, err) { (cart: CartFixture, event) in cart.placed(event) }
}

@_cdecl("cart_fixture_http_put")
public func cart_fixture_http_put(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.route(ctx, req, resp, err) { (cart: CartFixture, r) in cart.put(r.pathParameters["owner"] ?? "", CartFixture.object(r.body)) }
}

@_cdecl("cart_fixture_http_reprice")
public func cart_fixture_http_reprice(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.route(ctx, req, resp, err) { (cart: CartFixture, r) in cart.reprice(r.pathParameters["owner"] ?? "", CartFixture.object(r.body)) }
}

@_cdecl("cart_fixture_http_stats")
public func cart_fixture_http_stats(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.route(ctx, req, resp, err) { (cart: CartFixture, _) in cart.stats() }
}

/// The fixture's state behind a lock (it holds JSON values, which are not Sendable).
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
