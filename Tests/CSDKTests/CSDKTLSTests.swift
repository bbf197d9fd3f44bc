import Foundation
import LumaCertificates
import LumaRPC
import LumaRPCNIO
import LumaTestSupport
import SwiftProtobuf
import Testing

/// What tls_test.c calls: methods taking a `luma.examples.v1.EchoRequest` and answering an
/// `EchoResponse` (the two messages have the same fields, so a request's bytes are its echo).
private struct WhoAmIService: RPCServiceProvider {
    static let name = "luma.test.v1.WhoAmI"
    static func method(_ name: String) -> RPCMethodDescriptor {
        RPCMethodDescriptor(service: Self.name, method: name, inputType: "luma.examples.v1.EchoRequest",
                            outputType: "luma.examples.v1.EchoResponse", idempotency: .noSideEffects)
    }
    static let whoAmI = method("WhoAmI"), echo = method("Echo"), slow = method("Slow")

    var serviceDescriptor: RPCServiceDescriptor {
        RPCServiceDescriptor(name: Self.name, methods: [Self.whoAmI, Self.echo, Self.slow], fileDescriptorsBase64: [])
    }

    func registerMethods(with registrar: inout RPCMethodRegistrar) {
        // EchoResponse.text is field 1, a string: StringValue's very encoding.
        registrar.register(raw: RPCRawHandler(descriptor: Self.whoAmI) { _, context in
            let bytes: [UInt8] = try Google_Protobuf_StringValue(context.peerIdentity ?? "(none)").serializedBytes()
            return Data(bytes)
        })
        registrar.register(raw: RPCRawHandler(descriptor: Self.echo) { request, _ in request })
        registrar.register(raw: RPCRawHandler(descriptor: Self.slow) { request, _ in
            try await Task.sleep(for: .milliseconds(300))
            return request
        })
    }
}

/// The C SDK over TLS (OpenSSL), against real Swift servers with mutual TLS: calls go through,
/// and every refusal is the handshake's, with LUMA_ERR_TLS and words saying which side refused
/// what; a refused TCP connection stays LUMA_ERR_CONNECT; plain luma_connect is untouched.
@Suite("C SDK over TLS", .serialized)
struct CSDKTLSTests {
    static func program() async throws -> String {
        try await CBuild.compile("tls_test", ["tests/tls_test.c", "src/luma_rpc.c", "src/luma_tls.c"], libraries: ["-lssl", "-lcrypto"])
    }

    static func certificates(_ hosts: [String: [String]] = [:]) throws -> LocalCertificates {
        let certificates = LocalCertificates(directory: temporaryDirectory() + "/tls", days: 30, hosts: hosts)
        try certificates.write(names: ["verse-registry", "content-pipeline", "lumactl"])
        return certificates
    }

    /// A server presenting verse-registry's certificate; `mutual`: clients need one from the CA.
    static func server(_ certificates: LocalCertificates, mutual: Bool = true, host: String = "127.0.0.1") async throws -> (RPCServer, Int) {
        var configuration = RPCServer.TCPConfiguration(host: host, port: 0)
        configuration.tls = try RPCTLSContext.server(certificate: certificates.certificate("verse-registry"),
                                                     key: certificates.key("verse-registry"),
                                                     clientCA: mutual ? certificates.ca() : nil)
        let server = RPCServer(configuration: configuration, services: [WhoAmIService()])
        let port = try #require(try await server.start().port)
        return (server, port)
    }

    /// tls_test call HOST PORT CA [CERT KEY], under valgrind.
    static func call(_ program: String, _ host: String, _ port: Int, ca: String, as name: String?,
                     in certificates: LocalCertificates) async throws -> (status: Int32, output: String) {
        let identity = name.map { [certificates.certificate($0), certificates.key($0)] } ?? []
        return try await CBuild.run(program, ["call", host, "\(port)", ca] + identity, underValgrind: true)
    }

    @Test func aCallOverMutualTLSSucceedsAndTheServerKnowsWhoCalls() async throws {
        let program = try await Self.program()
        let certificates = try Self.certificates()
        let (server, port) = try await Self.server(certificates)

        let result = try await Self.call(program, "127.0.0.1", port, ca: certificates.ca(), as: "content-pipeline", in: certificates)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("connected: server verse-registry\n"), "\(result.output)")
        #expect(result.output.contains("whoami: content-pipeline\n"), "\(result.output)")
        #expect(result.output.contains("echo: 1048576 bytes back intact\n"), "\(result.output)")
        #expect(result.output.contains("in flight: 8 answered\n"), "\(result.output)")
        #expect(result.output.hasSuffix("closed\n0 failed\n") && !result.output.contains("FAIL"), "\(result.output)")

