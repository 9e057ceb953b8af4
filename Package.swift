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
        .library(name: "RumorLedger", targets: ["RumorLedger"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        .target(name: "RumorCore", swiftSettings: strictSettings),
        .systemLibrary(name: "COpenBLAS"),
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(
            name: "RumorMatch",
            dependencies: ["RumorCore", "COpenBLAS", "CKernels", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Resources/matcher-model.json")],
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
            name: "RumorStore",
            dependencies: ["RumorCore", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Resources/kb")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "rumorctl",
            dependencies: ["RumorCore", "RumorStore", "RumorMatch", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "RumorTestSupport",
            dependencies: ["RumorCore", "RumorStore"],
            path: "Tests/RumorTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(name: "RumorMatchTests", dependencies: ["RumorMatch", "RumorCore", "RumorStore", "RumorTestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "RumorLedgerTests", dependencies: ["RumorLedger"], swiftSettings: strictSettings),
        .testTarget(name: "RumorCoreTests", dependencies: ["RumorCore", "RumorTestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "RumorStoreTests",
            dependencies: ["RumorStore", "RumorTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "RumorCtlTests", dependencies: ["rumorctl", "RumorCore", "RumorTestSupport"], swiftSettings: strictSettings),
    ]
)
