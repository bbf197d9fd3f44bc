// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for Luma's parsers, in their own package so that the root build and CI's
// main build never pay for them. Build and run with scripts/fuzz.sh; docs/robustness.md has the
// campaign's numbers. The targets reach internal parsers through `@testable import`, so the
// build passes `-enable-testing` (see scripts/fuzz.sh).
//
// LUMA_FUZZ_ROOT=DIR fuzzes the root package found in DIR (say, `git archive` of a commit)
// instead of `..`, so that a campaign keeps fuzzing one commit while the tree is being edited.
let root = Context.environment["LUMA_FUZZ_ROOT"] ?? ".."

let package = Package(
    name: "LumaFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Luma", path: root),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: ["FullFoundation"]),
    ],
    targets: [
        .target(name: "FuzzSupport", path: "Sources/FuzzSupport"),
        // The frame parser and the hand-written envelope codec, with SwiftProtobuf as the oracle.
        .executableTarget(
            name: "FuzzFrame",
            dependencies: [
                "FuzzSupport",
                .product(name: "LumaRPC", package: "Luma"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // Bible references in English and Spanish (and OSIS ids).
        .executableTarget(
            name: "FuzzReference",
            dependencies: ["FuzzSupport", .product(name: "VerseRegistry", package: "Luma")]
        ),
        // The translation TSV import.
        .executableTarget(
            name: "FuzzTranslationTSV",
            dependencies: ["FuzzSupport", .product(name: "VerseRegistry", package: "Luma")]
        ),
        // `lumactl call`'s JSON syntax check and dynamic JSON <-> protobuf transcoder.
        .executableTarget(
            name: "FuzzTranscoder",
            dependencies: [
                "FuzzSupport",
                .product(name: "LumaCLI", package: "Luma"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // Bearer token parsing and verification.
        .executableTarget(
            name: "FuzzToken",
            dependencies: ["FuzzSupport", .product(name: "LumaAuth", package: "Luma")]
        ),
        // The studio's form, multipart, cookie and Range parsing.
        .executableTarget(
            name: "FuzzStudio",
            dependencies: [
                "FuzzSupport",
                .product(name: "LumaStudio", package: "Luma"),
                .product(name: "MediaHTTP", package: "Luma"),
                .product(name: "MediaHTTP", package: "Luma"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The client side of media-store's upload chunk protocol against a hostile server.
        .executableTarget(
            name: "FuzzUpload",
            dependencies: [
                "FuzzSupport",
                .product(name: "MediaClient", package: "Luma"),
                .product(name: "LumaRPC", package: "Luma"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ]
)
