import EOPDispatch
import EOPEventLog
import EOPGateway
import EOPHost
import EOPIdentity
import EOPLoader
import EOPManifest
import EOPStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The Storefront plugin (libStorefront.so) loaded in a host whose facts and storage go
/// through PostgreSQL, in front of a real gateway on loopback. Catalog is the C stand-in
/// Fixtures/catalog_stub.c, answering the catalog query topics with three fixed products in EUR.
@Suite("Storefront pages over HTTP, against a stand-in Catalog", .serialized)
struct StorefrontTests {
    /// A workspace with Storefront (and the stub Catalog unless `withCatalog` is false), a
    /// durable host booted with `settings` for storefront, and a gateway.
    static func shop(withCatalog: Bool = true, settings: [String: Any] = [:], expectActive: Bool = true, database: TestDatabase) throws -> (Workspace, PluginHost, EventLog, Gateway) {
        let ws = try Workspace()
        // A unique stand-in id per test, so no test relies on another's module.
        let stubID = "catalog-stub-\(UUID().uuidString.prefix(6).lowercased())"
        if withCatalog {
            try ws.compileC(Repo.root.appendingPathComponent("Tests/HostTests/Fixtures/catalog_stub.c"), library: "libcatalog_stub.so",
                            defines: ["STUB_ID=\"\(stubID)\""])
            try ws.manifest("catalog", """
            {"id": "\(stubID)", "version": "1.0.0", "abi": "\(currentABI)", "library": "libcatalog_stub.so", "runtime": "c", "release_date": "2026-11-01",
             "answers": [{"topic": "catalog.product.search", "handler": "stub_search"}, {"topic": "catalog.product.get", "handler": "stub_get"},
                         {"topic": "catalog.category.list", "handler": "stub_categories"}, {"topic": "catalog.price.quote", "handler": "stub_quote"}]}
            """)
        }
        let log = try EventLog(target: database.target)
        var values: [String: Any] = ["currency": "EUR", "shop_name": "Test Shop"]
        values.merge(settings) { _, new in new }
        let configuration = LoaderConfiguration(
            // Storefront's manifest from the repository: its migrations are named relative to it.
            manifestPaths: [ws.manifests, Repo.root.appendingPathComponent("Manifests/storefront.json")], librarySearchPaths: [ws.libraries, Repo.buildDirectory],
            imageDirectory: ws.root.appendingPathComponent("images"), events: try EventCatalog.load(directory: ws.events),
            settings: ["storefront": try JSONSerialization.data(withJSONObject: values)], transport: log, storage: log)
        let host = PluginHost(configuration: configuration)
        log.registerExtensions(on: host)
        host.boot()
        if expectActive { #expect(host.plugin("storefront")?.state == .active, "storefront: \(host.reason("storefront"))") }
        if withCatalog { #expect(host.plugin(stubID)?.state == .active, "\(stubID): \(host.reason(stubID))") }
        let gateway = Gateway(plugins: host, configuration: .init(port: 0, principals: HeaderPrincipals()))
        return (ws, host, log, gateway)
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, cookie: String? = nil) async throws -> (HTTPResponse.Status, String, HTTPFields) {
        var headers: HTTPFields = [HTTPField.Name("x-forwarded-host")!: "shop.test"]
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .get, headers: headers) { r in (r.status, String(buffer: r.body), r.headers) }
    }

    @Test("the product page: JSON-LD Product, Open Graph, the flash-sale price in EUR through format_money, variants and gallery")
    func productPage() async throws {
        let database = try await TestDatabase.make()
        let (_, host, log, gateway) = try Self.shop(database: database)
        defer { host.shutdown(); log.shutdown() }
        try await gateway.application().test(.live) { client in
            let (status, html, headers) = try await Self.get(client, "/products/blue-shirt")
            #expect(status == .ok)
            #expect(headers[.contentType] == "text/html; charset=utf-8")
            #expect(html.contains(#"<meta property="og:type" content="product">"#))
            #expect(html.contains(#"<meta property="og:title" content="Blue Shirt – Test Shop">"#))
            #expect(html.contains(#"<meta property="og:image" content="http://shop.test/media/blue-shirt-front.jpg">"#))
            #expect(html.contains(#"<link rel="canonical" href="http://shop.test/products/blue-shirt">"#))
            // The M variant's quote is a flash sale: 9.99 now, 12.50 struck through.
            #expect(html.contains("€9.99"), "price in the shop's currency")
            #expect(html.contains(#"<span class="was">€12.50</span>"#))
            #expect(html.contains("size: L – €13.50"), "the L variant at its base price")
            #expect(html.contains(#"alt="Blue Shirt back""#), "the gallery's second picture")
            #expect(html.contains("A fine Blue Shirt. &lt;b&gt;Cotton&lt;/b&gt;."), "catalog text is escaped")
            #expect(html.contains("AI fit preview needs the Intelligence module"))
            let ldText = try #require(html.range(of: #"<script type="application/ld+json">"#).flatMap { start in
                html[start.upperBound...].range(of: "</script>").map { String(html[start.upperBound..<$0.lowerBound]) }
            })
            let ld = try #require(try JSONSerialization.jsonObject(with: Data(ldText.utf8)) as? [String: Any])
            #expect(ld["@type"] as? String == "Product")
            #expect(ld["name"] as? String == "Blue Shirt")
            #expect((ld["brand"] as? [String: Any])?["name"] as? String == "Acme")
            let offers = try #require(ld["offers"] as? [[String: Any]])
            #expect(offers.map { $0["price"] as? String } == ["9.99", "13.50"])
            #expect(offers.allSatisfy { $0["priceCurrency"] as? String == "EUR" })

            let (chosen, chosenHTML, _) = try await Self.get(client, "/products/blue-shirt?variant=p-blue-l")
            #expect(chosen == .ok)
            #expect(chosenHTML.contains(#"<option value="p-blue-l" selected>"#))
            #expect(chosenHTML.contains("SKU blue-shirt-L"))
            #expect(chosenHTML.contains(#"<a href="/products/blue-shirt?variant=p-blue-l&amp;image=1"><img src="/media/blue-shirt-back.jpg""#), "thumbnails keep the variant")

            let (_, galleryHTML, _) = try await Self.get(client, "/products/blue-shirt?image=1")
            #expect(galleryHTML.range(of: #"<section class="gallery">\s*<img src="/media/blue-shirt-back.jpg""#, options: .regularExpression) != nil,
                    "?image=1 shows the second picture large")

