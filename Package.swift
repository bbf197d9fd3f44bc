// swift-tools-version:6.1
import PackageDescription

// Layout (see README "Repository layout"):
//   Sources/LumaRPC        the RPC core: wire format, server, client. Knows nothing of Luma.
//   Sources/LumaEcho       a tiny example service (stand-in and benchmark subject).
//   Sources/luma-echo      its thin executable.
//   Sources/luma-rpc-bench the RPC-vs-raw-NIO benchmark (run in release).
//   services/<name>/       one folder per Luma service: domain, executable, tests.
let package = Package(
    name: "Luma",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "LumaRPC", targets: ["LumaRPC"]),
        .executable(name: "luma-echo", targets: ["luma-echo"]),
        .executable(name: "luma-rpc-bench", targets: ["luma-rpc-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        // `traits: []` stops SwiftPM 6.3 from rebuilding SwiftProtobuf at random
        // (swift-package-manager#10525; see docs/toolchain notes in README).
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
    ],
    targets: [
        .target(
            name: "LumaRPC",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "LumaEcho",
            dependencies: ["LumaRPC", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .executableTarget(
            name: "luma-echo",
            dependencies: [
                "LumaEcho", "LumaRPC",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "luma-rpc-bench",
            dependencies: [
                "LumaEcho", "LumaRPC",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "LumaRPCTests",
            dependencies: [
                "LumaRPC", "LumaEcho",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)
