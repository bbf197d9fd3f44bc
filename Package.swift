// swift-tools-version:6.1
import PackageDescription

// Layout (see README "Repository layout"):
//   Sources/LumaRPC        the RPC core: router, client, statuses, transports as protocols.
//                          Knows nothing of Luma or of TCP.
//   Sources/LumaRPCNIO     the TCP transport; LumaRPCInProcess, the in-process one.
//   Sources/LumaEcho       a tiny example service (stand-in and benchmark subject).
//   Sources/luma-echo      its thin executable.
//   Sources/luma-rpc-bench the RPC-vs-raw-NIO benchmark (run in release).
//   Sources/LumaServiceKit shared service plumbing: SQLite (GRDB), migrations CLI, server runner.
//   services/<name>/       one folder per Luma service:
//       Sources/<Name>API     code generated from proto/luma/<name>/v1 (messages, provider, client)
//       Sources/<Name>        domain logic and the RPC provider, testable without a socket
//       Sources/<exe>         the thin executable
//       Tests/<Name>Tests
let package = Package(
    name: "Luma",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "LumaRPC", targets: ["LumaRPC", "LumaRPCNIO", "LumaRPCInProcess", "LumaRPCLifecycle"]),
        .executable(name: "luma-echo", targets: ["luma-echo"]),
        .executable(name: "luma-rpc-bench", targets: ["luma-rpc-bench"]),
        .executable(name: "verse-registry", targets: ["verse-registry"]),
        .executable(name: "creator-registry", targets: ["creator-registry"]),
        .executable(name: "content-pipeline", targets: ["content-pipeline"]),
        .executable(name: "media-store", targets: ["media-store"]),
        .executable(name: "lumactl", targets: ["lumactl"]),
        .executable(name: "luma-pipeline-bench", targets: ["luma-pipeline-bench"]),
        .executable(name: "luma-integrity-stress", targets: ["luma-integrity-stress"]),
        .executable(name: "luma-studio", targets: ["luma-studio"]),
        .executable(name: "luma-feed", targets: ["luma-feed"]),
        .executable(name: "luma-media-bench", targets: ["luma-media-bench"]),
        .library(name: "FakeHeyGen", targets: ["FakeHeyGen"]),
        // For the fuzz targets in Fuzz/ (their own package, so this build never pays for them).
        .library(name: "LumaAuth", targets: ["LumaAuth"]),
        .library(name: "VerseRegistry", targets: ["VerseRegistry"]),
        .library(name: "LumaCLI", targets: ["LumaCLI"]),
        .library(name: "LumaStudio", targets: ["LumaStudio"]),
        .library(name: "MediaClient", targets: ["MediaClient", "MediaAPI"]),
        .library(name: "MediaHTTP", targets: ["MediaHTTP"]),
        .executable(name: "luma-fake-heygen", targets: ["luma-fake-heygen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        // `traits: []` stops SwiftPM 6.3 from rebuilding SwiftProtobuf at random
        // (swift-package-manager#10525; see docs/toolchain notes in README).
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", exact: "1.7.3"),
        // Only the OTLP/HTTP exporter: the default traits add grpc-swift, minutes of every clean build.
        .package(url: "https://github.com/swift-otel/swift-otel", exact: "1.6.0", traits: ["OTLPHTTP"]),
        // content-pipeline's OpenAI-compatible script generator (swift-otel uses it already).
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", exact: "1.7.4"),
        // luma-studio (the web app) and bcrypt for users' passwords in creator-registry.
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", exact: "2.5.0"),
    ],
    targets: [
        // The RPC core: descriptors, router, interceptors, errors, contexts, deadlines, the
        // balancing and retrying client, health, reflection, and the transport protocols.
        // No socket: NIOCore only for its time and buffer types.
        .target(
            name: "LumaRPC",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The TCP transport: preface, length-prefixed frames, connection handlers and their
        // state machines, bootstraps.
        .target(
            name: "LumaRPCNIO",
            dependencies: [
                "LumaRPC",
                // TLS (mutual, between services): swift-nio-ssl, and swift-certificates to read
                // a certificate's names and expiry.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Calls within one process, through the same router, interceptors and deadlines.
        .target(
            name: "LumaRPCInProcess",
            dependencies: [
                "LumaRPC",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // An RPCServer as a swift-service-lifecycle Service.
        .target(
            name: "LumaRPCLifecycle",
            dependencies: ["LumaRPC", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
        .target(
            name: "LumaEcho",
            dependencies: [.product(name: "NIOConcurrencyHelpers", package: "swift-nio"), "LumaRPC", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .executableTarget(
            name: "luma-echo",
            dependencies: [
                "LumaEcho", "LumaRPC", "LumaRPCNIO", "LumaRPCLifecycle",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "luma-rpc-bench",
            dependencies: [
                "LumaEcho", "LumaRPC", "LumaRPCNIO", "LumaAuth", "LumaSupervisor", "LumaCertificates", "VersesAPI", "ContentAPI",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Values every Luma program shares: validation answering INVALID_ARGUMENT by field,
        // calendar dates, timestamps. No database.
        .target(
            name: "LumaValues",
            dependencies: ["LumaRPC"]
        ),
        // Metrics: swift-metrics instruments, Prometheus text on --metrics-listen, RPC interceptors.
        .target(
            name: "LumaMetrics",
            dependencies: [
                "LumaRPC",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Traces: W3C traceparent in call metadata, a span per server and client call and per
        // outbox delivery; exported over OTLP/HTTP (swift-otel) when --otel-endpoint is given.
        .target(
            name: "LumaTracing",
            dependencies: [
                "LumaRPC",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The default endpoints of the local stack.
        .target(name: "LumaDefaults"),
        // A CA and a certificate per process for mutual TLS: lumactl certs init, up --tls, tests.
        .target(
            name: "LumaCertificates",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Flags every client executable shares (lumactl, luma-studio, luma-feed): TLS.
        .target(
            name: "LumaClientOptions",
            dependencies: ["LumaRPCNIO", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Runs Luma executables as child processes: lumactl up, the benchmarks, process tests.
        .target(
            name: "LumaSupervisor",
            dependencies: ["LumaRPC", "LumaRPCNIO", "LumaAuth", .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        // luma.ops.v1 (outbox status and retry), generated: what lumactl and the services share.
        .target(
            name: "OpsAPI",
            dependencies: ["LumaRPC", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // Logging for every executable (text or JSON lines on stderr); no database.
        .target(
            name: "LumaLogging",
            dependencies: [.product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "LumaServiceKit",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                "LumaRPC", "LumaRPCNIO", "LumaAuth", "LumaValues", "OpsAPI", "LumaDefaults", "LumaMetrics", "LumaTracing",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // What only the service executables use: their flags, the runner (server, workers,
        // signals, SIGHUP reload of TLS, the parent watch), the migrate/restore commands.
        .target(
            name: "LumaServiceRunner",
            dependencies: [
                "LumaServiceKit", "LumaLogging", "LumaRPC", "LumaRPCNIO", "LumaRPCLifecycle", "LumaAuth", "LumaSupervisor", "LumaMetrics", "LumaTracing",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),

        // Tokens, access rules and the auth interceptors (Luma's, so not in the RPC core).
        .target(
            name: "LumaAuth",
            dependencies: ["LumaRPC", .product(name: "Crypto", package: "swift-crypto")]
        ),

        // Generated APIs, one per service, so any service or tool can call any other.
        .target(
            name: "VersesAPI",
            dependencies: ["LumaRPC", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "services/verse-registry/Sources/VersesAPI"
        ),
        .target(
            name: "CreatorsAPI",
            dependencies: ["LumaRPC", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "services/creator-registry/Sources/CreatorsAPI"
        ),
        .target(
            name: "ContentAPI",
            dependencies: ["LumaRPC", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "services/content-pipeline/Sources/ContentAPI"
        ),
        .target(
            name: "MediaAPI",
            dependencies: ["LumaRPC", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "services/media-store/Sources/MediaAPI"
        ),

        // media-store: videos and thumbnails, checked with ffprobe/ffmpeg, stored by sha256.
        .target(
            name: "MediaStore",
            dependencies: [
                "LumaRPC", "LumaServiceKit", "LumaValues", "OpsAPI", "LumaAuth", "MediaAPI", "ContentAPI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "services/media-store/Sources/MediaStore"
        ),
        // The client side of the chunk protocol, for lumactl, the studio and the render worker.
        .target(
            name: "MediaClient",
            dependencies: ["LumaRPC", "MediaAPI", .product(name: "Crypto", package: "swift-crypto")],
            path: "services/media-store/Sources/MediaClient"
        ),
        // A media-store file as an HTTP response (ranges, ETag, streamed): the studio and luma-feed.
        .target(
            name: "MediaHTTP",
            dependencies: ["LumaRPC", "MediaAPI", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Sources/MediaHTTP"
        ),
        .executableTarget(
            name: "media-store",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                "MediaStore", "LumaServiceKit", "LumaServiceRunner", "LumaDefaults", "LumaRPC",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "services/media-store/Sources/media-store"
        ),
        .testTarget(
            name: "MediaStoreTests",
            dependencies: ["MediaStore", "MediaAPI", "MediaClient", "ContentAPI", "ContentPipeline", "CreatorsAPI", "OpsAPI", "LumaRPC", "LumaRPCNIO",
                           "LumaAuth", "LumaServiceKit", "LumaValues", "LumaTestSupport", .product(name: "Logging", package: "swift-log"),
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "services/media-store/Tests/MediaStoreTests"
        ),

        // verse-registry
        .target(
            name: "VerseRegistry",
            dependencies: [
                "LumaMetrics",
                "LumaRPC", "LumaServiceKit", "LumaValues", "OpsAPI", "LumaAuth", "VersesAPI", "ContentAPI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "services/verse-registry/Sources/VerseRegistry",
            resources: [.copy("Resources/bible")]
        ),
        .executableTarget(
            name: "verse-registry",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                "VerseRegistry", "LumaServiceKit", "LumaServiceRunner", "LumaDefaults", "LumaValues", "OpsAPI", "LumaAuth", "LumaRPC", "LumaRPCNIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "services/verse-registry/Sources/verse-registry"
        ),
        // creator-registry
        .target(
            name: "CreatorRegistry",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                "LumaRPC", "LumaServiceKit", "LumaValues", "OpsAPI", "LumaAuth", "CreatorsAPI", "ContentAPI",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "services/creator-registry/Sources/CreatorRegistry"
        ),
        // creator-registry's adapters: bcrypt (hummingbird-auth) behind the domain's PasswordHasher.
        .target(
            name: "CreatorRegistryAdapters",
            dependencies: [
                "CreatorRegistry",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "services/creator-registry/Sources/CreatorRegistryAdapters"
        ),
        .executableTarget(
            name: "creator-registry",
            dependencies: [
                "CreatorRegistry", "CreatorRegistryAdapters", "LumaServiceKit", "LumaServiceRunner", "LumaDefaults", "LumaValues", "OpsAPI", "LumaAuth", "LumaRPC", "LumaRPCNIO", "ContentAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "services/creator-registry/Sources/creator-registry"
        ),
        .testTarget(
            name: "LumaServiceKitTests",
            dependencies: ["LumaServiceKit", "LumaLogging", "LumaValues", "OpsAPI", "LumaRPC", "LumaRPCNIO",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Tests/LumaServiceKitTests"
        ),
        .testTarget(
            name: "CreatorRegistryTests",
            dependencies: ["CreatorRegistry", "CreatorRegistryAdapters", "CreatorsAPI", "ContentAPI", "LumaRPC", "LumaRPCNIO", "LumaServiceKit", "LumaValues", "OpsAPI", "LumaTestSupport",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "services/creator-registry/Tests/CreatorRegistryTests"
        ),

        // content-pipeline
        .target(
            name: "ContentPipeline",
            dependencies: [
                "LumaRPC", "LumaServiceKit", "LumaValues", "OpsAPI", "LumaAuth", "ContentAPI", "VersesAPI", "CreatorsAPI", "MediaAPI", "MediaClient",
                "LumaTracing",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "services/content-pipeline/Sources/ContentPipeline",
            resources: [.copy("Resources/languages"), .copy("Resources/prompts"), .copy("Resources/positivity")]
        ),
        // content-pipeline's outbound adapters over HTTP (AsyncHTTPClient): the OpenAI-compatible
        // script generator and the HeyGen avatar vendor, behind the domain's ScriptGenerator and
        // AvatarVendor; wired by the executable.
        .target(
            name: "ContentPipelineAdapters",
            dependencies: [
                "ContentPipeline", "LumaRPC",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            path: "services/content-pipeline/Sources/ContentPipelineAdapters"
        ),
        .executableTarget(
            name: "content-pipeline",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                "ContentPipeline", "ContentPipelineAdapters", "LumaServiceKit", "LumaServiceRunner", "LumaDefaults", "LumaValues", "OpsAPI", "LumaAuth", "LumaRPC", "LumaRPCNIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "services/content-pipeline/Sources/content-pipeline"
        ),
        .testTarget(
            name: "ContentPipelineTests",
            dependencies: ["LumaAuth", .product(name: "NIOCore", package: "swift-nio"), "ContentPipeline", "ContentPipelineAdapters", "ContentAPI", "VersesAPI", "CreatorsAPI", "LumaRPC", "LumaRPCNIO", "LumaServiceKit", "LumaValues", "OpsAPI", "LumaTestSupport",
                           "FakeHeyGen",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            path: "services/content-pipeline/Tests/ContentPipelineTests"
        ),

        // A fake HeyGen video API (from its public reference) for tests and `lumactl up`:
        // AI creators render without a HeyGen account. Sample media are made with ffmpeg.
        .target(
            name: "FakeHeyGen",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "luma-fake-heygen",
            dependencies: ["FakeHeyGen", "LumaSupervisor", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // luma-studio: the web app admins and creators work in, a client of the three services.
        .target(
            name: "LumaStudio",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                "LumaRPC", "LumaRPCNIO", "LumaAuth", "LumaValues", "LumaDefaults", "OpsAPI", "VersesAPI", "CreatorsAPI", "ContentAPI",
                "MediaAPI", "MediaClient", "MediaHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/LumaStudio"
        ),
        .executableTarget(
            name: "luma-studio",
            dependencies: [
                "LumaStudio", "LumaRPC", "LumaRPCNIO", "LumaClientOptions", "LumaAuth", "LumaDefaults", "LumaLogging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Sources/luma-studio"
        ),
        // luma-feed: the published feed as HTTP JSON, cached (docs/content.md, "Publishing").
        .target(
            name: "LumaFeed",
            dependencies: [
                "ContentAPI", "MediaAPI", "MediaHTTP", "LumaRPC",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Sources/LumaFeed"
        ),
        .executableTarget(
            name: "luma-feed",
            dependencies: [
                "LumaFeed", "ContentAPI", "MediaAPI", "LumaRPC", "LumaRPCNIO", "LumaClientOptions", "LumaAuth", "LumaDefaults",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Sources/luma-feed"
        ),
        .testTarget(
            name: "FeedTests",
            dependencies: ["LumaFeed", "ContentAPI", "MediaAPI", "LumaRPC",
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            path: "Tests/FeedTests"
        ),
        .testTarget(
            name: "StudioTests",
            dependencies: ["ContentPipeline", "MediaStore", "MediaHTTP", .product(name: "NIOCore", package: "swift-nio"), "LumaStudio", "LumaAuth", "LumaRPC", "LumaRPCNIO", "LumaTestSupport", "CreatorsAPI", "ContentAPI",
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "HummingbirdAuth", package: "hummingbird-auth")],
            path: "Tests/StudioTests"
        ),

        // lumactl
        .target(
            name: "LumaCLI",
            dependencies: [
                "LumaRPC", "LumaRPCNIO", "LumaClientOptions", "LumaValues", "LumaDefaults", "OpsAPI", "LumaAuth", "LumaSupervisor", "LumaEcho", "VersesAPI", "CreatorsAPI", "ContentAPI",
                "MediaAPI", "MediaClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                "LumaCertificates",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "lumactl",
            dependencies: ["LumaCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "LumactlTests",
            dependencies: ["LumaCLI", "LumaRPC", "LumaRPCNIO", "LumaAuth", "LumaTestSupport", "VersesAPI", "ContentAPI", "CreatorsAPI",
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),

        .target(
            name: "LumaTestSupport",
            dependencies: ["LumaSupervisor", "LumaRPC", "LumaRPCNIO", "LumaRPCInProcess", "LumaAuth", "LumaServiceKit", "LumaValues", "OpsAPI",
                           "VerseRegistry", "CreatorRegistry", "CreatorRegistryAdapters", "ContentPipeline", "MediaStore", .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Logging", package: "swift-log")],
            path: "Tests/LumaTestSupport"
        ),
        .testTarget(
            name: "VerseRegistryTests",
            dependencies: ["VerseRegistry", "VersesAPI", "ContentAPI", "LumaRPC", "LumaRPCNIO", "LumaServiceKit", "LumaValues", "OpsAPI", "LumaTestSupport",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "services/verse-registry/Tests/VerseRegistryTests"
        ),

        .executableTarget(
            name: "luma-pipeline-bench",
            dependencies: [
                "ContentAPI", "LumaRPC", "LumaRPCNIO", "LumaSupervisor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Upload throughput through media-store's chunk protocol against a local copy.
        .executableTarget(
            name: "luma-media-bench",
            dependencies: [
                "MediaAPI", "MediaClient", "LumaRPC", "LumaRPCNIO", "LumaSupervisor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Races the cross-service foreign keys over three processes (docs/integrity.md).
        .executableTarget(
            name: "luma-integrity-stress",
            dependencies: [
                "ContentAPI", "CreatorsAPI", "LumaRPC", "LumaRPCNIO", "OpsAPI", "LumaSupervisor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "LumaAuthTests",
            dependencies: ["LumaAuth", "LumaRPC", "LumaRPCNIO", "LumaServiceKit", "LumaValues", "OpsAPI", "LumaTestSupport", "VerseRegistry", "CreatorRegistry",
                           "ContentPipeline", "VersesAPI", "CreatorsAPI", "ContentAPI", "MediaStore", "MediaAPI"]
        ),
        // The cross-service foreign keys: races forced with pause points, the checker, database
        // statuses, startup; the three services in one process, and as real processes.
        .testTarget(
            name: "IntegrityTests",
            dependencies: [
                "VerseRegistry", "CreatorRegistry", "CreatorRegistryAdapters", "ContentPipeline", "VersesAPI", "CreatorsAPI", "ContentAPI",
                "LumaRPC", "LumaRPCNIO", "LumaServiceKit", "LumaValues", "OpsAPI", "LumaTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "TracingTests",
            dependencies: [
                "LumaTracing", "LumaRPC", "LumaServiceKit", "LumaTestSupport", "ContentAPI",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
        .testTarget(
            name: "CSDKTests",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                "LumaAuth", "ContentAPI", "CreatorsAPI", "LumaRPC", "LumaRPCNIO", "LumaServiceKit", "LumaValues", "OpsAPI", "LumaTestSupport",
                "LumaCertificates",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "LumaRPCTests",
            dependencies: [
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"), .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                "LumaRPC", "LumaRPCNIO", "LumaRPCInProcess", "LumaEcho", "LumaCertificates",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)
