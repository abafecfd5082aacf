// swift-tools-version:6.1
// EOP — the Ecommerce Orchestration Platform: one package holding the core
// host (Sources/), the plugins (Plugins/, each a .dynamic library), the SDK
// for plugin authors (SDK/) and the tests (Tests/).
import PackageDescription

let package = Package(
    name: "EOP",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "eop", targets: ["eop"]),
        .executable(name: "eop-license", targets: ["eop-license"]),
        // The Swift SDK plugin authors import.
        .library(name: "EOPSDK", targets: ["EOPSDK"]),
        // For the benchmarks package (Benchmarks/), which measures the table alone.
        .library(name: "EOPDispatch", targets: ["EOPDispatch", "EOPManifest"]),
        .library(name: "EOPEventLog", targets: ["EOPEventLog", "EOPStorage", "EOPLoader"]),
        .library(name: "EOPGateway", targets: ["EOPGateway"]),
        // Example plugin in Swift (SDK/examples/swift-hello).
        .library(name: "SwiftHello", type: .dynamic, targets: ["SwiftHello"]),
        // Swift twins of the C hot-swap fixture (Tests/HostTests/Fixtures/loadgen.c).
        .library(name: "LoadSourceSwift", type: .dynamic, targets: ["LoadSourceSwift"]),
        .library(name: "LoadCounterSwift", type: .dynamic, targets: ["LoadCounterSwift"]),
        // The module plugins (Plugins/<Module>), each its own shared library.
        .library(name: "Catalog", type: .dynamic, targets: ["Catalog"]),
        // Plugins/Storefront: the customer-facing shop pages (libStorefront.so).
        .library(name: "Storefront", type: .dynamic, targets: ["Storefront"]),
        // Plugins/Gallery: the media library (libGallery.so).
        .library(name: "Gallery", type: .dynamic, targets: ["Gallery"]),
        // Plugins/Cart: guest and customer carts, totals, stacking, express checkout (libCart.so).
        .library(name: "Cart", type: .dynamic, targets: ["Cart"]),
        // A coupon contributor for Cart's tests (Tests/Fixtures/CouponTestPlugin).
        .library(name: "CouponTestPlugin", type: .dynamic, targets: ["CouponTestPlugin"]),
        // Always-active module plugins (Plugins/<Module>), each its own shared library.
        .library(name: "Menu", type: .dynamic, targets: ["Menu"]),
        .library(name: "Launcher", type: .dynamic, targets: ["Launcher"]),
        .library(name: "Docs", type: .dynamic, targets: ["Docs"]),
        // Plugins/Order: checkout, orders and their states, fulfilments, invoices, returns, downloads (libOrder.so).
        .library(name: "Order", type: .dynamic, targets: ["Order"]),
        // Cart and Payment stand-ins that Order's tests load (Plugins/Order/Tests/Fixtures).
        .library(name: "OrderCartFixture", type: .dynamic, targets: ["OrderCartFixture"]),
        .library(name: "OrderPaymentFixture", type: .dynamic, targets: ["OrderPaymentFixture"]),
        // Plugins/Payment: payments with ten drivers, refunds, disputes, gift cards (libPayment.so).
        .library(name: "Payment", type: .dynamic, targets: ["Payment"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // The C header that IS the ABI (header-only; SDK/include/module.modulemap).
        .systemLibrary(name: "EOPABI", path: "SDK/include"),
        // libffi from Debian, for handlers typed in the manifest.
        .systemLibrary(name: "CFFI", path: "Sources/CFFI", pkgConfig: "libffi"),
        // libpq from Debian (libpq-dev), PostgreSQL's C client.
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq"),
        // libcurl from Debian (libcurl4-openssl-dev), for email over SMTP.
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl"),
        // libcsv from Debian (libcsv-dev), an RFC 4180 CSV parser, for CSV import/export in plugins.
        .systemLibrary(name: "CLibCSV", path: "Sources/CLibCSV"),
        // libvips from Debian (libvips-dev), for Gallery's thumbnails and resized variants.
        .systemLibrary(name: "CVips", path: "Sources/CVips", pkgConfig: "vips"),
        // cmark from Debian (libcmark-dev), the CommonMark reference parser, for the Docs plugin.
        .systemLibrary(name: "CCMark", path: "Sources/CCMark", pkgConfig: "libcmark"),

        // Core host modules.
        .target(name: "EOPPlatformKit", path: "Sources/PlatformKit"),
        .target(
            name: "EOPLicense",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/License",
            exclude: ["README.md"]
        ),
        .target(name: "EOPManifest", dependencies: ["EOPPlatformKit"], path: "Sources/Manifest"),
        .target(
            name: "EOPDispatch",
            dependencies: [
                "EOPABI", "CFFI", "EOPManifest", "EOPPlatformKit",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Dispatch"
        ),
        .target(
            name: "EOPLoader",
            dependencies: [
                "EOPABI", "EOPDispatch", "EOPManifest", "EOPPlatformKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Sources/Loader"
        ),
        .target(
            name: "EOPStorage",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            path: "Sources/Storage"
        ),
        .target(
            name: "EOPEventLog",
            dependencies: [
                "EOPABI", "EOPStorage", "EOPDispatch", "EOPLoader", "EOPManifest",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/EventLog",
            exclude: ["README.md"]
        ),
        .target(
            name: "EOPIdentity",
            dependencies: [
                "EOPStorage",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Identity"
        ),
        .target(
            name: "EOPConsole",
            dependencies: [.product(name: "Mustache", package: "swift-mustache")],
            path: "Sources/Console",
            resources: [.copy("Templates")]
        ),
        .target(
            name: "EOPGateway",
            dependencies: [
                "EOPABI", "EOPLoader", "EOPManifest", "EOPDispatch", "EOPPlatformKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Gateway"
        ),
        .target(
            name: "EOPAdmin",
            dependencies: [
                "EOPGateway", "EOPIdentity", "EOPConsole",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Admin"
        ),
        // Outbound HTTP for plugins (eop.http_client.v1) through async-http-client.
        .target(
            name: "EOPOutbound",
            dependencies: [
                "EOPABI", "EOPDispatch", "EOPLoader",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Outbound"
        ),
        .target(
            name: "EOPNotification",
            dependencies: [
                "EOPABI", "CCurl", "EOPStorage", "EOPManifest", "EOPLoader", "EOPDispatch", "EOPGateway", "EOPPlatformKit",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Notification",
            exclude: ["README.md"]
        ),
        .target(
            name: "EOPHost",
            dependencies: [
                "EOPLoader", "EOPDispatch", "EOPManifest", "EOPPlatformKit", "EOPLicense", "EOPStorage", "EOPEventLog", "EOPGateway",
                "EOPAdmin", "EOPIdentity", "EOPConsole", "EOPNotification", "EOPOutbound",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Host"
        ),
        .executableTarget(
            name: "eop",
            dependencies: [
                "EOPHost", "EOPLoader", "EOPManifest", "EOPLicense", "EOPEventLog", "EOPPlatformKit", "EOPIdentity", "EOPStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/eop"
        ),
        .executableTarget(
            name: "eop-license",
            dependencies: [
                "EOPLicense",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/eop-license"
        ),

        // The Swift SDK: Swift types over the C ABI; nothing Swift crosses it.
        .target(name: "EOPSDK", dependencies: ["EOPABI"], path: "SDK/Swift/EOPSDK"),
        .target(name: "SwiftHello", dependencies: ["EOPSDK"], path: "SDK/examples/swift-hello/Sources"),
        .target(name: "LoadSourceSwift", dependencies: ["EOPSDK"], path: "Tests/Fixtures/LoadSourceSwift"),
        .target(name: "LoadCounterSwift", dependencies: ["EOPSDK"], path: "Tests/Fixtures/LoadCounterSwift"),
        .target(
            name: "Storefront",
            dependencies: ["EOPSDK", "EOPABI", "EOPPlatformKit", .product(name: "Mustache", package: "swift-mustache")],
            path: "Plugins/Storefront/Sources/Storefront"
        ),

        // Plugins/Catalog: products, prices, search (libCatalog.so).
        .target(name: "Catalog", dependencies: ["EOPSDK", "EOPABI", "EOPPlatformKit", "CLibCSV"], path: "Plugins/Catalog/Sources/Catalog"),
        .testTarget(
            name: "CatalogTests",
            dependencies: ["EOPLoader", "EOPDispatch", "EOPManifest", "EOPEventLog", "EOPStorage", "EOPGateway", "EOPTesting",
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            path: "Plugins/Catalog/Tests"
        ),

        // Plugins/Gallery: media by content, thumbnails with libvips (libGallery.so).
        .target(name: "Gallery", dependencies: ["EOPSDK", "EOPABI", "CVips", .product(name: "Crypto", package: "swift-crypto")],
                path: "Plugins/Gallery/Sources/Gallery"),
        .testTarget(
            name: "GalleryTests",
            dependencies: ["EOPLoader", "EOPDispatch", "EOPManifest", "EOPEventLog", "EOPStorage", "EOPGateway", "EOPTesting", "CVips",
                           .product(name: "Crypto", package: "swift-crypto"), .product(name: "HummingbirdTesting", package: "hummingbird")],
            path: "Plugins/Gallery/Tests",
            exclude: ["Fixtures"]
        ),

        // Plugins/Cart: carts, lines, totals and the cart.adjustments.collect hook (libCart.so).
        .target(name: "Cart", dependencies: ["EOPSDK", "EOPABI", "EOPPlatformKit"], path: "Plugins/Cart/Sources/Cart"),
        // Answers cart.adjustments.collect with coupons, loyalty, wallet and gift-card amounts named by test codes.
        .target(name: "CouponTestPlugin", dependencies: ["EOPSDK", "EOPABI"], path: "Tests/Fixtures/CouponTestPlugin", exclude: ["coupontest.json"]),
        .testTarget(name: "CartTests", dependencies: ["EOPPluginTesting", "EOPStorage", "EOPABI", .product(name: "HummingbirdTesting", package: "hummingbird")],
                    path: "Plugins/Cart/Tests"),

        // Plugins/Menu: admin and storefront navigation (libMenu.so).
        .target(name: "Menu", dependencies: ["EOPSDK", "EOPABI"], path: "Plugins/Menu/Sources/Menu"),
        // Plugins/Launcher: setup wizard, onboarding checklist, health page (libLauncher.so).
        .target(name: "Launcher", dependencies: ["EOPSDK", "EOPABI", "EOPPlatformKit"], path: "Plugins/Launcher/Sources/Launcher"),
        // Plugins/Docs: every plugin's Markdown docs at /docs (libDocs.so).
        .target(name: "Docs", dependencies: ["EOPSDK", "EOPABI", "CCMark"], path: "Plugins/Docs/Sources/Docs"),
        // Plugins/Payment: the payment drivers, plain Swift with HTTP handed in (tested alone
        // against local fakes of each provider); the Payment plugin wraps them.
        .target(
            name: "PaymentDrivers",
            dependencies: [.product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto")],
            path: "Plugins/Payment/Sources/PaymentDrivers"
        ),
        // Local fakes of payment providers (Hummingbird on 127.0.0.1) shared by the driver
        // tests and the plugin's tests.
        .target(
            name: "PaymentFakes",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Plugins/Payment/Tests/Fakes"
        ),
        // Each driver against a local fake of its provider (Hummingbird on 127.0.0.1).
        .testTarget(
            name: "PaymentDriverTests",
            dependencies: [
                "PaymentDrivers", "PaymentFakes",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Plugins/Payment/Tests/DriverTests"
        ),
        // Plugins/Payment: payments, refunds, disputes, gift cards; the drivers above (libPayment.so).
        .target(name: "Payment", dependencies: ["EOPSDK", "EOPABI", "EOPPlatformKit", "PaymentDrivers"], path: "Plugins/Payment/Sources/Payment"),
        .testTarget(
            name: "PaymentTests",
            dependencies: ["EOPPluginTesting", "EOPStorage", "PaymentFakes", "PaymentDrivers", .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            path: "Plugins/Payment/Tests/PaymentTests"
        ),
        // A durable host with module plugins and a gateway in front, for the plugins' tests.
        .target(name: "EOPPluginTesting",
                dependencies: ["EOPLoader", "EOPDispatch", "EOPManifest", "EOPEventLog", "EOPStorage", "EOPGateway", "EOPTesting", "EOPOutbound",
                               "EOPHost", "EOPIdentity", .product(name: "HummingbirdTesting", package: "hummingbird")],
                path: "Tests/PluginTesting"),
        .testTarget(name: "MenuTests", dependencies: ["EOPPluginTesting", "EOPStorage", .product(name: "HummingbirdTesting", package: "hummingbird")], path: "Plugins/Menu/Tests"),
        .testTarget(name: "LauncherTests", dependencies: ["EOPPluginTesting", "EOPStorage", "EOPIdentity", .product(name: "HummingbirdTesting", package: "hummingbird")], path: "Plugins/Launcher/Tests"),
        // Plugins/Order: checkout into orders, payments through Payment, fulfilments, invoices, returns, downloads (libOrder.so).
        .target(name: "Order", dependencies: ["EOPSDK", "EOPABI", "EOPPlatformKit", .product(name: "Crypto", package: "swift-crypto")],
                path: "Plugins/Order/Sources/Order"),
        .target(name: "OrderCartFixture", dependencies: ["EOPSDK", "EOPABI"], path: "Plugins/Order/Tests/Fixtures/CartFixture"),
        .target(name: "OrderPaymentFixture", dependencies: ["EOPSDK", "EOPABI"], path: "Plugins/Order/Tests/Fixtures/PaymentFixture"),
        .testTarget(name: "OrderTests",
                    dependencies: ["EOPPluginTesting", "EOPStorage", .product(name: "HummingbirdTesting", package: "hummingbird"),
                                   .product(name: "Crypto", package: "swift-crypto")],
                    path: "Plugins/Order/Tests", exclude: ["Fixtures"]),
        .testTarget(name: "DocsTests", dependencies: ["EOPPluginTesting", "EOPStorage", "EOPLicense", .product(name: "HummingbirdTesting", package: "hummingbird")], path: "Plugins/Docs/Tests"),

        .testTarget(
            name: "HostTests",
            dependencies: ["EOPHost", "EOPLoader", "EOPDispatch", "EOPManifest", "EOPPlatformKit", "EOPABI", "CFFI", "EOPStorage", "EOPEventLog", "EOPTesting", "EOPGateway", "EOPAdmin", "EOPIdentity", "EOPConsole", "EOPNotification", "EOPOutbound", "PaymentFakes",
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            path: "Tests/HostTests",
            exclude: ["Fixtures"]
        ),
        // Test support shared by the test targets: a real PostgreSQL cluster per test process.
        .target(name: "EOPTesting", dependencies: ["EOPStorage"], path: "Tests/EOPTesting"),
        .testTarget(
            name: "StorageTests",
            dependencies: ["EOPStorage", "EOPTesting", .product(name: "Subprocess", package: "swift-subprocess")],
            path: "Tests/StorageTests"
        ),
        .testTarget(name: "IdentityTests", dependencies: ["EOPIdentity", "EOPTesting"], path: "Tests/IdentityTests"),
        .testTarget(name: "ConsoleTests", dependencies: ["EOPConsole"], path: "Tests/ConsoleTests"),
        .testTarget(name: "PlatformKitTests", dependencies: ["EOPPlatformKit"], path: "Tests/PlatformKitTests"),
        .testTarget(name: "LicenseTests", dependencies: ["EOPLicense"], path: "Tests/LicenseTests"),
    ]
)
