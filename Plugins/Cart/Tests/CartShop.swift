import EOPPluginTesting
import EOPStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Catalog and Cart (and, when asked, the Order plugin and the coupon test contributor from
/// Tests/Fixtures/CouponTestPlugin) in a real host against a fresh PostgreSQL database,
/// with the gateway on loopback.
final class CartShop: @unchecked Sendable {
    static let couponManifest = ModuleRepo.root.appendingPathComponent("Tests/Fixtures/CouponTestPlugin/coupontest.json")
    /// Shipping 5.00 below 100.00 of goods, at most 10 per line.
    static let settings = #"{"shipping_fee": 500, "free_shipping_from": 10000, "max_line_quantity": 10, "gift_card_max": 50000}"#

    let modules: ModuleHost

    init(coupons: Bool = false, order: Bool = false, cartSettings: String = CartShop.settings) async throws {
        let ids = ["catalog", "cart"] + (order ? ["order"] : [])
        modules = try await ModuleHost(modules: ids, settings: ["cart": cartSettings], extraManifests: coupons ? [Self.couponManifest] : [])
        for id in ids + (coupons ? ["coupontest"] : []) where modules.host.plugin(id)?.state != .active {
            let reason = modules.reason(id)
            modules.shutdown()  // else the next test waits for this host forever
            Issue.record("\(id) did not activate: \(reason)")
            throw HarnessError("\(id) did not activate: \(reason)")
        }
    }

    func shutdown() { modules.shutdown() }

    func http(_ body: @escaping @Sendable (API) async throws -> Void) async throws {
        try await modules.http { client in try await body(API(client: client)) }
    }

    /// A command or query through the host, as another module sends it.
    func request(_ topic: String, _ payload: [String: Any], from source: String = "storefront") -> (status: Int32, json: [String: Any], message: String) {
        let data = (try? JSONSerialization.data(withJSONObject: payload)) ?? Data()
        let r = modules.host.request(topic: topic, payload: data, source: source, timeout: .seconds(20))
        return (r.status, (try? JSONSerialization.jsonObject(with: r.reply)) as? [String: Any] ?? [:], r.message)
    }

    /// One value from a query run as superuser (checks the API does not show).
    func scalar(_ sql: String) throws -> String? {
        let c = try modules.connect()
        defer { c.close() }
        return try c.execute(sql).string(row: 0, column: 0)
    }

    /// Waits until `sql` (one value) answers `expected`, for facts delivered on the mailbox.
    func eventually(_ sql: String, is expected: String, seconds: Double = 20) async throws -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        var value = try scalar(sql)
        while value != expected, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            value = try scalar(sql)
        }
        return value
    }
}

/// An HTTP answer: status, headers, body text and the body as JSON.
struct Reply: @unchecked Sendable {
    let status: Int
    let text: String
    let headers: HTTPFields
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    /// The field a problem names.
    var field: String? { json["field"] as? String ?? (json["errors"] as? [[String: Any]])?.first?["field"] as? String }
    var detail: String { json["detail"] as? String ?? text }
    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
    func int(_ key: String) -> Int? { (json[key] as? NSNumber)?.intValue }
}

/// Calls the routes of Catalog and Cart.
struct API: Sendable {
    let client: any TestClientProtocol
    static let catalogStaff = "staff:u1:catalog.product.read,catalog.product.write,catalog.price.write,catalog.taxonomy.write"
    static let cartStaff = "staff:u2:cart.read,cart.fee.write,cart.tax.write"

    /// `principal` as `kind:id:perms`; `token` as X-Cart-Token; `cookie` as the Cookie header.
    func call(_ method: HTTPRequest.Method, _ uri: String, json: Any? = nil, principal: String? = nil, token: String? = nil,
              cookie: String? = nil, headers extra: [String: String] = [:]) async throws -> Reply {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let principal { headers[HTTPField.Name("x-test-principal")!] = principal }
        if let token { headers[HTTPField.Name("x-cart-token")!] = token }
        if let cookie { headers[.cookie] = cookie }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        let body = try json.map { ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: $0)) }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        return Reply(status: Int(response.status.code), text: String(buffer: response.body), headers: response.headers)
    }

    /// A product with one active variant per (sku, price); returns the variant ids in order.
    func product(_ name: String, _ variants: [(sku: String, price: Int)], currency: String = "EUR") async throws -> [String] {
        let r = try await call(.post, "/api/catalog/products", json: [
            "name": name, "status": "active", "option_axes": variants.count > 1 ? ["size"] : [],
            "variants": variants.enumerated().map { i, v -> [String: Any] in
                var variant: [String: Any] = ["sku": v.sku, "price": v.price, "currency": currency]
                if variants.count > 1 { variant["options"] = ["size": "S\(i)"] }
                return variant
            },
        ], principal: Self.catalogStaff)
        try #require(r.status == 201, "create \(name): \(r.status) \(r.text)")
        return (r.json["variants"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    /// Adds to the cart of `principal` or `token`; fails the test on anything but 200.
    @discardableResult
    func add(_ body: [String: Any], principal: String? = nil, token: String? = nil) async throws -> Reply {
        let r = try await call(.post, "/api/cart/items", json: body, principal: principal, token: token)
        try #require(r.status == 200, "add \(body): \(r.status) \(r.text)")
        return r
    }

    static func address(country: String = "DE", region: String? = nil) -> [String: Any] {
        var a: [String: Any] = ["name": "Ada Lovelace", "line1": "Hauptstraße 1", "city": "Berlin", "postal_code": "10115", "country": country]
        if let region { a["region"] = region }
        return a
    }
}

/// A line of a cart answer by SKU.
func line(_ cart: [String: Any], sku: String) -> [String: Any]? {
    (cart["items"] as? [[String: Any]] ?? []).first { $0["sku"] as? String == sku }
}

func int(_ value: Any?) -> Int? { (value as? NSNumber)?.intValue }
