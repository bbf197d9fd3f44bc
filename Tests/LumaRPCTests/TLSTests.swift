import Foundation
import LumaCertificates
import LumaEcho
import LumaRPC
import LumaRPCNIO
import NIOCore
import NIOPosix
import Testing

/// Answers with who the caller's TLS certificate says it is ("" without one).
private struct WhoAmIService: RPCServiceProvider {
    static let whoAmI = RPCMethodDescriptor(service: "luma.test.v1.WhoAmI", method: "WhoAmI", inputType: "bytes", outputType: "bytes", idempotency: .noSideEffects)
    var serviceDescriptor: RPCServiceDescriptor {
        RPCServiceDescriptor(name: "luma.test.v1.WhoAmI", methods: [Self.whoAmI], fileDescriptorsBase64: [])
    }
    func registerMethods(with registrar: inout RPCMethodRegistrar) {
        registrar.register(raw: RPCRawHandler(descriptor: Self.whoAmI) { _, context in Data((context.peerIdentity ?? "").utf8) })
    }
}

/// Luma RPC over TLS on real sockets: mutual TLS admits only certificates from the CA and tells
/// handlers which process is calling; plain text is refused both ways, with words that say so;
/// the server's name is verified; certificates reload without dropping a connection.
@Suite("Luma RPC over TLS")
struct TLSTests {
    static func certificates(_ hosts: [String: [String]] = [:]) throws -> LocalCertificates {
        let directory = NSTemporaryDirectory() + "luma-tls-" + UUID().uuidString
        let certificates = LocalCertificates(directory: directory, days: 30, hosts: hosts)
        try certificates.write(names: ["content-pipeline", "verse-registry", "lumactl"])
        return certificates
    }

    static func server(_ certificates: LocalCertificates, mutual: Bool = true, host: String = "127.0.0.1") async throws -> (RPCServer, RPCEndpoint, RPCTLSContext) {
        let tls = try RPCTLSContext.server(certificate: certificates.certificate("verse-registry"), key: certificates.key("verse-registry"),
                                           clientCA: mutual ? certificates.ca() : nil)
        var configuration = RPCServer.TCPConfiguration(host: host, port: 0)
        configuration.tls = tls
        let server = RPCServer(configuration: configuration, services: [EchoService(), WhoAmIService()], logger: testLogger)
        let port = try #require(try await server.start().port)
        return (server, RPCEndpoint(host: host, port: port), tls)
    }

    static func client(_ endpoint: RPCEndpoint, ca: String?, as name: String?, in certificates: LocalCertificates) throws -> RPCClient {
        var configuration = RPCClient.Configuration()
        configuration.maxAttempts = 1
        let tls = try ca.map { try RPCTLSContext.client(ca: $0, certificate: name.map(certificates.certificate), key: name.map(certificates.key)) }
        return RPCClient(endpoints: [endpoint], configuration: configuration, tls: tls)
    }

    static func whoAmI(_ client: RPCClient) async throws -> String {
        String(decoding: try await client.call(WhoAmIService.whoAmI, payload: Data()), as: UTF8.self)
    }

    static func failure(_ body: () async throws -> Void) async -> RPCError? {
        do { try await body(); return nil } catch { return error as? RPCError }
    }

    @Test func mutualTLSCarriesCallsAndTellsTheHandlerWhoIsCalling() async throws {
        let certificates = try Self.certificates()
        let (server, endpoint, tls) = try await Self.server(certificates)
        #expect(tls.presented?.name == "verse-registry")
        let client = try Self.client(endpoint, ca: certificates.ca(), as: "content-pipeline", in: certificates)
        #expect(try await Self.whoAmI(client) == "content-pipeline")
        let echo = Luma_Examples_V1_EchoClient(client)
        #expect(try await echo.echo(.with { $0.text = "over TLS" }).text == "over TLS")
        await client.close()
        await server.shutdown()
    }

    @Test func aClientWithoutACertificateFromTheCAIsRefusedInTheHandshake() async throws {
        let certificates = try Self.certificates()
        let stranger = try Self.certificates()
        let (server, endpoint, _) = try await Self.server(certificates)
        // No client certificate at all.
        let anonymous = try Self.client(endpoint, ca: certificates.ca(), as: nil, in: certificates)
        let refused = await Self.failure { _ = try await Self.whoAmI(anonymous) }
        #expect(refused?.code == .unavailable && refused?.message.contains("requires a client certificate") == true, "\(String(describing: refused))")
        // A certificate from another CA.
        let forged = try Self.client(endpoint, ca: certificates.ca(), as: "content-pipeline", in: stranger)
        #expect(await Self.failure { _ = try await Self.whoAmI(forged) }?.code == .unavailable)
        // A server the client's CA did not sign: the client refuses it.
        let doubting = try Self.client(endpoint, ca: stranger.ca(), as: nil, in: stranger)
        let distrusted = await Self.failure { _ = try await Self.whoAmI(doubting) }
        #expect(distrusted?.code == .unavailable && distrusted?.message.contains("does not verify against the CA") == true, "\(String(describing: distrusted))")
        for client in [anonymous, forged, doubting] { await client.close() }
        await server.shutdown()
    }

