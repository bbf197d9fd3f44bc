import Foundation
import LumaEcho
import LumaRPC
import LumaRPCNIO
import Logging
import NIOCore

/// Starts a server on 127.0.0.1 port 0 and returns it with its endpoint.
func startServer(
    services: [any RPCServiceProvider] = [EchoService(), MisbehavingService()],
    port: Int = 0,
    configure: (inout RPCServer.TCPConfiguration) -> Void = { _ in }
) async throws -> (RPCServer, RPCEndpoint) {
    var configuration = RPCServer.TCPConfiguration(host: "127.0.0.1", port: port)
    configure(&configuration)
    let server = RPCServer(configuration: configuration, services: services, logger: testLogger)
    let address = try await server.start()
    return (server, RPCEndpoint(host: "127.0.0.1", port: address.port!))
}

let testLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = ProcessInfo.processInfo.environment["LUMA_TEST_LOG"] != nil ? .trace : .critical
    return logger
}()

/// Runs `body` with a started server and client, shutting both down afterwards.
func withServerAndClient<T>(
    services: [any RPCServiceProvider] = [EchoService(), MisbehavingService()],
    configure: (inout RPCServer.TCPConfiguration) -> Void = { _ in },
    _ body: (RPCServer, RPCClient) async throws -> T
) async throws -> T {
    let (server, endpoint) = try await startServer(services: services, configure: configure)
    let client = RPCClient(endpoint: endpoint)
    do {
        let result = try await body(server, client)
        await client.close()
        await server.shutdown()
        return result
    } catch {
        await client.close()
        await server.shutdown()
        throw error
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + timeout
    while clock.now < end {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Resident set size of this process in bytes, from /proc.
func residentMemoryBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
    let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
    return kilobytes * 1024
}
