import LumaRPC
import LumaRPCNIO
import LumaTestSupport
import NIOConcurrencyHelpers
import Testing
@testable import LumaCLI

/// How many connections a server has seen opened and closed.
private final class ConnectionCount: RPCTransportObserver, Sendable {
    private let counts = NIOLockedValueBox((opened: 0, closed: 0))
    func connectionOpened() { counts.withLockedValue { $0.opened += 1 } }
    func connectionClosed() { counts.withLockedValue { $0.closed += 1 } }
    var now: (opened: Int, closed: Int) { counts.withLockedValue { $0 } }
}

/// lumactl closes the RPC clients a command opened when the command ends, also when it fails:
/// the server sees the connection closed at once, not reaped later by its idle timeout.
@Suite("lumactl closes its clients", .serialized)
struct ClientCloseTests {
    @Test func aCommandClosesItsConnectionWhenItSucceedsOrFails() async throws {
        let connections = ConnectionCount()
        var configuration = RPCServer.TCPConfiguration(port: 0)
        // Only a client's close can end a connection while the test runs.
        configuration.limits.idleTimeout = .hours(1)
        configuration.observer = connections
        let server = RPCServer(configuration: configuration, services: [])
        let port = try #require(try await server.start().port)
        let address = "127.0.0.1:\(port)"

        try await Lumactl.execute(["health", address])
        #expect(OpenClients.shared.count == 0)
        #expect(connections.now.opened == 1)
        #expect(await eventually { connections.now.closed == 1 }, "\(connections.now)")

        // A command that fails (an unknown service is NOT_FOUND) closes its client too.
        await #expect(throws: (any Error).self) { try await Lumactl.execute(["health", address, "--service", "luma.nope.v1.Nope"]) }
        #expect(OpenClients.shared.count == 0)
        #expect(await eventually { connections.now == (opened: 2, closed: 2) }, "\(connections.now)")
        await server.shutdown()
    }
}
