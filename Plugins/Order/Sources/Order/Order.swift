import Crypto
import EOPSDK
import EOPPlatformKit
import Foundation

/// The Order module: checkout into orders, their three state machines, payments through
/// the Payment module, fulfilments, invoices, returns and digital downloads, kept in its
/// own schema through `eop.sql.v1`. All state lives in PostgreSQL; the fields below are
/// fixed at init, so routes, queries and fact handlers run concurrently without locks.
final class Order: Plugin {
    static let id = "order"
    static let version = "1.0.0"

    let host: HostAPI
    let sql: SQL
    let settings: OrderSettings
    /// Signs download links (HMAC-SHA256); made once per install and kept in `secrets`.
    let downloadKey: SymmetricKey

    init(host: HostAPI) throws {
        self.host = host
        sql = try SQL(host: host)
        settings = try OrderSettings(host: host)
        downloadKey = try Self.installSecret(sql, name: "download_links")
    }

    func activate() throws {
        host.log(.info, "order is active; invoices numbered \(settings.invoicePrefix)…, downloads limited to \(settings.downloadLimit) per line")
    }

    /// A new row id: UUIDv7, so ids sort by creation time.
    static func newID() -> String { UUIDv7.generate().uuidString.lowercased() }

    /// The per-install secret `name`: 32 random bytes made on first use. Two hosts starting at
    /// once both insert; the primary key keeps the first and both read it back.
    static func installSecret(_ sql: SQL, name: String) throws -> SymmetricKey {
        var random = SystemRandomNumberGenerator()
        let fresh = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        try sql.execute("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", name, fresh)
        guard let bytes = try sql.execute("SELECT value FROM secrets WHERE name = $1", name).first?.bytes("value"), bytes.count >= 32 else {
            throw PluginError("secret '\(name)' could not be read back")
        }
        return SymmetricKey(data: bytes)
    }

    /// SQL that prints a timestamptz column as ISO 8601 UTC (`2026-12-01T10:00:00Z`).
    static func utc(_ column: String) -> String { "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')" }

    /// SHA-256 of text, lower-case hex.
    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// The manifest's settings, read once at init.
struct OrderSettings: Sendable {
    var orderNumberPrefix: String
    var invoicePrefix: String
    var shopName: String
    var shopAddress: String
    var shopTaxID: String
    var downloadLimit: Int64
    var downloadLinkTTL: Int64
    var publicBaseURL: String
    var paymentTimeoutMS: UInt32
    var cartTimeoutMS: UInt32
    var invoiceOnPaid: Bool

    init(host: HostAPI) throws {
        func int(_ key: String) throws -> Int64 {
            guard let v = Int64(try host.setting(key).trimmingCharacters(in: .whitespaces)) else { throw PluginError("setting '\(key)' is not an integer") }
            return v
        }
        orderNumberPrefix = try host.stringSetting("order_number_prefix")
        invoicePrefix = try host.stringSetting("invoice_prefix")
        shopName = try host.stringSetting("shop_name")
        shopAddress = try host.stringSetting("shop_address")
        shopTaxID = try host.stringSetting("shop_tax_id")
        downloadLimit = try int("download_limit")
        downloadLinkTTL = try int("download_link_ttl_seconds")
        publicBaseURL = try host.stringSetting("public_base_url").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        paymentTimeoutMS = UInt32(try int("payment_timeout_ms"))
        cartTimeoutMS = UInt32(try int("cart_timeout_ms"))
        invoiceOnPaid = try host.setting("invoice_on_paid").trimmingCharacters(in: .whitespaces) == "true"
    }
}
