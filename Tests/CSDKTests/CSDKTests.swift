import ContentAPI
import CreatorsAPI
import Foundation
import LumaAuth
import LumaRPC
import LumaRPCNIO
import LumaTestSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SwiftProtobuf
import Testing

/// Builds the C SDK's programs with the system C compiler and libprotobuf-c.
enum CBuild {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("sdk/c").path

    /// `libraries`: linked after libprotobuf-c (media's helper needs `-lcrypto`).
    static func compile(_ name: String, _ sources: [String], libraries: [String] = []) async throws -> String {
        let output = temporaryDirectory() + "/" + name
        let generated = try FileManager.default.subpathsOfDirectory(atPath: root + "/generated")
            .filter { $0.hasSuffix(".pb-c.c") }.map { root + "/generated/" + $0 }
        let result = try await run("/usr/bin/cc", ["-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-O1",
                                                   "-I", root + "/include", "-I", root + "/generated", "-o", output]
                                                  + sources.map { root + "/" + $0 } + generated + ["-lprotobuf-c"] + libraries)
        guard result.status == 0 else { throw CBuildError.compile(name, result.output) }
        return output
    }

    /// Runs a shell command line in a directory.
    static func shell(_ command: String, in directory: String) async throws -> (status: Int32, output: String) {
        try await run("/bin/sh", ["-c", "cd '\(directory)' && \(command) 2>&1"])
    }

    /// Runs a program, under valgrind's leak checker when it is installed.
    static func run(_ program: String, _ arguments: [String], underValgrind: Bool = false,
                    environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        let process = Process()
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let valgrind = "/usr/bin/valgrind"
        if underValgrind && FileManager.default.isExecutableFile(atPath: valgrind) {
            process.executableURL = URL(fileURLWithPath: valgrind)
            process.arguments = ["--quiet", "--leak-check=full", "--show-leak-kinds=definite,indirect",
                                 "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99", program] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = arguments
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let collected = NIOLockedValueBox(Data())
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            collected.withLockedValue { $0.append(data) }
        }
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(30))
        pipe.fileHandleForReading.readabilityHandler = nil
        let rest = pipe.fileHandleForReading.readDataToEndOfFile()
        let output = collected.withLockedValue { String(decoding: $0 + rest, as: UTF8.self) }
        return (process.terminationStatus, output)
    }
}

enum CBuildError: Error, CustomStringConvertible {
    case compile(String, String)
    var description: String {
        if case .compile(let name, let output) = self { return "cannot compile \(name):\n\(output)" }
        return ""
    }
}

/// Reads one request and hangs up: a server going away mid-call.
final class HangUpServer: Sendable {
    let channel: any Channel

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(NIOAny(ByteBuffer(bytes: ConnectionPreface.bytes)), promise: nil)
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if unwrapInboundIn(data).readableBytes > 12 { context.close(promise: nil) }
        }
    }

    init() async throws {
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Handler()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }
}

