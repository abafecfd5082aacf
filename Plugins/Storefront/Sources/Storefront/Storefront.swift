import EOPSDK
import Foundation

/// The Storefront plugin: customer-facing HTML pages. Every product, price and category
/// comes from Catalog's query topics, carts and orders from Cart/Order/Payment when those
/// modules answer. The only data it keeps is the wishlist and compare list of signed-in
/// customers (its own schema, Migrations/0001_create_lists.sql); guests keep theirs in cookies.
final class Storefront: Plugin {
    static let id = "storefront", version = "1.0.0"

    let host: HostAPI
    let settings: ShopSettings
    let theme: Theme
    let catalog: CatalogClient
    let pageCache: PageCache
    /// Storefront's own schema: signed-in customers' lists. Nil on a host without a
    /// database: then every visitor's lists are cookies, as before the schema existed.
    let sql: SQL?

    init(host: HostAPI) throws {
        self.host = host
        sql = try? SQL(host: host)
        settings = try ShopSettings(host: host)
        // Read once: a broken theme template refuses init, naming the file.
        theme = try Theme(folder: settings.themeDirectory)
        catalog = CatalogClient(host: host)
        pageCache = PageCache(seconds: settings.pageCacheSeconds)
    }
}

/// The plugin's settings (Manifests/storefront.json `settings`).
struct ShopSettings: Sendable {
    var shopName: String
    var currency: String
    var baseURL: String
    var themeDirectory: String?
    var pageSize: Int
    /// How long a page may be served from the cache at most (0: never cached).
    var pageCacheSeconds: Int

    init(host: HostAPI) throws {
        shopName = try host.stringSetting("shop_name")
        currency = try host.stringSetting("currency")
        baseURL = String(try host.stringSetting("base_url").trimmingSuffix("/"))
        let theme = try host.stringSetting("theme_dir")
        themeDirectory = theme.isEmpty ? nil : theme
        let size = try host.setting("page_size")
        guard let n = Int(size) else { throw PluginError("setting 'page_size': \(size) is not a whole number") }
        pageSize = n
        let cache = try host.setting("page_cache_seconds")
        guard let seconds = Int(cache) else { throw PluginError("setting 'page_cache_seconds': \(cache) is not a whole number") }
        pageCacheSeconds = seconds
    }
}

extension String {
    /// The string without trailing copies of `suffix`.
    func trimmingSuffix(_ suffix: Character) -> Substring {
        var s = Substring(self)
        while s.last == suffix { s = s.dropLast() }
        return s
    }
}
