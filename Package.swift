// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "postwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "postwatch", targets: ["postwatch"]),
        .executable(name: "postwatch-bench", targets: ["postwatch-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // Already in hummingbird's graph; declared because Sandbox and PostwatchApp import them.
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        // The shared store for several replicas (issue 17); SQLite stays the embedded default.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Already in postgres-nio's graph; declared because PostgresState builds its TLS configuration.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // libcurl from Debian's libcurl4-openssl-dev; only `Curl` imports it.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(
            name: "Curl",
            dependencies: ["CCurl"]
        ),
        // Secrets out of peer text and logs; no dependencies, so every library can use it.
        .target(name: "Redaction"),
        // Durations as written, the one backoff, the injected clock; no dependencies, like Redaction.
        .target(name: "Timekeeping"),
        .target(
            name: "Infinipost",
            dependencies: [
                "Curl",
                "Redaction",
                "Timekeeping",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Rules",
            dependencies: [
                "Timekeeping",
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        .target(
            name: "Watch",
            dependencies: [
                "Infinipost",
                "Timekeeping",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The C API, for the one loop that reads every stored post without a String each.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The shared store on PostgreSQL: the `Store` of several replicas, with the lease and
        // fencing epoch of the one that polls, claimed deliveries and shared rate limits.
        .target(
            name: "PostgresState",
            dependencies: [
                "Infinipost",
                // Its "did you mean" (Suggestion) for a misspelt URL parameter.
                "Rules",
                "Timekeeping",
                "Watch",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Notify",
            dependencies: [
                "Curl",
                "Infinipost",
                "Redaction",
                "Rules",
                "Timekeeping",
                "Watch",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Sandbox",
            dependencies: [
                "Infinipost",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The wiring of `check`, `run`, `demo`: services, metrics server, summaries.
        .target(
            name: "PostwatchApp",
            dependencies: [
                "Curl", "Infinipost", "PostgresState", "Redaction", "Rules", "Timekeeping", "Watch", "Notify", "Sandbox",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            plugins: ["BuildInfo"]
        ),
        // The git commit for `postwatch --version` and `postwatch_build_info`.
        .plugin(name: "BuildInfo", capability: .buildTool()),
        .executableTarget(
            name: "postwatch",
            dependencies: [
                "Infinipost", "PostwatchApp", "Redaction", "Sandbox", "Timekeeping", "Watch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "postwatch-bench",
            dependencies: [
                "Curl", "Infinipost", "PostgresState", "Rules", "Timekeeping", "Watch", "Notify", "Sandbox", "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // The retention bench marks notifications delivered in bulk on its own connection.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Real peers for tests and benchmarks: sandbox builder, webhook receiver, SMTP server fixture;
        // and the fakes they share: a manual clock, a router of one notification per event.
        .target(
            name: "TestSupport",
            dependencies: [
                // Stores of several replicas on one database (`PostgresServer.replicas`).
                "Infinipost", "PostgresState", "Sandbox", "Timekeeping", "Watch",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "RedactionTests", dependencies: ["Redaction"]),
        // Sandbox for its seeded generator (SeededRandom): generated windows are the same on every run.
        .testTarget(name: "TimekeepingTests", dependencies: ["Timekeeping", "Sandbox"]),
        .testTarget(name: "CurlTests", dependencies: ["Curl", "TestSupport"]),
        .testTarget(
            name: "InfinipostTests",
            dependencies: ["Infinipost", "Curl", "Sandbox", "TestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "Infinipost", "TestSupport"]),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "Timekeeping"], resources: [.copy("Corpus")]),
        .testTarget(
            name: "WatchTests",
            dependencies: [
                "Watch", "Curl", "Infinipost", "PostgresState", "Sandbox", "TestSupport", "Timekeeping",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                // The PostgreSQL tests read what the server says of a connection (TLS, its name).
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .testTarget(
            name: "NotifyTests",
            dependencies: [
                "Notify", "Watch", "Rules", "Curl", "Infinipost", "PostgresState", "Redaction", "Sandbox", "TestSupport", "Timekeeping",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            // The CommonMark renderer the escaping tests run as a child process, from the source tree,
            // and the Standard Webhooks verifier (PyPI's standardwebhooks) likewise.
            // The golden payload files are read from the source tree (`Golden/GoldenFile.swift`).
            exclude: ["Rendering/render_markdown.py", "Channels/verify_standard_webhooks.py", "Golden/files"]),
        // The wiring's own tests (commands, settings, log lines), apart from the rule language's.
        .testTarget(
            name: "PostwatchAppTests",
            dependencies: [
                "PostwatchApp", "Rules", "Watch", "Infinipost", "Timekeeping",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                // The API's server runs in a service group, as `run` runs it (SilenceAPITests).
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The events `rules test` reads in CommandTests.
            resources: [.copy("Corpus")]),
        .testTarget(
            name: "EndToEndTests",
            // GRDB: to read every row of a state file the binary wrote (no secret may be in it).
            dependencies: ["TestSupport", "Infinipost", "Sandbox", .product(name: "GRDB", package: "GRDB.swift")]),
    ],
    swiftLanguageModes: [.v6]
)