    @Test func plainTextIsRefusedBothWaysInWords() async throws {
        let certificates = try Self.certificates()
        let (server, endpoint, _) = try await Self.server(certificates)
        let plain = try Self.client(endpoint, ca: nil, as: nil, in: certificates)
        let refused = await Self.failure { _ = try await Self.whoAmI(plain) }
        #expect(refused?.code == .unavailable && refused?.message.contains("requires TLS") == true, "\(String(describing: refused))")
        await plain.close()
        await server.shutdown()

        // A TLS client to a plain server never sends a call in clear.
        let (plainServer, plainEndpoint) = try await startServer(services: [WhoAmIService()])
        let tls = try Self.client(plainEndpoint, ca: certificates.ca(), as: "content-pipeline", in: certificates)
        let mismatch = await Self.failure { _ = try await Self.whoAmI(tls) }
        #expect(mismatch?.code == .unavailable && mismatch?.message.contains("does not speak TLS") == true, "\(String(describing: mismatch))")
        await tls.close()
        await plainServer.shutdown()
    }

    @Test func theServersNameIsVerified() async throws {
        // Certificates name 127.0.0.1 (and localhost), not 127.0.0.2.
        let certificates = try Self.certificates()
        let (server, endpoint, _) = try await Self.server(certificates, host: "127.0.0.2")
        let client = try Self.client(endpoint, ca: certificates.ca(), as: "content-pipeline", in: certificates)
        let refused = await Self.failure { _ = try await Self.whoAmI(client) }
        #expect(refused?.code == .unavailable && refused?.message.contains("does not name 127.0.0.2") == true, "\(String(describing: refused))")
        await client.close()
        await server.shutdown()

        // Given that address for verse-registry, the same host is accepted; by DNS name too.
        let named = try Self.certificates(["verse-registry": ["127.0.0.2"]])
        let (namedServer, namedEndpoint, _) = try await Self.server(named, host: "127.0.0.2")
        let trusting = try Self.client(namedEndpoint, ca: named.ca(), as: "content-pipeline", in: named)
        #expect(try await Self.whoAmI(trusting) == "content-pipeline")
        await trusting.close()
        await namedServer.shutdown()
        let (local, localEndpoint, _) = try await Self.server(named)
        let byName = try Self.client(RPCEndpoint(host: "localhost", port: localEndpoint.port), ca: named.ca(), as: "lumactl", in: named)
        #expect(try await Self.whoAmI(byName) == "lumactl")
        await byName.close()
        await local.shutdown()
    }

    @Test func reloadedCertificatesApplyToNewConnectionsWithoutDroppingOpenOnes() async throws {
        let old = try Self.certificates()
        let renewed = try Self.certificates()
        let (server, endpoint, tls) = try await Self.server(old)
        let open = try Self.client(endpoint, ca: old.ca(), as: "content-pipeline", in: old)
        #expect(try await Self.whoAmI(open) == "content-pipeline")

        // The operator replaces the files (a new CA here, so which one is served shows) and
        // sends SIGHUP; a file that does not parse leaves the old context in use.
        let files = FileManager.default
        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: old.certificate("verse-registry")))
        #expect(throws: RPCTLSError.self) { try tls.reload() }
        for (from, to) in [(renewed.certificate("verse-registry"), old.certificate("verse-registry")),
                           (renewed.key("verse-registry"), old.key("verse-registry")), (renewed.ca(), old.ca())] {
            try files.removeItem(atPath: to)
            try files.copyItem(atPath: from, toPath: to)
        }
        try tls.reload()

        #expect(try await Self.whoAmI(open) == "content-pipeline", "the open connection keeps going")
        let fresh = try Self.client(endpoint, ca: renewed.ca(), as: "content-pipeline", in: renewed)
        #expect(try await Self.whoAmI(fresh) == "content-pipeline")
        let stale = try Self.client(endpoint, ca: renewed.ca(), as: "content-pipeline", in: Self.certificates())
        #expect(await Self.failure { _ = try await Self.whoAmI(stale) }?.code == .unavailable, "a certificate from the old CA no longer gets in")
        for client in [open, fresh, stale] { await client.close() }
        await server.shutdown()
    }

    /// A stopped server (SIGSTOP) still completes TCP handshakes in the kernel but never answers
    /// the TLS hello: the connect timeout covers the handshake too (found by the netns harness:
    /// the timer used to start only after the preface write, which TLS holds until the
    /// handshake ends, so the connect hung).
    @Test(.timeLimit(.minutes(1))) func aServerThatNeverAnswersTheHandshakeTimesOut() async throws {
        let certificates = try Self.certificates()
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        let tls = try RPCTLSContext.client(ca: certificates.ca(), certificate: certificates.certificate("lumactl"), key: certificates.key("lumactl"))
        let failure = await Self.failure {
            _ = try await RPCConnection.connect(to: RPCEndpoint(host: "127.0.0.1", port: silent.localAddress!.port!),
                                                connectTimeout: .milliseconds(200), tls: tls)
        }
        #expect(failure?.code == .unavailable && failure?.message.contains("sent no Luma preface within 200 ms") == true, "\(String(describing: failure))")
        try await silent.close()
    }

    @Test func unusableFilesAreRefusedNamingThem() throws {
        let certificates = try Self.certificates()
        let missing = #expect(throws: RPCTLSError.self) {
            try RPCTLSContext.server(certificate: "/nonexistent/cert.pem", key: certificates.key("verse-registry"), clientCA: nil)
        }
        #expect(missing?.description.contains("/nonexistent/cert.pem: no such file") == true, "\(String(describing: missing))")
        let mismatched = #expect(throws: RPCTLSError.self) {
            try RPCTLSContext.server(certificate: certificates.certificate("verse-registry"), key: certificates.key("lumactl"), clientCA: nil)
        }
        #expect(mismatched?.description.contains("cannot use") == true, "\(String(describing: mismatched))")
        #expect(throws: RPCTLSError.self) { try RPCTLSContext.client(ca: certificates.ca(), certificate: certificates.certificate("lumactl"), key: nil) }
    }
}
