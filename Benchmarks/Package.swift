// swift-tools-version:6.1
// EOP benchmarks (ordo-one/benchmark). Run them all with `scripts/bench` from the
// repository root; see README.md in this folder for the figures and what they mean.
import PackageDescription

let package = Package(
    name: "EOPBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "EOP", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // No-op C handlers: the baseline "direct C function call" and the plugin side of dispatch.
        .target(name: "BenchSupport", path: "Sources/BenchSupport"),
        // Shared by the load programs: run a tool, read wrk, print result lines.
        .target(name: "BenchKit", path: "Sources/BenchKit"),
        .executableTarget(
            name: "DispatchBenchmarks",
            dependencies: [
                "BenchSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "EOPDispatch", package: "EOP"),
            ],
            path: "DispatchBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Bounded HTTP load with wrk: a plugin route beside a bare Hummingbird endpoint.
        .executableTarget(
            name: "GatewayBenchmark",
            dependencies: [
                "BenchKit",
                .product(name: "EOPGateway", package: "EOP"),
                .product(name: "EOPEventLog", package: "EOP"),
                .product(name: "EOPDispatch", package: "EOP"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "GatewayBenchmark"
        ),
        // Bounded end-to-end load: durable facts through PostgreSQL, pgbench -S as the baseline.
        .executableTarget(
            name: "DurableBenchmark",
            dependencies: [
                "BenchKit",
                .product(name: "EOPEventLog", package: "EOP"),
                .product(name: "EOPDispatch", package: "EOP"),
            ],
            path: "DurableBenchmark",
            exclude: ["publisher.c"]
        ),
        // The shop under wrk: Storefront's product and category pages over Catalog with 10,000 products.
        .executableTarget(
            name: "ShopBenchmark",
            dependencies: [
                "BenchKit",
                .product(name: "EOPGateway", package: "EOP"),
                .product(name: "EOPEventLog", package: "EOP"),
                .product(name: "EOPDispatch", package: "EOP"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "ShopBenchmark"
        ),
        // Complete checkouts (cart → address → cash on delivery) over Catalog, Cart, Order and Payment.
        .executableTarget(
            name: "CheckoutBenchmark",
            dependencies: [
                "BenchKit",
                .product(name: "EOPGateway", package: "EOP"),
                .product(name: "EOPEventLog", package: "EOP"),
                .product(name: "EOPDispatch", package: "EOP"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "CheckoutBenchmark"
        ),
        // Hot swap: pause and whole-swap time under load; boot to /ready and memory of `eop run`.
        .executableTarget(
            name: "SwapBenchmark",
            dependencies: [
                "BenchKit",
                .product(name: "EOPEventLog", package: "EOP"),
                .product(name: "EOPDispatch", package: "EOP"),
            ],
            path: "SwapBenchmark"
        ),
    ]
)