            let (missing, missingHTML, _) = try await Self.get(client, "/products/no-such-thing")
            #expect(missing == .notFound)
            #expect(missingHTML.contains("There is no product"))
        }
    }

    @Test("search lists matching products; a category pages with a next link; the home page lists categories")
    func searchAndListing() async throws {
        let database = try await TestDatabase.make()
        let (_, host, log, gateway) = try Self.shop(settings: ["page_size": 1], database: database)
        defer { host.shutdown(); log.shutdown() }
        try await gateway.application().test(.live) { client in
            let (status, html, _) = try await Self.get(client, "/search?q=shirt")
            #expect(status == .ok)
            #expect(html.contains("Blue Shirt"))
            #expect(!html.contains("Red Mug"))
            #expect(html.contains(#"<meta name="robots" content="noindex">"#))
            #expect(html.contains("from €12.50"))
            #expect(html.contains(#"href="/search?q=shirt&amp;after=1""#), "one per page: the next page keeps the query")

            let (_, page2, _) = try await Self.get(client, "/search?q=shirt&after=1")
            #expect(page2.contains("Green Shirt") && !page2.contains("Blue Shirt"))

            let (cat, catHTML, _) = try await Self.get(client, "/category/shirts")
            #expect(cat == .ok)
            #expect(catHTML.contains("<h1>Shirts</h1>"))
            #expect(catHTML.contains(#"rel="next""#))

            let (bad, badHTML, _) = try await Self.get(client, "/category/shirts?min=abc")
            #expect(bad == .badRequest)
            #expect(badHTML.contains("min: “abc” is not an amount in EUR"))

            let (home, homeHTML, _) = try await Self.get(client, "/")
            #expect(home == .ok)
            #expect(homeHTML.contains(#"<a href="/category/mugs">Mugs</a>"#))
        }
    }

    @Test("sitemap.xml lists every product and category; robots.txt points to it")
    func sitemapAndRobots() async throws {
        let database = try await TestDatabase.make()
        let (_, host, log, gateway) = try Self.shop(settings: ["base_url": "https://shop.example/"], database: database)
        defer { host.shutdown(); log.shutdown() }
        try await gateway.application().test(.live) { client in
            let (status, xml, headers) = try await Self.get(client, "/sitemap.xml")
            #expect(status == .ok)
            #expect(headers[.contentType] == "application/xml; charset=utf-8")
            for path in ["/", "/category/shirts", "/products/blue-shirt", "/products/green-shirt", "/products/red-mug"] {
                #expect(xml.contains("<loc>https://shop.example\(path)</loc>"), "\(path) in the sitemap")
            }
            let (robotsStatus, robots, _) = try await Self.get(client, "/robots.txt")
            #expect(robotsStatus == .ok)
            #expect(robots.contains("Sitemap: https://shop.example/sitemap.xml"))
            #expect(robots.contains("Disallow: /checkout"))
        }
    }

    @Test("cart and checkout say Cart, Order and Payment are not active; adding to the cart is refused with 503")
    func handOffWithoutModules() async throws {
        let database = try await TestDatabase.make()
        let (_, host, log, gateway) = try Self.shop(database: database)
        defer { host.shutdown(); log.shutdown() }
        try await gateway.application().test(.live) { client in
            let (cart, cartHTML, _) = try await Self.get(client, "/cart")
            #expect(cart == .ok)
            #expect(cartHTML.contains("Cart is not active"))
            let (checkout, checkoutHTML, _) = try await Self.get(client, "/checkout")
            #expect(checkout == .ok)
            for module in ["Cart is not active", "Order is not active", "Payment is not active"] { #expect(checkoutHTML.contains(module)) }
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            try await client.execute(uri: "/cart/items", method: .post, headers: form, body: ByteBuffer(string: "variant_id=p-blue-m&quantity=2")) { r in
                #expect(r.status == .serviceUnavailable)
                #expect(String(buffer: r.body).contains("Cart is not active"))
            }
            let (account, accountHTML, _) = try await Self.get(client, "/account")
            #expect(account == .ok && accountHTML.contains(#"href="/account/signin""#))
            let customer: HTTPFields = [HTTPField.Name("x-test-principal")!: "customer:c-1:"]
            try await client.execute(uri: "/account", method: .get, headers: customer) { r in
                #expect(String(buffer: r.body).contains("Order is not active"))
            }
        }
    }

    @Test("a theme folder's template replaces the built-in one; a theme template that does not parse refuses the plugin, naming the file")
    func themeOverride() async throws {
        let database = try await TestDatabase.make()
        let theme = FileManager.default.temporaryDirectory.appendingPathComponent("eop-theme-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: theme, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: theme) }
        try Data(#"<div class="themed">THEMED {{name}} at {{#chosen}}{{price}}{{/chosen}}</div>"#.utf8).write(to: theme.appendingPathComponent("product.mustache"))
        let (_, host, log, gateway) = try Self.shop(settings: ["theme_dir": theme.path], database: database)
        try await gateway.application().test(.live) { client in
            let (status, html, _) = try await Self.get(client, "/products/blue-shirt")
            #expect(status == .ok)
            #expect(html.contains(#"<div class="themed">THEMED Blue Shirt at €9.99</div>"#))
            #expect(!html.contains("Add to cart"), "the built-in product template is replaced")
            #expect(html.contains("application/ld+json"), "the layout stays built-in")
        }
        host.shutdown()
        log.shutdown()

        try Data("{{#broken}}".utf8).write(to: theme.appendingPathComponent("home.mustache"))
        let (_, refused, log2, _) = try Self.shop(settings: ["theme_dir": theme.path], expectActive: false, database: database)
        defer { refused.shutdown(); log2.shutdown() }
        #expect(refused.plugin("storefront")?.state != .active)
        #expect(refused.reason("storefront").contains("home.mustache"))

        let (_, noFolder, log3, _) = try Self.shop(withCatalog: false, settings: ["theme_dir": theme.path + "/missing"], expectActive: false, database: database)
        defer { noFolder.shutdown(); log3.shutdown() }
        #expect(noFolder.reason("storefront").contains("setting 'theme_dir': \(theme.path)/missing is not a folder"))
    }

    @Test("with no Catalog active the home page says so (200), product pages answer 503 naming Catalog")
    func noCatalog() async throws {
        let database = try await TestDatabase.make()
        let (_, host, log, gateway) = try Self.shop(withCatalog: false, database: database)
        defer { host.shutdown(); log.shutdown() }
        try await gateway.application().test(.live) { client in
            let (status, html, _) = try await Self.get(client, "/")
            #expect(status == .ok)
            #expect(html.contains("Catalog is not active or does not answer catalog.category.list"))
            let (product, productHTML, _) = try await Self.get(client, "/products/blue-shirt")
            #expect(product == .serviceUnavailable)
            #expect(productHTML.contains("Catalog is not active"))
            let (sitemap, _, _) = try await Self.get(client, "/sitemap.xml")
            #expect(sitemap == .serviceUnavailable)
        }
    }

    @Test("wishlist and compare keep slugs in cookies; compare takes at most 4 products")
    func wishlistAndCompare() async throws {
        let database = try await TestDatabase.make()
        let (_, host, log, gateway) = try Self.shop(database: database)
        defer { host.shutdown(); log.shutdown() }
        let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        try await gateway.application().test(.live) { client in
            let cookie = try await client.execute(uri: "/wishlist", method: .post, headers: form, body: ByteBuffer(string: "slug=red-mug&action=add")) { r in
                #expect(r.status == .seeOther)
                #expect(r.headers[.location] == "/wishlist")
                return try #require(r.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            }
            #expect(cookie == "sf_wishlist=red-mug")
            let (_, wish, _) = try await Self.get(client, "/wishlist", cookie: cookie)
            #expect(wish.contains("Red Mug") && wish.contains("from €8.99"))

            let (_, compared, _) = try await Self.get(client, "/compare", cookie: "sf_compare=blue-shirt.red-mug")
            #expect(compared.contains("<th>material</th><td>cotton</td><td>ceramic</td>"))
            var full = form
            full[.cookie] = "sf_compare=a.b.c.d"
            try await client.execute(uri: "/compare", method: .post, headers: full, body: ByteBuffer(string: "slug=red-mug")) { r in
                #expect(r.status == .conflict)
                #expect(String(buffer: r.body).contains("at most 4 products"))
            }
        }
    }

    @Test("""
        a signed-in customer's lists are stored: added on one device, seen on another without cookies; \
        guest list cookies merge in after the stored entries and are cleared, the overflow is dropped and said; \
        a fifth product to compare is refused with 409
        """)
    func customerLists() async throws {
        let database = try await TestDatabase.make()
        let (_, host, log, gateway) = try Self.shop(database: database)
        defer { host.shutdown(); log.shutdown() }
        let customer = "customer:c-\(UUID().uuidString.prefix(8)):"
        try await gateway.application().test(.live) { client in
            func send(_ method: HTTPRequest.Method, _ uri: String, form: String? = nil, cookie: String? = nil) async throws
                -> (status: HTTPResponse.Status, html: String, headers: HTTPFields) {
                var headers: HTTPFields = [HTTPField.Name("x-test-principal")!: customer, HTTPField.Name("x-forwarded-host")!: "shop.test"]
                if let cookie { headers[.cookie] = cookie }
                if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
                return try await client.execute(uri: uri, method: method, headers: headers, body: form.map { ByteBuffer(string: $0) }) { r in
                    (r.status, String(buffer: r.body), r.headers)
                }
            }
            /// The customer's stored list as `slug.slug…` in order.
            func stored(_ list: String) throws -> String {
                let c = try database.connect()
                defer { c.close() }
                return try c.execute("SELECT coalesce(string_agg(slug, '.' ORDER BY position), '') FROM storefront.list_entries WHERE list = '\(list)'")
                    .string(row: 0, column: 0) ?? ""
            }
            // Phone: add to the wishlist while signed in; no list cookie is set.
            let added = try await send(.post, "/wishlist", form: "slug=red-mug&action=add")
            #expect(added.status == .seeOther)
            #expect(added.headers[.setCookie] == nil, "a customer's list is not a cookie")
            // Laptop: the same customer, no cookies at all.
            let seen = try await send(.get, "/wishlist")
            #expect(seen.html.contains("Red Mug") && seen.html.contains("Wishlist (1)"), "\(seen.html)")
            #expect(try stored("wishlist") == "red-mug")

            // Guest cookies from before signing in: merged after the stored entry, then cleared.
            let merged = try await send(.get, "/", cookie: "sf_wishlist=blue-shirt.red-mug; sf_compare=a.b")
            #expect(merged.status == .ok)
            let cleared = merged.headers[values: .setCookie]
            #expect(cleared.contains("sf_wishlist=; Path=/; Max-Age=0; SameSite=Lax") && cleared.contains("sf_compare=; Path=/; Max-Age=0; SameSite=Lax"), "\(cleared)")
            #expect(merged.html.contains("Wishlist (2)") && merged.html.contains("Compare (2)"))
            #expect(try stored("wishlist") == "red-mug.blue-shirt", "stored entries keep their places")
            #expect(try stored("compare") == "a.b")

            for slug in ["c", "d"] {
                #expect(try await send(.post, "/compare", form: "slug=\(slug)").status == .seeOther)
            }
            let fifth = try await send(.post, "/compare", form: "slug=red-mug")
            #expect(fifth.status == .conflict)
            #expect(fifth.html.contains("at most 4 products"))
            #expect(try stored("compare") == "a.b.c.d")

            // Guest cookies that do not fit the full stored list: dropped, and the page says so.
            let full = try await send(.get, "/compare", cookie: "sf_compare=x.y")
            #expect(full.html.contains("2 products saved in this browser did not fit your compare list (at most 4) and were not kept."), "\(full.html)")
            #expect(full.headers[values: .setCookie].contains("sf_compare=; Path=/; Max-Age=0; SameSite=Lax"))
            #expect(try stored("compare") == "a.b.c.d")
            // Merged on a list change: the cookie merges first (x does not fit), then d goes; the list page says what was dropped.
            let overflow = try await send(.post, "/compare", form: "slug=d&action=remove", cookie: "sf_compare=x")
            #expect(overflow.status == .seeOther)
            #expect(overflow.headers[.location] == "/compare?dropped_sf_compare=1")
            #expect(try stored("compare") == "a.b.c")
            let told = try await send(.get, try #require(overflow.headers[.location]))
            #expect(told.html.contains("1 product saved in this browser did not fit your compare list (at most 4) and was not kept."), "\(told.html)")

            let removed = try await send(.post, "/wishlist", form: "slug=red-mug&action=remove")
            #expect(removed.status == .seeOther)
            #expect(try stored("wishlist") == "blue-shirt")
        }
    }
}

/// Storefront over the real Catalog plugin (libCatalog.so): the query topics Catalog answers
/// for the shop (`catalog.product.search`, `catalog.product.get`, `catalog.category.list`,
/// `catalog.price.quote`), with a product a staff member created through Catalog's API.
@Suite("Storefront over the real Catalog", .serialized)
struct StorefrontCatalogTests {
    /// Catalog, Storefront, Launcher and Gallery from `Manifests/` (the built libraries) in a durable
    /// host on `database`, prices in EUR, and a gateway in front.
    static func shop(_ database: TestDatabase) throws -> (Workspace, PluginHost, EventLog, Gateway) {
        let ws = try Workspace()
        let log = try EventLog(target: database.target)
        let manifests = ["catalog", "storefront", "launcher", "gallery"].map { Repo.root.appendingPathComponent("Manifests/\($0).json") }
        let configuration = LoaderConfiguration(
            manifestPaths: manifests, librarySearchPaths: [Repo.buildDirectory],
            imageDirectory: ws.root.appendingPathComponent("images"), events: try EventCatalog.load(directory: ws.events),
            settings: ["storefront": Data(#"{"currency": "EUR", "shop_name": "Real Shop"}"#.utf8), "catalog": Data(#"{"currency": "EUR"}"#.utf8),
                       "gallery": try JSONSerialization.data(withJSONObject: ["storage_directory": ws.root.appendingPathComponent("media").path])],
            transport: log, storage: log)
        let host = PluginHost(configuration: configuration)
        log.registerExtensions(on: host)
        // The host's identity store answers the wizard's platform.staff.first_owner, as under `eop run`.
        let identity = IdentityStore(pool: ConnectionPool(name: "identity", maxConnections: 2) { try PostgresConnection(database.target.conninfo) })
        try identity.bootstrap()
        try FirstOwnerAnswer.install(on: host, identity: identity)
        host.boot()
        for id in ["catalog", "storefront", "launcher", "gallery"] {
            #expect(host.plugin(id)?.state == .active, "\(id): \(host.reason(id))")
        }
        return (ws, host, log, Gateway(plugins: host, configuration: .init(port: 0, principals: HeaderPrincipals())))
    }

    @Test("a product created through Catalog's staff API shows on the shop: product page with JSON-LD and price, search, category, sitemap")
    func shopOverCatalog() async throws {
        let database = try await TestDatabase.make()
        let (_, host, log, gateway) = try Self.shop(database)
        defer { host.shutdown(); log.shutdown() }
        try await gateway.application().test(.live) { client in
            let staff: HTTPFields = [.contentType: "application/json",
                                     HTTPField.Name("x-test-principal")!: "staff:u1:catalog.product.read,catalog.product.write,catalog.price.write,catalog.taxonomy.write"]
            func post(_ uri: String, _ json: String) async throws -> [String: Any] {
                try await client.execute(uri: uri, method: .post, headers: staff, body: ByteBuffer(string: json)) { r in
                    #expect(r.status == .created, "\(uri): \(String(buffer: r.body))")
                    return try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                }
            }
            let category = try await post("/api/catalog/categories", #"{"name": "Lamps", "slug": "lamps"}"#)
            let categoryID = try #require(category["id"] as? String)
            _ = try await post("/api/catalog/products", #"""
                {"name": "Brass Desk Lamp", "slug": "brass-desk-lamp", "status": "active", "description": "Warm light.",
                 "category_ids": ["\#(categoryID)"], "variants": [{"sku": "LAMP-B", "price": 4999, "currency": "EUR"}]}
                """#)
            _ = try await post("/api/catalog/products", #"{"name": "Hidden Draft", "slug": "hidden-draft", "variants": [{"sku": "DRAFT-1", "price": 100}]}"#)

            let (status, html, _) = try await StorefrontTests.get(client, "/products/brass-desk-lamp")
            #expect(status == .ok, "\(html.prefix(500))")
            #expect(html.contains("Brass Desk Lamp") && html.contains("€49.99"), "the quote's price through format_money")
            #expect(html.contains(#"<script type="application/ld+json">"#) && html.contains(#""@type":"Product""#) || html.contains(#""@type": "Product""#))
            let draft = try await StorefrontTests.get(client, "/products/hidden-draft")
            #expect(draft.0 == .notFound, "a draft is not on the shop")
            let search = try await StorefrontTests.get(client, "/search?q=brass")
            #expect(search.0 == .ok && search.1.contains("/products/brass-desk-lamp"), "\(search.1.prefix(800))")
            let lamps = try await StorefrontTests.get(client, "/category/lamps")
            #expect(lamps.0 == .ok && lamps.1.contains("Brass Desk Lamp"), "\(lamps.1.components(separatedBy: "<main").last?.prefix(1500) ?? "")")
            let sitemap = try await StorefrontTests.get(client, "/sitemap.xml")
            #expect(sitemap.1.contains("http://shop.test/products/brass-desk-lamp") && !sitemap.1.contains("hidden-draft"))
        }
    }

    @Test("pages are kept for visitors without cookies until a catalog change or the second a flash sale starts or ends")
    func pageCache() async throws {
        let database = try await TestDatabase.make()
        let (_, host, log, gateway) = try Self.shop(database)
        defer { host.shutdown(); log.shutdown() }
        try await gateway.application().test(.live) { client in
            let staff: HTTPFields = [.contentType: "application/json",
                                     HTTPField.Name("x-test-principal")!: "staff:u1:catalog.product.read,catalog.product.write,catalog.price.write"]
            func send(_ uri: String, _ method: HTTPRequest.Method, _ json: String) async throws -> [String: Any] {
                try await client.execute(uri: uri, method: method, headers: staff, body: ByteBuffer(string: json)) { r in
                    #expect(r.status.code < 300, "\(uri): \(String(buffer: r.body))")
                    return try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                }
            }
            let product = try await send("/api/catalog/products", .post, #"""
                {"name": "Brass Desk Lamp", "slug": "brass-desk-lamp", "status": "active", "variants": [{"sku": "LAMP-B", "price": 4999, "currency": "EUR"}]}
                """#)
            let variantID = try #require((product["variants"] as? [[String: Any]])?.first?["id"] as? String)
            // The created fact may still be on its way: wait until a page is kept, then it stays.
            func page() async throws -> (html: String, cache: String?) {
                let (status, html, headers) = try await StorefrontTests.get(client, "/products/brass-desk-lamp")
                #expect(status == .ok)
                return (html, headers[HTTPField.Name("x-page-cache")!])
            }
            func eventually(_ what: String, _ check: (String, String?) -> Bool) async throws -> (html: String, cache: String?) {
                for _ in 0..<100 {
                    let p = try await page()
                    if check(p.html, p.cache) { return p }
                    try await Task.sleep(for: .milliseconds(50))
                }
                Issue.record("never: \(what)")
                return try await page()
            }
            _ = try await eventually("a kept page") { _, cache in cache == "hit" }
            let kept = try await page()
            #expect(kept.cache == "hit" && kept.html.contains("€49.99"))
            let withCookie = try await StorefrontTests.get(client, "/products/brass-desk-lamp", cookie: "sf_wish=x")
            #expect(withCookie.2[HTTPField.Name("x-page-cache")!] == nil, "a visitor with cookies gets a page rendered for them")

            // A staff price change (catalog.price.changed) drops the kept pages.
            _ = try await send("/api/catalog/variants/\(variantID)", .patch, #"{"price": 3999}"#)
            let repriced = try await eventually("the new price") { html, _ in html.contains("€39.99") }
            #expect(!repriced.html.contains("€49.99"))

            // A flash sale two seconds from now: kept pages show the old price until its first second, the sale until its last.
            let now = Int(Date().timeIntervalSince1970)
            let start = now + 3, end = now + 5
            func iso(_ t: Int) -> String { ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(t))) }
            _ = try await send("/api/catalog/variants/\(variantID)/flash-sales", .post,
                               #"{"price": 1999, "starts_at": "\#(iso(start))", "ends_at": "\#(iso(end))"}"#)
            _ = try await eventually("a kept page before the sale") { html, cache in cache == "hit" && html.contains("€39.99") }
            try await Task.sleep(for: .seconds(Double(start) - Date().timeIntervalSince1970 + 0.3))
            let during = try await page()
            #expect(during.html.contains("€19.99"), "the sale shows from its first second, though the page was kept")
            try await Task.sleep(for: .seconds(Double(end) - Date().timeIntervalSince1970 + 0.3))
            let after = try await page()
            #expect(after.html.contains("€39.99") && !after.html.contains("€19.99"), "and is gone after its last")
        }
    }

    @Test("end to end over HTTP: the setup wizard sets up the shop and loads the sample catalog; home, category, search and product pages show it with prices; the sitemap lists it")
    func wizardToShop() async throws {
        let database = try await TestDatabase.make()
        let (_, host, log, gateway) = try Self.shop(database)
        defer { host.shutdown(); log.shutdown() }
        try await gateway.application().test(.live) { client in
            let body = #"{"shop_name": "Ada's Shop", "currency": "EUR", "locale": "en-IE", "staff_email": "owner@shop.example", "staff_password": "lamps-and-shirts", "sample_catalog": true}"#
            let setup = try await client.execute(uri: "/api/launcher/setup", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(string: body)) { r in (r.status, String(buffer: r.body)) }
            #expect(setup.0 == .created, "\(setup.1)")
            #expect(setup.1.contains(#"\"loaded\":true"#) || setup.1.contains(#"\\\"loaded\\\":true"#), "the wizard's sample outcome: \(setup.1)")
            #expect(setup.1.contains(#""created":true"#), "the wizard made the first staff account: \(setup.1)")
            let again = try await client.execute(uri: "/api/launcher/setup", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(string: body)) { r in r.status }
            #expect(again == .conflict, "the wizard runs once")

            let home = try await StorefrontTests.get(client, "/")
            #expect(home.0 == .ok && home.1.contains("Lamps") && home.1.contains("Shirts"), "\(home.1.components(separatedBy: "<main").last?.prefix(1200) ?? "")")
            let lamps = try await StorefrontTests.get(client, "/category/lamps")
            #expect(lamps.0 == .ok)
            for (name, price) in [("Brass Desk Lamp", "€49.99"), ("Paper Floor Lamp", "€89.00"), ("Clip Reading Light", "€18.50")] {
                #expect(lamps.1.contains(name) && lamps.1.contains(price), "\(name) at \(price) on the category page")
            }
            #expect(!lamps.1.contains("Blue Linen Shirt"), "a shirt is not a lamp")
            let search = try await StorefrontTests.get(client, "/search?q=shirt")
            #expect(["Blue Linen Shirt", "White Oxford Shirt", "Striped Work Shirt"].allSatisfy { search.1.contains($0) })
            #expect(!search.1.contains("Brass Desk Lamp"))
            let product = try await StorefrontTests.get(client, "/products/blue-linen-shirt")
            #expect(product.0 == .ok && product.1.contains("€35.00") && product.1.contains(#"<script type="application/ld+json">"#), "\(product.1.prefix(400))")
            let sitemap = try await StorefrontTests.get(client, "/sitemap.xml")
            for slug in ["brass-desk-lamp", "paper-floor-lamp", "clip-reading-light", "blue-linen-shirt", "white-oxford-shirt", "striped-work-shirt"] {
                #expect(sitemap.1.contains("http://shop.test/products/\(slug)"), "\(slug) in the sitemap")
            }
        }
        // The sample went through Catalog's own actions: one created fact per product.
        #expect(log.drain(timeout: .seconds(30)))
        #expect(try database.count("SELECT count(*) FROM eop.events WHERE topic = 'catalog.product.created'") == 6)
        #expect(try database.count("SELECT count(*) FROM eop_identity.staff_users WHERE email = 'owner@shop.example'") == 1)
    }

    @Test("a product's pictures come from Gallery: linked through Catalog, shown on the product page, and held: Gallery refuses to delete one a product shows")
    func productPictures() async throws {
        let database = try await TestDatabase.make()
        let (_, host, log, gateway) = try Self.shop(database)
        defer { host.shutdown(); log.shutdown() }
        try await gateway.application().test(.live) { client in
            let staff = "staff:u1:catalog.product.read,catalog.product.write,gallery.media.read,gallery.media.write,gallery.media.delete"
            // A real 1x1 PNG, uploaded as multipart/form-data.
            let png = try #require(Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="))
            var form = Data("--b0undary\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nA brass lamp\r\n".utf8)
            form += Data("--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"lamp.png\"\r\nContent-Type: image/png\r\n\r\n".utf8)
            form += png + Data("\r\n--b0undary--\r\n".utf8)
            let medium = try await client.execute(uri: "/api/gallery/media", method: .post,
                                                  headers: [.contentType: "multipart/form-data; boundary=b0undary", HTTPField.Name("x-test-principal")!: staff],
                                                  body: ByteBuffer(data: form)) { r in
                #expect(r.status == .created, "\(String(buffer: r.body))")
                return try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
            }
            let mediaID = try #require(medium["id"] as? String)
            let mediaURL = try #require(medium["url"] as? String)
            let json: HTTPFields = [.contentType: "application/json", HTTPField.Name("x-test-principal")!: staff]
            let product = try await client.execute(uri: "/api/catalog/products", method: .post, headers: json, body: ByteBuffer(string:
                #"{"name": "Brass Desk Lamp", "slug": "brass-desk-lamp", "status": "active", "variants": [{"sku": "LAMP-B", "price": 4999}]}"#)) { r in
                try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
            }
            let productID = try #require(product["id"] as? String)
            let linked = try await client.execute(uri: "/api/catalog/products/\(productID)/media", method: .put, headers: json,
                                                  body: ByteBuffer(string: #"{"media": [{"id": "\#(mediaID)"}]}"#)) { r in (r.status, String(buffer: r.body)) }
            #expect(linked.0 == .ok, "\(linked.1)")
            #expect(linked.1.contains(mediaURL) && linked.1.contains("A brass lamp"), "the product's images: \(linked.1)")
            let unknown = try await client.execute(uri: "/api/catalog/products/\(productID)/media", method: .put, headers: json,
                                                   body: ByteBuffer(string: #"{"media": [{"id": "\#(UUID().uuidString)"}]}"#)) { r in (r.status, String(buffer: r.body)) }
            #expect(unknown.0 == .badRequest && unknown.1.contains("media[0].id"), "an unknown medium is refused naming the field: \(unknown.1)")

            let page = try await StorefrontTests.get(client, "/products/brass-desk-lamp")
            #expect(page.0 == .ok && page.1.contains(mediaURL), "the product page shows the picture")
            #expect(page.1.contains(#"alt="A brass lamp""#))

            let delete = try await client.execute(uri: "/api/gallery/media/\(mediaID)", method: .delete, headers: json) { r in (r.status, String(buffer: r.body)) }
            #expect(delete.0 == .conflict && delete.1.contains("catalog.product"), "a medium a product shows cannot be deleted: \(delete.1)")
            // Unlinked, it is released and can go.
            let cleared = try await client.execute(uri: "/api/catalog/products/\(productID)/media", method: .put, headers: json,
                                                   body: ByteBuffer(string: #"{"media": []}"#)) { r in r.status }
            #expect(cleared == .ok)
            let deleted = try await client.execute(uri: "/api/gallery/media/\(mediaID)", method: .delete, headers: json) { r in (r.status, String(buffer: r.body)) }
            #expect(deleted.0 == .ok || deleted.0 == .noContent, "\(deleted.1)")
        }
    }
}