@Suite("C SDK on libprotobuf-c", .serialized)
struct CSDKTests {
    /// The messages roundtrip.c packs, built in Swift.
    static let messages: [String: any SwiftProtobuf.Message] = [
        "ListContentResponse": Luma_Content_V1_ListContentResponse.with {
            $0.items = [
                .with {
                    $0.id = .max; $0.creatorID = .min; $0.postDate = "2026-12-25"; $0.mode = .bible; $0.status = .approved
                    $0.verseText = "Señor, 主, 🙏 — «paz»"
                },
                .with { $0.id = 1; $0.language = "es" },
            ]
            $0.nextPageToken = "tok"
        },
        "GenerateRequest": Luma_Content_V1_GenerateRequest.with {
            $0.range = .with { $0.fromDate = "2027-01-01"; $0.toDate = "2027-12-31" }
            $0.category = "esperanza"
        },
        "AssignRequest": Luma_Content_V1_AssignRequest.with { $0.id = -1; $0.creatorID = .min },
        "IntegrityReport": Luma_Content_V1_IntegrityReport.with {
            $0.ledgerOrphanContentIds = [.max, .min, 0, -1]
            $0.notes = ["ü", ""]
            $0.outboxPending = .max
            $0.repaired = true
        },
    ]

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func bytesPackedByProtobufCDecodeIdenticallyInSwiftAndBack() async throws {
        let roundtrip = try await CBuild.compile("roundtrip", ["tests/roundtrip.c"])
        let packed = try await CBuild.run(roundtrip, ["pack"], underValgrind: true)
        #expect(packed.status == 0, "\(packed.output)")
        let lines = packed.output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines.count == Self.messages.count)
        for line in lines {
            let (name, cHex) = (line[0], line[1])
            let expected = try #require(Self.messages[name])
            let bytes = stride(from: 0, to: cHex.count, by: 2).map { offset -> UInt8 in
                let start = cHex.index(cHex.startIndex, offsetBy: offset)
                return UInt8(cHex[start..<cHex.index(start, offsetBy: 2)], radix: 16)!
            }
            // C -> Swift: the same message, and Swift re-encodes the very same bytes.
            let decoded = try type(of: expected).init(serializedBytes: bytes)
            #expect(decoded.isEqualTo(message: expected), "\(name)")
            let swiftBytes: [UInt8] = try expected.serializedBytes()
            #expect(Self.hex(swiftBytes) == cHex, "\(name)")
            // Swift -> C: protobuf-c decodes Swift's bytes and packs them back unchanged.
            let repacked = try await CBuild.run(roundtrip, ["repack", name, Self.hex(swiftBytes)], underValgrind: true)
            #expect(repacked.status == 0, "\(repacked.output)")
            #expect(repacked.output == "\(name) \(Self.hex(swiftBytes))\n")
        }
    }

    @Test func theCClientTalksToRealSwiftServices() async throws {
        let client = try await CBuild.compile("client_test", ["tests/client_test.c", "src/luma_rpc.c"])
        let example = try await CBuild.compile("verse_lookup", ["examples/verse_lookup.c", "src/luma_rpc.c"])
        let stack = try await LumaStack.start()
        let creators = Luma_Creators_V1_CreatorRegistryClient(RPCClient(endpoint: stack.creatorsEndpoint))
        let user = try await creators.createUser(.with { $0.email = "c@example.com"; $0.displayName = "C"; $0.role = .creator })
        _ = try await creators.createCreator(.with { $0.userID = user.id; $0.displayName = "C"; $0.canBible = true })
        let hangUp = try await HangUpServer()

        let result = try await CBuild.run(client, [
            "127.0.0.1", "\(stack.ports.verses)", "\(stack.ports.creators)", "\(stack.ports.content)",
            "\(hangUp.channel.localAddress!.port!)",
        ], underValgrind: true)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.hasSuffix("0 failed\n"), "\(result.output)")
        #expect(!result.output.contains("FAIL"), "\(result.output)")

        let lookup = try await CBuild.run(example, ["127.0.0.1", "\(stack.ports.verses)", "Ps 23:1-2"])
        #expect(lookup.output == """
            Psalms 23:1-2 (2 verses)
            23:1 The LORD is my shepherd; I shall not want.
            23:2 He maketh me to lie down in green pastures: he leadeth me beside the still waters.

            """)
        try await hangUp.channel.close()
        await stack.stopAll()
    }

    /// What a C programmer does: `make`, `make install`, then build the example with one command
    /// through pkg-config; it reads its token from LUMA_TOKEN.
    @Test func makeInstallsAPkgConfigLibraryAndTheExampleTakesItsTokenFromTheEnvironment() async throws {
        let work = temporaryDirectory()
        let build = try await CBuild.shell("make -s BUILD=\(work)/build PREFIX=\(work)/prefix install", in: CBuild.root)
        #expect(build.status == 0, "\(build.output)")
        for library in ["libluma-rpc.a", "libluma-rpc.so"] {
            #expect(FileManager.default.fileExists(atPath: "\(work)/prefix/lib/\(library)"), "\(library)")
        }
        let example = "\(work)/verse_lookup"
        let compile = try await CBuild.shell(
            "PKG_CONFIG_PATH=\(work)/prefix/lib/pkgconfig cc -std=c11 -o \(example) examples/verse_lookup.c "
            + "$(PKG_CONFIG_PATH=\(work)/prefix/lib/pkgconfig pkg-config --cflags --libs luma-rpc)", in: CBuild.root)
        #expect(compile.status == 0, "\(compile.output)")
        // The media example too: luma-rpc.pc is all it needs (libcrypto stays the library's own).
        let upload = try await CBuild.shell(
            "cc -std=c11 -Wall -Werror -o \(work)/media_upload examples/media_upload.c "
            + "$(PKG_CONFIG_PATH=\(work)/prefix/lib/pkgconfig pkg-config --cflags --libs luma-rpc)", in: CBuild.root)
        #expect(upload.status == 0, "\(upload.output)")
        #expect(FileManager.default.fileExists(atPath: "\(work)/prefix/include/luma-rpc/luma_media.h"))

        let stack = try await LumaStack.start(authenticated: true)
        let signer = try TokenSigner(key: try AuthKeyFile.read(try #require(stack.authKeyPath)))
        let token = signer.mint(Principal(subject: "c-example", role: .creator, creatorID: 1), ttl: 600)
        let environment = "LD_LIBRARY_PATH=\(work)/prefix/lib"
        let withToken = try await CBuild.shell("LUMA_TOKEN=\(token) \(environment) \(example) 127.0.0.1 \(stack.ports.verses) 'Ps 23:1'", in: work)
        #expect(withToken.status == 0, "\(withToken.output)")
        #expect(withToken.output.contains("The LORD is my shepherd"))
        let without = try await CBuild.shell("\(environment) \(example) 127.0.0.1 \(stack.ports.verses) 'Ps 23:1'", in: work)
        #expect(without.status != 0 && without.output.contains("UNAUTHENTICATED"), "\(without.output)")
        await stack.stopAll()
    }
}