        // By DNS name: SNI and the certificate's DNS entry (localhost may resolve to ::1 first:
        // the server is on 127.0.0.1 only, so that address is refused and the next one used).
        let byName = try await Self.call(program, "localhost", port, ca: certificates.ca(), as: "lumactl", in: certificates)
        #expect(byName.status == 0 && byName.output.contains("whoami: lumactl\n"), "\(byName.output)")
        await server.shutdown()
    }

    @Test func withoutAClientCertificateTheServerRefusesTheHandshake() async throws {
        let program = try await Self.program()
        let certificates = try Self.certificates()
        let stranger = try Self.certificates()
        let (server, port) = try await Self.server(certificates)

        let anonymous = try await Self.call(program, "127.0.0.1", port, ca: certificates.ca(), as: nil, in: certificates)
        #expect(anonymous.status == 3, "\(anonymous.output)")
        #expect(anonymous.output.hasPrefix("connect: LUMA_ERR_TLS: TLS handshake failed"), "\(anonymous.output)")
        #expect(anonymous.output.contains("| TLS handshake with 127.0.0.1:\(port) failed: the server refused it"), "\(anonymous.output)")
        #expect(anonymous.output.contains("set cert_file and key_file"), "\(anonymous.output)")

        // A client certificate from another CA is refused the same way.
        let forged = try await Self.call(program, "127.0.0.1", port, ca: certificates.ca(), as: "content-pipeline", in: stranger)
        #expect(forged.status == 3 && forged.output.hasPrefix("connect: LUMA_ERR_TLS"), "\(forged.output)")
        #expect(forged.output.contains("TLS handshake with 127.0.0.1:\(port) failed"), "\(forged.output)")

        // The same client without mutual TLS is fine: the refusal was about its certificate.
        let (open, openPort) = try await Self.server(certificates, mutual: false)
        let accepted = try await Self.call(program, "127.0.0.1", openPort, ca: certificates.ca(), as: nil, in: certificates)
        #expect(accepted.status == 0 && accepted.output.contains("whoami: (none)\n"), "\(accepted.output)")
        await open.shutdown()
        await server.shutdown()
    }

    @Test func aServerCertificateFromAnotherCAIsRefused() async throws {
        let program = try await Self.program()
        let certificates = try Self.certificates()
        let stranger = try Self.certificates()
        let (server, port) = try await Self.server(stranger, mutual: false)

        let result = try await Self.call(program, "127.0.0.1", port, ca: certificates.ca(), as: "content-pipeline", in: certificates)
        #expect(result.status == 3, "\(result.output)")
        #expect(result.output.contains("connect: LUMA_ERR_TLS"), "\(result.output)")
        // Both CAs are called "Luma local CA": OpenSSL finds the issuer by name, and its signature does not match.
        #expect(result.output.contains("TLS handshake with 127.0.0.1:\(port) failed: the server's certificate: "), "\(result.output)")
        #expect(result.output.contains("(the CA in \(certificates.ca()) did not sign it)"), "\(result.output)")
        await server.shutdown()
    }

    @Test func theServersNameIsChecked() async throws {
        let program = try await Self.program()
        // The certificate names 127.0.0.1, ::1 and localhost, not 127.0.0.2.
        let certificates = try Self.certificates()
        let (server, port) = try await Self.server(certificates, host: "127.0.0.2")
        let result = try await Self.call(program, "127.0.0.2", port, ca: certificates.ca(), as: "content-pipeline", in: certificates)
        #expect(result.status == 3, "\(result.output)")
        #expect(result.output.contains("connect: LUMA_ERR_TLS"), "\(result.output)")
        #expect(result.output.contains("failed: the server's certificate: IP address mismatch (it does not name 127.0.0.2)"), "\(result.output)")
        await server.shutdown()

        // Given that address for verse-registry, the same server address is accepted.
        let named = try Self.certificates(["verse-registry": ["127.0.0.2"]])
        let (namedServer, namedPort) = try await Self.server(named, host: "127.0.0.2")
        let accepted = try await Self.call(program, "127.0.0.2", namedPort, ca: named.ca(), as: "content-pipeline", in: named)
        #expect(accepted.status == 0 && accepted.output.contains("whoami: content-pipeline\n"), "\(accepted.output)")
        await namedServer.shutdown()
    }

    @Test func connectFailuresAreNotHandshakeFailuresAndPlainTextNeverPassesForTLS() async throws {
        let program = try await Self.program()
        let certificates = try Self.certificates()

        // Nothing listening: LUMA_ERR_CONNECT, not TLS.
        let closedPort = try await reservePort()
        let refused = try await Self.call(program, "127.0.0.1", closedPort, ca: certificates.ca(), as: "lumactl", in: certificates)
        #expect(refused.status == 3 && refused.output.hasPrefix("connect: LUMA_ERR_CONNECT"), "\(refused.output)")
        #expect(refused.output.contains("cannot connect to 127.0.0.1:\(closedPort)"), "\(refused.output)")

        // A TLS client to a plain-text server: a handshake failure, and no call in clear.
        let plainServer = RPCServer(configuration: RPCServer.TCPConfiguration(host: "127.0.0.1", port: 0), services: [WhoAmIService()])
        let plainPort = try #require(try await plainServer.start().port)
        let mismatch = try await Self.call(program, "127.0.0.1", plainPort, ca: certificates.ca(), as: "lumactl", in: certificates)
        #expect(mismatch.status == 3 && mismatch.output.hasPrefix("connect: LUMA_ERR_TLS"), "\(mismatch.output)")
        #expect(mismatch.output.contains("TLS handshake with 127.0.0.1:\(plainPort) failed"), "\(mismatch.output)")
        // ... while plain luma_connect still talks to it.
        let plain = try await CBuild.run(program, ["plain", "127.0.0.1", "\(plainPort)"], underValgrind: true)
        #expect(plain.status == 0 && plain.output.contains("echo: plain\n"), "\(plain.output)")
        await plainServer.shutdown()

        // A plain client to a TLS server fails (the server's handshake refuses the preface) rather than hanging.
        let (tlsServer, tlsPort) = try await Self.server(certificates)
        let inClear = try await CBuild.run(program, ["plain", "127.0.0.1", "\(tlsPort)"], underValgrind: true)
        #expect(inClear.status == 1 && (inClear.output.contains("LUMA_ERR_CLOSED") || inClear.output.contains("LUMA_ERR_PROTOCOL")),
                "\(inClear.output)")
        await tlsServer.shutdown()

        // Unusable files: LUMA_ERR_ARGUMENT naming them, before any connection.
        let files = try await CBuild.run(program, ["files", certificates.ca(), certificates.certificate("lumactl"),
                                                   certificates.key("lumactl"), certificates.key("content-pipeline")], underValgrind: true)
        #expect(files.status == 0 && files.output.hasSuffix("0 failed\n"), "\(files.output)")
    }

    /// The installed library links OpenSSL itself; luma-rpc.pc lists libssl and libcrypto for a static link.
    @Test func theInstalledLibraryConnectsOverTLSThroughPkgConfig() async throws {
        let work = temporaryDirectory()
        let build = try await CBuild.shell("make -s BUILD=\(work)/build PREFIX=\(work)/prefix install", in: CBuild.root)
        #expect(build.status == 0, "\(build.output)")
        let pkgConfig = "PKG_CONFIG_PATH=\(work)/prefix/lib/pkgconfig pkg-config"
        let staticLibs = try await CBuild.shell("\(pkgConfig) --static --libs luma-rpc", in: CBuild.root)
        #expect(staticLibs.output.contains("-lssl") && staticLibs.output.contains("-lcrypto"), "\(staticLibs.output)")
        let compile = try await CBuild.shell(
            "cc -std=c11 -Wall -Werror -o \(work)/tls_test tests/tls_test.c $(\(pkgConfig) --cflags --libs luma-rpc)", in: CBuild.root)
        #expect(compile.status == 0, "\(compile.output)")

        let certificates = try Self.certificates()
        let (server, port) = try await Self.server(certificates)
        let ok = try await CBuild.shell(
            "LD_LIBRARY_PATH=\(work)/prefix/lib \(work)/tls_test call 127.0.0.1 \(port) \(certificates.ca()) "
            + "\(certificates.certificate("lumactl")) \(certificates.key("lumactl"))", in: work)
        #expect(ok.status == 0 && ok.output.contains("whoami: lumactl\n"), "\(ok.output)")
        await server.shutdown()
    }
}
