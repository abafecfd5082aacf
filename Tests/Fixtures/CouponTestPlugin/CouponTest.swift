// A small adjustment contributor for Cart's tests: answers the cart.adjustments.collect hook
// with what the entered codes name, in the order they were entered (Cart must apply them in
// its own fixed order whatever order they come in):
//   PCT<n>      coupon, n % off each variant/bundle/digital line (per line, rounded down)
//   OFF<n>      coupon, n minor units off the cart
//   LOYALTY<n>  loyalty points worth n
//   WALLET<n>   wallet balance n
//   GIFT<n>     gift card balance n
//   EXPIRED…    vetoes (EOP_ERR_DENIED) with the reason "code … expired yesterday"
// and while any code is entered, a line whose SKU starts with BLOCKED vetoes the whole cart.
// Other codes contribute nothing.
import EOPABI
import EOPSDK
import Foundation

final class CouponTest: Plugin {
    static let id = "coupontest"
    static let version = "1.0.0"

    init(host: HostAPI) throws {}

    func collect(_ payload: [UInt8]) throws -> String {
        guard let cart = try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any] else { throw PluginError("payload is not an object") }
        let codes = cart["codes"] as? [String] ?? []
        let lines = cart["lines"] as? [[String: Any]] ?? []
        var out: [[String: Any]] = []
        if !codes.isEmpty, let blocked = lines.first(where: { ($0["sku"] as? String ?? "").hasPrefix("BLOCKED") }) {
            throw PluginError("codes do not apply to \(blocked["sku"] as? String ?? "")", status: EOP_ERR_DENIED)
        }
        for code in codes {
            if code.hasPrefix("EXPIRED") { throw PluginError("code \(code) expired yesterday", status: EOP_ERR_DENIED) }
            func amount(after prefix: String) -> Int64? { code.hasPrefix(prefix) ? Int64(code.dropFirst(prefix.count)) : nil }
            if let percent = amount(after: "PCT") {
                for line in lines where ["variant", "bundle", "digital"].contains(line["kind"] as? String ?? "") {
                    let total = (line["total"] as? NSNumber)?.int64Value ?? 0
                    let off = total * percent / 100
                    if off > 0 {
                        out.append(["kind": "coupon", "code": code, "label": "\(percent)% off \(line["sku"] as? String ?? "")", "amount": off,
                                    "line_id": line["line_id"] as? String ?? ""])
                    }
                }
            } else if let n = amount(after: "OFF") {
                out.append(["kind": "coupon", "code": code, "label": "\(n) off your order", "amount": n])
            } else if let n = amount(after: "LOYALTY") {
                out.append(["kind": "loyalty", "code": code, "label": "Loyalty points", "amount": n])
            } else if let n = amount(after: "WALLET") {
                out.append(["kind": "wallet", "code": code, "label": "Wallet balance", "amount": n])
            } else if let n = amount(after: "GIFT") {
                out.append(["kind": "gift_card", "code": code, "label": "Gift card", "amount": n])
            }
        }
        let data = try JSONSerialization.data(withJSONObject: ["adjustments": out], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

@_cdecl("eop_plugin_entry")
public func eop_plugin_entry() -> UnsafeRawPointer { PluginExport.descriptor(for: CouponTest.self) }

@_cdecl("coupontest_collect")
public func coupontest_collect(_ ctx: UnsafeMutableRawPointer?, _ query: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?, _ err: UnsafeMutableRawPointer?) -> Int32 {
    PluginExport.answer(ctx, query, out, err) { (plugin: CouponTest, event) in try plugin.collect(event.payload) }
}
