import EOPPluginTesting
import EOPStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// libOrder.so in a durable host on a fresh database, with the test's Cart and Payment
/// stand-ins (Plugins/Order/Tests/Fixtures) when asked, and a gateway on loopback.
final class OrderShop: @unchecked Sendable {
    static let fixtures = ModuleRepo.root.appendingPathComponent("Plugins/Order/Tests/Fixtures")
    static let staff = "staff:s1:order.order.read,order.order.write,order.fulfillment.write,order.return.write,order.invoice.write,order.download.write"

    let host: ModuleHost

    init(cart: Bool = true, payment: Bool = true, settings: [String: String] = [:]) async throws {
        var extra: [URL] = []
        if cart { extra.append(Self.fixtures.appendingPathComponent("cart-fixture.json")) }
        if payment { extra.append(Self.fixtures.appendingPathComponent("payment-fixture.json")) }
        host = try await ModuleHost(modules: ["order"], settings: settings, extraManifests: extra)
        for id in ["order"] + (cart ? ["cart-fixture"] : []) + (payment ? ["payment-fixture"] : []) {
            guard host.host.plugin(id)?.state == .active else {
                host.shutdown()
                throw HarnessError("\(id) did not activate: \(host.reason(id))")
            }
        }
    }

    func shutdown() { host.shutdown() }

    /// Runs `body` with a client of the live gateway.
    func http(_ body: @escaping @Sendable (Client) async throws -> Void) async throws {
        try await host.http { client in try await body(Client(client: client)) }
    }

    /// One integer from SQL run as superuser.
    func count(_ sql: String) throws -> Int64 {
        let c = try host.connect()
        defer { c.close() }
        return try c.execute(sql).int64(row: 0, column: 0) ?? -1
    }

    /// Text values of the first column.
    func strings(_ sql: String) throws -> [String] {
        let c = try host.connect()
        defer { c.close() }
        let r = try c.execute(sql)
        return (0..<r.rowCount).map { r.string(row: $0, column: 0) ?? "" }
    }

    /// Waits until every fact is relayed and handled by its subscribers.
    func settle() {
        #expect(host.log.drain(timeout: .seconds(20)), "facts were still pending after 20 s")
    }

    /// The payloads of the facts of `topic` (in log order).
    func facts(_ topic: String) throws -> [[String: Any]] {
        try strings("SELECT convert_from(payload, 'UTF8') FROM eop.events WHERE topic = '\(topic)' ORDER BY position").map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:]
        }
    }

    /// A command or query through the host, as another module sends it.
    func ask(_ topic: String, _ payload: [String: Any]) throws -> (status: Int32, json: [String: Any], message: String) {
        let r = host.host.request(topic: topic, payload: try JSONSerialization.data(withJSONObject: payload), source: "storefront", timeout: .seconds(20))
        return (r.status, (try? JSONSerialization.jsonObject(with: r.reply)) as? [String: Any] ?? [:], r.message)
    }

    /// A cart as Cart's `cart.checkout.prepare` answers it: lines `(sku, name, unit price, quantity, kind)`,
    /// an optional coupon, tax and shipping; totals add up.
    static func cart(_ id: String, lines: [(String, String, Int, Int, String)], coupon: Int = 0, tax: Int = 0, shipping: Int = 0,
                     email: String = "ann@example.test", currency: String = "EUR", delayMS: Int? = nil) -> [String: Any] {
        let items: [[String: Any]] = lines.enumerated().map { i, l in
            ["line_id": "\(id)-l\(i + 1)", "kind": l.4, "variant_id": "var-\(l.0)", "sku": l.0, "name": l.1, "quantity": l.3,
             "unit_price": l.2, "total": l.2 * l.3, "currency": currency]
        }
        let subtotal = items.reduce(0) { $0 + ($1["total"] as! Int) }
        var cart: [String: Any] = [
            "cart_id": id, "currency": currency, "items": items, "subtotal": subtotal, "tax": tax, "shipping": shipping,
            "adjustments": coupon > 0 ? [["kind": "coupon", "code": "SAVE", "label": "Coupon SAVE", "amount": coupon]] : [],
            "total": subtotal - coupon + tax + shipping, "customer_email": email, "codes": coupon > 0 ? ["SAVE"] : [],
            "shipping_address": ["name": "Ann Lee", "line1": "1 Tea Road", "city": "Dhaka", "postal_code": "1207", "country": "BD", "phone": "+8801700000000"],
        ]
        if let delayMS { cart["fixture_delay_ms"] = delayMS }
        return cart
    }
}

/// An HTTP answer.
struct Reply: @unchecked Sendable {
    let status: Int
    let text: String
    let headers: HTTPFields
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    /// The first field a problem names.
    var field: String? { (json["errors"] as? [[String: Any]])?.first?["field"] as? String }
    var detail: String { json["detail"] as? String ?? text }
    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
}

/// Calls the gateway. `principal` is `kind:id:perms` (x-test-principal); `cartToken` goes in the sf_cart cookie.
struct Client: Sendable {
    let client: any TestClientProtocol

    func call(_ method: HTTPRequest.Method, _ uri: String, json: Any? = nil, raw: [UInt8]? = nil, principal: String? = nil, cartToken: String? = nil,
              key: String? = nil, headers extra: [(String, String)] = []) async throws -> Reply {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let principal { headers[HTTPField.Name("x-test-principal")!] = principal }
        if let cartToken { headers[.cookie] = "sf_cart=\(cartToken)" }
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        var body: ByteBuffer?
        if let json { body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)) }
        if let raw { body = ByteBuffer(bytes: raw) }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        return Reply(status: Int(response.status.code), text: String(buffer: response.body), headers: response.headers)
    }

    func staff(_ method: HTTPRequest.Method, _ uri: String, json: Any? = nil) async throws -> Reply {
        try await call(method, uri, json: json, principal: OrderShop.staff)
    }

    /// Puts a cart in the Cart stand-in for `owner` (`guest:<token>` or `customer:<id>`).
    func putCart(_ owner: String, _ cart: [String: Any]) async throws {
        let r = try await call(.put, "/api/cart-fixture/carts/\(owner)", json: cart)
        try #require(r.status == 200, "put cart: \(r.status) \(r.text)")
    }

    func stats(_ fixture: String) async throws -> [String: Any] { try await call(.get, "/api/\(fixture)/stats").json }

    /// Checks out a guest cart with a new key; requires a 201.
    func checkout(token: String, method: String, key: String = UUID().uuidString) async throws -> [String: Any] {
        let r = try await call(.post, "/api/order/checkout", json: ["payment_method": method], cartToken: token, key: key)
        try #require(r.status == 201, "checkout: \(r.status) \(r.text)")
        return r.json
    }

    /// Publishes a Payment fact through the stand-in.
    func paymentFact(_ paymentID: String, _ fact: String, amount: Int? = nil) async throws {
        let r = try await call(.post, "/api/payment-fixture/payments/\(paymentID)/\(fact)", json: amount.map { ["amount": $0] } ?? [:])
        try #require(r.status == 200, "publish \(fact): \(r.status) \(r.text)")
    }
}
