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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        .target(name: "RumorCore", swiftSettings: strictSettings),
        .target(
            name: "RumorStore",
            dependencies: ["RumorCore", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Resources/kb")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "rumorctl",
            dependencies: ["RumorCore", "RumorStore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "RumorTestSupport",
            dependencies: ["RumorCore", "RumorStore"],
            path: "Tests/RumorTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(name: "RumorCoreTests", dependencies: ["RumorCore", "RumorTestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "RumorStoreTests",
            dependencies: ["RumorStore", "RumorTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "RumorCtlTests", dependencies: ["rumorctl", "RumorCore", "RumorTestSupport"], swiftSettings: strictSettings),
    ]
)
