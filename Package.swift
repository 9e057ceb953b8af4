// swift-tools-version:6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "RumorControl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rumorctl", targets: ["rumorctl"]),
        .library(name: "RumorCore", targets: ["RumorCore"]),
        .library(name: "RumorStore", targets: ["RumorStore"]),
        .library(name: "RumorMatch", targets: ["RumorMatch"]),
        .library(name: "RumorServer", targets: ["RumorServer"]),
        .library(name: "RumorLedger", targets: ["RumorLedger"]),
        .library(name: "RumorMonitor", targets: ["RumorMonitor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .target(name: "RumorCore", swiftSettings: strictSettings),
        .systemLibrary(name: "COpenBLAS"),
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(
            name: "RumorMatch",
            dependencies: ["RumorCore", "COpenBLAS", "CKernels", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Resources/matcher-model.json"), .copy("Resources/clustering-model.json"), .copy("Resources/verifier.safetensors")],
            // The encoder's loops are the hot path; optimise them even in debug builds so tests stay quick.
            swiftSettings: strictSettings + [.unsafeFlags(["-O"])]
        ),
        .target(
            name: "RumorLedger",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            // Hashing is the hot path of appends, proofs and the property tests; optimise it even in debug builds.
            swiftSettings: strictSettings + [.unsafeFlags(["-O"])]
        ),
        .target(
            name: "RumorMonitor",
            dependencies: ["RumorCore", "RumorLedger", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "RumorStore",
            dependencies: [
                "RumorCore", "RumorLedger", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources/kb")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "RumorServer",
            dependencies: [
                "RumorCore", "RumorStore", "RumorMatch",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            resources: [.copy("Resources/assets"), .copy("Resources/templates"), .copy("Resources/openapi.json")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "rumorctl",
            dependencies: [
                "RumorCore", "RumorStore", "RumorMatch", "RumorServer", "RumorLedger", "RumorMonitor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "rumorfuzz",
            dependencies: ["RumorCore", "RumorLedger", "RumorMatch"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "RumorTestSupport",
            dependencies: [
                "RumorCore", "RumorStore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/RumorTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(name: "RumorMatchTests", dependencies: ["RumorMatch", "RumorCore", "RumorStore", "RumorTestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "RumorMonitorTests", dependencies: ["RumorMonitor", "RumorLedger", "RumorCore", "RumorStore"], swiftSettings: strictSettings),
        .testTarget(
            name: "RumorLedgerTests", dependencies: ["RumorLedger", "RumorCore", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strictSettings),
        .testTarget(name: "RumorCoreTests", dependencies: ["RumorCore", "RumorTestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "RumorStoreTests",
            dependencies: ["RumorStore", "RumorTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RumorServerTests",
            dependencies: [
                "RumorServer", "RumorCore", "RumorStore", "RumorMatch", "RumorTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RumorCtlTests",
            dependencies: ["rumorctl", "RumorCore", "RumorMatch", "RumorStore", "RumorServer", "RumorLedger", "RumorTestSupport", .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: strictSettings),
    ]
)
