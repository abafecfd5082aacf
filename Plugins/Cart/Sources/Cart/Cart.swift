import EOPPlatformKit
import EOPSDK
import Foundation

/// The Cart module: guest and customer carts, their lines and totals, kept in its own
/// schema through `eop.sql.v1`. Its state is immutable after init (all data lives in
/// PostgreSQL; a cart's changes serialise on its row lock), so routes, commands and the
/// order fact handler run concurrently without locks in memory.
final class Cart: Plugin {
    static let id = "cart"
    static let version = "1.0.0"

    let host: HostAPI
    let sql: SQL
    let settings: CartSettings

    init(host: HostAPI) throws {
        self.host = host
        sql = try SQL(host: host)
        settings = try CartSettings(host: host)
    }

    func activate() throws {
        host.log(.info, "cart is active; empty carts in \(settings.currency), at most \(settings.maxLineQuantity) per line")
    }

    /// A new row id: UUIDv7, so ids sort by creation time.
    static func newID() -> String { UUIDv7.generate().uuidString.lowercased() }
}

/// The settings of Manifests/cart.json, read once at init (the host checked their types and bounds).
struct CartSettings {
    var currency: String
    var maxLineQuantity: Int64
    var maxLines: Int64
    var shippingFee: Int64
    var freeShippingFrom: Int64
    var giftCardMax: Int64
    var quoteTimeoutMS: UInt32
    var checkoutTimeoutMS: UInt32

    init(host: HostAPI) throws {
        func integer(_ key: String) throws -> Int64 {
            let text = try host.setting(key)
            guard let value = Int64(text.trimmingCharacters(in: .whitespaces)) else { throw PluginError("setting '\(key)' is not a whole number: \(text)") }
            return value
        }
        currency = try host.stringSetting("currency").uppercased()
        guard Currency.find(currency) != nil else { throw PluginError("setting 'currency': unknown currency code '\(currency)'") }
        maxLineQuantity = try integer("max_line_quantity")
        maxLines = try integer("max_lines")
        shippingFee = try integer("shipping_fee")
        freeShippingFrom = try integer("free_shipping_from")
        giftCardMax = try integer("gift_card_max")
        quoteTimeoutMS = UInt32(clamping: try integer("quote_timeout_ms"))
        checkoutTimeoutMS = UInt32(clamping: try integer("checkout_timeout_ms"))
    }
}
