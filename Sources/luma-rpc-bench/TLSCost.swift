import Foundation
import LumaCertificates
import LumaEcho
import LumaRPC
import LumaRPCNIO
import NIOCore

/// `--only tls`: what mutual TLS costs a call. The same Echo server (one event loop) is reached
/// over plain TCP and over mutual TLS (ECDSA P-256 certificates from `LocalCertificates`, TLS 1.3
/// as BoringSSL negotiates it), alternating in blocks within each round so a slow stretch of
/// the machine falls on both; the round with the median ratio is reported. Connections are
/// long-lived (the handshake is paid once, as between services); p50 at 1 in flight, throughput
/// with more.
struct TLSCost {
    let calls: Int
    let rounds: Int
    let inFlight: [Int]
    let blockCalls: Int
    let serverGroup: any EventLoopGroup
    let clientGroup: any EventLoopGroup
    /// The plain client of the main benchmark's server.
    let plain: RPCClient

    func run() async throws {
        let directory = NSTemporaryDirectory() + "luma-tls-bench-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let certificates = LocalCertificates(directory: directory, days: 1)
        try certificates.write(names: ["verse-registry", "content-pipeline"])
        var configuration = RPCServer.TCPConfiguration(port: 0)
        configuration.tls = try RPCTLSContext.server(certificate: certificates.certificate("verse-registry"),
                                                     key: certificates.key("verse-registry"), clientCA: certificates.ca())
        let server = RPCServer(configuration: configuration, services: [EchoService()], group: serverGroup)
        guard let port = try await server.start().port else { throw RPCError(.internalError, "the TLS benchmark server has no port") }
        let secure = RPCClient(endpoints: [RPCEndpoint(host: "127.0.0.1", port: port)],
                               tls: try RPCTLSContext.client(ca: certificates.ca(), certificate: certificates.certificate("content-pipeline"),
                                                             key: certificates.key("content-pipeline")),
                               group: clientGroup)
        let echo = Luma_Examples_V1_EchoService.Method.echo
        let request = Luma_Examples_V1_EchoRequest.with { $0.text = String(repeating: "x", count: 64) }
        _ = try await measure("warm-up", calls: 2000, concurrency: 8) { _ = try await secure.call(echo, request) }
        print("TLS: mutual, ECDSA P-256; one long-lived connection each; 64-byte Echo")
        for concurrency in inFlight {
            let block = min(calls, max(blockCalls, concurrency * 100))
            var results: [(plain: Measurement, tls: Measurement)] = []
            for _ in 0..<rounds {
                var plainSide = Measurement(name: "plain TCP, \(concurrency) in flight")
                var tlsSide = Measurement(name: "mutual TLS, \(concurrency) in flight")
                for _ in 0..<max(1, calls / block) {
                    plainSide.append(try await measure(plainSide.name, calls: block, concurrency: concurrency) { _ = try await plain.call(echo, request) })
                    tlsSide.append(try await measure(tlsSide.name, calls: block, concurrency: concurrency) { _ = try await secure.call(echo, request) })
                }
                results.append((plainSide, tlsSide))
            }
            let ratio: ((plain: Measurement, tls: Measurement)) -> Double = concurrency == 1
                ? { $0.tls.percentile(0.5) / $0.plain.percentile(0.5) }
                : { $0.tls.callsPerSecond / $0.plain.callsPerSecond }
            let median = results.sorted { ratio($0) < ratio($1) }[results.count / 2]
            print(median.plain.summary)
            print(median.tls.summary)
            let rounds = results.map { String(format: "%.2f", ratio($0)) }.joined(separator: " ")
            print(concurrency == 1
                  ? String(format: "TLS p50, 1 in flight: %.2fx plain; rounds: %@", ratio(median), rounds)
                  : String(format: "TLS throughput, %d in flight: %.2f of plain; rounds: %@", concurrency, ratio(median), rounds))
        }
        await secure.close()
        await server.shutdown()
    }
}
