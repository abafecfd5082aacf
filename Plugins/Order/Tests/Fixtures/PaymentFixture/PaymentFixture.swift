// A stand-in for the Payment module in Order's tests: it answers payment.payment.start and
// payment.refund.create per the Order/Payment contract (same idempotency key → same payment
// or refund), and publishes payment.payment.* facts when a test asks over HTTP.
// Methods: "card" → pending with a redirect; "cod" → pending; "instant_auth" → authorized;
// "instant" → captured; "declined" → failed; anything else is refused as invalid.
// Only for tests: the real Payment lives in Plugins/Payment.
import EOPABI
import EOPSDK
import Foundation

final class PaymentFixture: Plugin {
    static let id = "payment-fixture"
    static let version = "1.0.0"

    struct Payment {
        var id: String
        var orderID: String
        var amount: Int64
        var currency: String
        var method: String
        var key: String
        var status: String
    }

    struct State {
        var byKey: [String: Payment] = [:]
        var startCalls = 0
        var refunds: [String: [String: Any]] = [:]
        var refundCalls = 0
    }

    let state = Locked(State())
    let host: HostAPI

    init(host: HostAPI) throws { self.host = host }

    static func text(_ value: Any) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func object(_ bytes: [UInt8]) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
    }

    func start(_ p: [String: Any]) throws -> String {
        guard let orderID = p["order_id"] as? String, let amount = (p["amount"] as? NSNumber)?.int64Value, let currency = p["currency"] as? String,
              let method = p["method"] as? String, let key = p["idempotency_key"] as? String, !key.isEmpty else {
            throw PluginError("order_id, amount, currency, method and idempotency_key are required", status: EOP_ERR_INVALID)
        }
        let statuses = ["card": "pending", "cod": "pending", "instant_auth": "authorized", "instant": "captured", "declined": "failed"]
        guard let status = statuses[method] else { throw PluginError("method '\(method)' is not available", status: EOP_ERR_INVALID) }
        let payment = state.withLock { s -> Payment in
            s.startCalls += 1
            if let existing = s.byKey[key] { return existing }
            let new = Payment(id: "pay_\(s.byKey.count + 1)_\(UUID().uuidString.prefix(8).lowercased())", orderID: orderID, amount: amount, currency: currency,
                              method: method, key: key, status: status)
            s.byKey[key] = new
            return new
        }
        let next: Any = payment.method == "card" ? ["type": "redirect", "url": "https://pay.fixture.test/\(payment.id)"] : NSNull()
        return Self.text(["payment_id": payment.id, "status": payment.status, "next_action": next])
    }

    func refund(_ p: [String: Any]) throws -> String {
        guard let key = p["idempotency_key"] as? String, let amount = (p["amount"] as? NSNumber)?.int64Value, let paymentID = p["payment_id"] as? String else {
            throw PluginError("payment_id, amount and idempotency_key are required", status: EOP_ERR_INVALID)
        }
        let (refund, payment, fresh) = try state.withLock { s -> ([String: Any], Payment, Bool) in
            s.refundCalls += 1
            guard let payment = s.byKey.values.first(where: { $0.id == paymentID }) else { throw PluginError("no payment \(paymentID)", status: EOP_ERR_INVALID) }
            if let existing = s.refunds[key] { return (existing, payment, false) }
            let refund: [String: Any] = ["refund_id": "re_\(s.refunds.count + 1)", "status": "succeeded", "amount": amount, "payment_id": paymentID]
            s.refunds[key] = refund
            return (refund, payment, true)
        }
        if fresh {
            try host.publish("payment.payment.refunded", json: Self.text(["payment_id": payment.id, "order_id": payment.orderID, "amount": amount,
                                                                          "currency": payment.currency, "method": payment.method,
                                                                          "refund_id": refund["refund_id"] ?? ""]))
        }
        return Self.text(refund)
    }

    /// `POST /api/payment-fixture/payments/{id}/{fact}` (authorized, captured, failed):
    /// publishes `payment.payment.<fact>`; body `amount` overrides the payment's.
    func publish(_ paymentID: String, _ fact: String, _ body: [String: Any]) throws -> HTTPAnswer {
        guard let payment = state.withLock({ s in s.byKey.values.first { $0.id == paymentID } }) else {
            return HTTPAnswer(status: 404, body: Array("no payment \(paymentID)".utf8))
        }
        guard ["authorized", "captured", "failed"].contains(fact) else { return HTTPAnswer(status: 404, body: Array("no fact \(fact)".utf8)) }
        let amount = (body["amount"] as? NSNumber)?.int64Value ?? payment.amount
        let currency = body["currency"] as? String ?? payment.currency
        try host.publish("payment.payment.\(fact)", json: Self.text(["payment_id": payment.id, "order_id": payment.orderID, "amount": amount,
                                                                    "currency": currency, "method": payment.method]))
        return .json("{}")
    }

    func stats() -> HTTPAnswer {
        state.withLock { s in
            .json(Self.text(["start_calls": s.startCalls, "payments": s.byKey.count, "refund_calls": s.refundCalls, "refunds": Array(s.refunds.values),
                             "keys": Array(s.byKey.keys).sorted()]))
        }
    }
}

@_cdecl("eop_plugin_entry")
public func eop_plugin_entry() -> UnsafeRawPointer { PluginExport.descriptor(for: PaymentFixture.self) }

@_cdecl("payment_fixture_start")
public func payment_fixture_start(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.answer(ctx, query, out, err) { (payment: PaymentFixture, query) in try payment.start(PaymentFixture.object(query.payload)) }
}

@_cdecl("payment_fixture_refund")
public func payment_fixture_refund(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.answer(ctx, query, out, err) { (payment: PaymentFixture, query) in try payment.refund(PaymentFixture.object(query.payload)) }
}

@_cdecl("payment_fixture_http_publish")
public func payment_fixture_http_publish(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.route(ctx, req, resp, err) { (payment: PaymentFixture, r) in
        try payment.publish(r.pathParameters["id"] ?? "", r.pathParameters["fact"] ?? "", PaymentFixture.object(r.body))
    }
}

@_cdecl("payment_fixture_http_stats")
public func payment_fixture_http_stats(_ ctx: UnsafeMutableRawPointer?, _ req: UnsafeRawPointer?, _ resp: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.route(ctx, req, resp, err) { (payment: PaymentFixture, _) in payment.stats() }
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
