// swift-tools-version:6.1
import PackageDescription

// Code generators, kept out of the main package so that `swift build` and CI's test run never
// compile them. scripts/generate-protos.sh builds both plugins from here with pinned versions:
//   protoc-gen-swift     messages (SwiftProtobuf's own plugin, pinned with the runtime)
//   protoc-gen-luma-rpc  typed server providers and clients for LumaRPC
let package = Package(
    name: "LumaCodegen",
    products: [
        .executable(name: "protoc-gen-luma-rpc", targets: ["protoc-gen-luma-rpc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0", traits: []),
    ],
    targets: [
        .executableTarget(
            name: "protoc-gen-luma-rpc",
            dependencies: [.product(name: "SwiftProtobufPluginLibrary", package: "swift-protobuf")]
        ),
    ]
)
