import EOPPlatformKit
import EOPSDK
import Foundation

/// The Catalog module: products, variants, bundles, taxonomy, prices and search, kept in
/// its own schema through `eop.sql.v1`. Its state is immutable after init (all data lives
/// in PostgreSQL), so route handlers on the gateway's workers and the price query on a
/// query worker run concurrently without locks.
final class Catalog: Plugin {
    static let id = "catalog"
    static let version = "1.0.0"

    let host: HostAPI
    let sql: SQL
    /// The currency of prices given without one (setting `currency`).
    let defaultCurrency: Currency

    init(host: HostAPI) throws {
        self.host = host
        sql = try SQL(host: host)
        let code = try host.stringSetting("currency")
        guard let currency = Currency.find(code) else { throw PluginError("setting 'currency': unknown currency code '\(code)'") }
        defaultCurrency = currency
    }

    func activate() throws {
        host.log(.info, "catalog is active; default currency \(defaultCurrency.code)")
    }

    /// A new row id: UUIDv7, so ids sort by creation time.
    static func newID() -> String { UUIDv7.generate().uuidString.lowercased() }

    /// A currency code from input, or the default; refuses codes ISO 4217 does not know.
    func currency(_ code: String?, field: String) throws(CatalogError) -> Currency {
        guard let code else { return defaultCurrency }
        guard let c = Currency.find(code.uppercased()) else { throw .invalid(field, "unknown currency code '\(code)'") }
        return c
    }
}
