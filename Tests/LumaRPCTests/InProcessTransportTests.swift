import Foundation
import LumaEcho
import LumaRPC
import LumaRPCInProcess
import NIOConcurrencyHelpers
import Testing

/// The in-process transport keeps the contract a remote client sees: statuses, deadlines,
/// cancellation, interceptors, metadata, draining, failover between endpoints.
@Suite("In-process transport")
struct InProcessTransportTests {
    let echo = Luma_Examples_V1_EchoService.Method.echo
    let endpoint = RPCEndpoint(host: "verses", port: 1)

    func server(_ network: InProcessNetwork, at endpoint: RPCEndpoint, services: [any RPCServiceProvider],
                interceptors: [any RPCServerInterceptor] = []) async throws -> RPCServer {
        var configuration = RPCServer.Configuration()
        configuration.interceptors = interceptors
        let server = RPCServer(transport: network.server(at: endpoint), services: services, configuration: configuration, logger: testLogger)
        try await server.start()
        return server
    }

    func code(_ body: () async throws -> Void) async -> RPCStatusCode {
        do { try await body(); return .ok } catch { return (error as? RPCError)?.code ?? .unknown }
    }

    @Test func callsStatusesAndMetadataAreThoseOfTheWire() async throws {
        let network = InProcessNetwork()
        let server = try await server(network, at: endpoint, services: [EchoService(), MisbehavingService()])
        let client = RPCClient(endpoints: [endpoint], transport: network.client)
        #expect(try await client.call(echo, .with { $0.text = "hi" }).text == "hi")
        let unknown = RPCMethod<Luma_Examples_V1_EchoRequest, Luma_Examples_V1_EchoResponse>(descriptor: RPCMethodDescriptor(
            service: "luma.nope.v1.Nope", method: "Nope", inputType: "", outputType: "", idempotency: .unknown))
        #expect(await code { _ = try await client.call(unknown, .init()) } == .unimplemented)
        let failed = await #expect(throws: RPCError.self) { try await client.call(MisbehavingService.fail, .init()) }
        #expect(failed?.code == .internalError && failed?.message.contains("internal error (call id") == true)
        #expect(failed?.message.contains("secret") == false)
        let refused = await #expect(throws: RPCError.self) { try await client.call(MisbehavingService.failWithStatus, .with { $0.text = "x" }) }
        #expect(refused == RPCError(.failedPrecondition, "cannot do x", field: "text"))
        let context = try await client.call(MisbehavingService.context, .init(), options: .init(timeout: .seconds(5), metadata: ["x": "meta", "trace-id": "t-1"]))
        let parts = context.text.split(separator: "|", omittingEmptySubsequences: false)
        #expect(Int(parts[0])! > 0 && Int(parts[0])! <= 5000 && parts[1] == "t-1" && parts[2] == "meta")
        await server.shutdown()
    }

    /// Held until the deadline: only the deadline can end the call.
    @Test func theDeadlineEndsAHeldCallAndCancelsItsHandler() async throws {
        let network = InProcessNetwork()
        let gated = GatedService()
        let server = try await server(network, at: endpoint, services: [gated])
        let client = RPCClient(endpoints: [endpoint], transport: network.client)
        let error = await #expect(throws: RPCError.self) {
            try await client.call(GatedService.hold, .init(), options: .init(timeout: .milliseconds(30)))
        }
        #expect(error?.code == .deadlineExceeded)
        if error?.message.contains("before the call was sent") == true {
            // A loaded machine can use up 30 ms before the call is sent: then nothing ran.
            #expect(gated.holding == 0 && gated.cancellations == 0)
        } else {
            await gated.waitForCancellation()
        }
        await server.shutdown()
    }

    @Test func cancellingTheCallerCancelsTheHandler() async throws {
        let network = InProcessNetwork()
        let gated = GatedService()
        let server = try await server(network, at: endpoint, services: [gated])
        let client = RPCClient(endpoints: [endpoint], transport: network.client)
        let call = Task { try await client.call(GatedService.hold, .init()) }
        await gated.waitUntilHolding(1)
        call.cancel()
        let outcome = await call.result
        #expect((try? outcome.get()) == nil)
        await gated.waitForCancellation()
        await server.shutdown()
    }

    @Test func interceptorsRunAsOverTheWire() async throws {
        struct Refuse: RPCServerInterceptor {
            func intercept(request: Data, context: RPCServerContext,
                           next: @Sendable (Data, RPCServerContext) async throws -> Data) async throws -> Data {
                guard context.metadata["authorization"] == "yes" else { throw RPCError(.unauthenticated, "no") }
                return try await next(request, context)
            }
        }
        let network = InProcessNetwork()
        let server = try await server(network, at: endpoint, services: [EchoService()], interceptors: [Refuse()])
        let client = RPCClient(endpoints: [endpoint], transport: network.client)
        #expect(await code { _ = try await client.call(echo, .init()) } == .unauthenticated)
        #expect(try await client.call(echo, .with { $0.text = "in" }, options: .init(metadata: ["authorization": "yes"])).text == "in")
        await server.shutdown()
    }

    /// Draining finishes what was accepted; later calls were not run, so even a non-idempotent
    /// one goes to the other instance.
    @Test func aDrainingServerFinishesItsCallsAndTheClientFailsOver() async throws {
        let network = InProcessNetwork()
        let other = RPCEndpoint(host: "verses", port: 2)
        let gated = GatedService(), backup = EchoService()
        let first = try await server(network, at: endpoint, services: [gated, EchoService()])
        let second = try await server(network, at: other, services: [GatedService(), backup])
        var configuration = RPCClient.Configuration()
        configuration.startAtRandomEndpoint = false
        let client = RPCClient(endpoints: [endpoint, other], configuration: configuration, transport: network.client)
        let held = Task { try await client.call(GatedService.hold, .with { $0.text = "a" }) }
        await gated.waitUntilHolding(1)
        let draining = Task { await first.shutdown() }
        for index in 0..<4 {
            let appended = try await client.call(Luma_Examples_V1_EchoService.Method.append, .with { $0.entry = "\(index)" })
            #expect(appended.count > 0)
        }
        #expect(backup.entries == ["0", "1", "2", "3"])
        gated.releaseAll()
        #expect(try await held.value.text == "released a")
        await draining.value
        await second.shutdown()
    }
}
