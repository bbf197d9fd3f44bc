import Foundation
import LumaEcho
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
@testable import LumaRPC
@testable import LumaRPCNIO

@Suite("Client over loopback")
struct ClientBehaviourTests {
    let echo = Luma_Examples_V1_EchoService.Method.echo
    let append = Luma_Examples_V1_EchoService.Method.append

    func echoRequest(_ text: String) -> Luma_Examples_V1_EchoRequest {
        Luma_Examples_V1_EchoRequest.with { $0.text = text }
    }

    @Test func clientReconnectsAfterTheServerRestarts() async throws {
        let (first, endpoint) = try await startServer()
        let client = RPCClient(endpoint: endpoint)
        #expect(try await client.call(echo, echoRequest("before")).text == "before")

        await first.shutdown()
        await #expect(throws: RPCError.self) { try await client.call(echo, echoRequest("down")) }

        let (second, _) = try await startServer(port: endpoint.port)
        // The endpoint was ejected; the background probe (or the next call) reconnects.
        let recovered = await eventually(timeout: .seconds(10)) {
            (try? await client.call(echo, echoRequest("after")).text) == "after"
        }
        #expect(recovered)
        await client.close()
        await second.shutdown()
    }

    @Test func idempotentCallIsRetriedOntoASecondEndpointWhenTheFirstIsDown() async throws {
        let (server, live) = try await startServer()
        let dead = try await unusedEndpoint()
        let client = RPCClient(endpoints: [dead, live])
        for index in 0..<6 {  // round-robin starts on the dead endpoint at least half the time
            #expect(try await client.call(echo, echoRequest("r\(index)")).text == "r\(index)")
        }
        await client.close()
        await server.shutdown()
    }

    @Test func nonIdempotentCallIsNotRetriedOnceSent() async throws {
        let service = EchoService()
        let (server, live) = try await startServer(services: [service])
        let dropper = try await DroppingServer.start()
        var configuration = RPCClient.Configuration()
        configuration.startAtRandomEndpoint = false
        let client = RPCClient(endpoints: [dropper.endpoint, live], configuration: configuration)
        // The first call goes to the dropper (round-robin starts at index 0 here), which reads the
        // request and hangs up: the call may have run there, so it must not be sent again.
        let error = await #expect(throws: RPCError.self) {
            try await client.call(append, Luma_Examples_V1_AppendRequest.with { $0.entry = "once" })
        }
        #expect(error?.code == .unavailable)
        #expect(service.entries.isEmpty)
        #expect(dropper.requests.withLockedValue { $0 } == 1)
        // An idempotent call in the same situation is retried on the live endpoint.
        #expect(try await client.call(echo, echoRequest("again")).text == "again")
        await client.close()
        await server.shutdown()
        try await dropper.channel.close()
    }

    @Test func aCallThatCouldNotBeSentGoesToTheNextEndpointEvenIfNotIdempotent() async throws {
        let service = EchoService()
        let (server, live) = try await startServer(services: [service])
        let dead = try await unusedEndpoint()
        let client = RPCClient(endpoints: [dead, live])
        let response = try await client.call(append, Luma_Examples_V1_AppendRequest.with { $0.entry = "once" })
        #expect(response.count == 1)
        #expect(service.entries == ["once"])
        await client.close()
        await server.shutdown()
    }

    @Test func callsAreBalancedAcrossHealthyEndpoints() async throws {
        let services = [EchoService(), EchoService()]
        let (serverA, endpointA) = try await startServer(services: [services[0]])
        let (serverB, endpointB) = try await startServer(services: [services[1]])
        let client = RPCClient(endpoints: [endpointA, endpointB])
        for index in 0..<10 {
            _ = try await client.call(append, Luma_Examples_V1_AppendRequest.with { $0.entry = "\(index)" })
        }
        #expect(services[0].entries.count == 5)
        #expect(services[1].entries.count == 5)
        await client.close()
        await serverA.shutdown()
        await serverB.shutdown()
    }

    @Test func handlerPropagatesItsRemainingDeadlineAndTraceIDToOnwardCalls() async throws {
        let (backend, backendEndpoint) = try await startServer()
        let onward = RPCClient(endpoint: backendEndpoint)
        let (front, frontEndpoint) = try await startServer(services: [MisbehavingService(onward: onward)])
        let client = RPCClient(endpoint: frontEndpoint)

        let response = try await client.call(
            MisbehavingService.relay, echoRequest(""),
            options: .init(timeout: .seconds(3), metadata: ["trace-id": "trace-42", "x": "not-propagated"]))
        let parts = response.text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        let remaining = try #require(Int(parts[0]))
        #expect(remaining > 0 && remaining <= 3000)  // not the client's 30 s default
        #expect(parts[1] == "trace-42")
        #expect(parts[2] == "")  // only the trace id flows on, not arbitrary metadata

        await client.close()
        await onward.close()
        await front.shutdown()
        await backend.shutdown()
    }

    @Test func metadataReachesTheHandler() async throws {
        try await withServerAndClient { _, client in
            let response = try await client.call(MisbehavingService.context, echoRequest(""),
                                                 options: .init(metadata: ["x": "hello"]))
            #expect(response.text.hasSuffix("||hello"))
        }
    }

    @Test func interceptorsRunOnBothSides() async throws {
        struct RequireToken: RPCServerInterceptor {
            func intercept(request: Data, context: RPCServerContext,
                           next: @Sendable (Data, RPCServerContext) async throws -> Data) async throws -> Data {
                guard context.metadata["authorization"] == "Bearer good" else {
                    throw RPCError(.unauthenticated, "missing or bad token")
                }
                return try await next(request, context)
            }
        }
        struct AddToken: RPCClientInterceptor {
            let token: String
            func intercept(request: RPCClientRequest, next: @Sendable (RPCClientRequest) async throws -> Data) async throws -> Data {
                var request = request
                request.metadata["authorization"] = "Bearer \(token)"
                return try await next(request)
            }
        }
        let (server, endpoint) = try await startServer(configure: { $0.interceptors = [RequireToken()] })
        var good = RPCClient.Configuration()
        good.interceptors = [AddToken(token: "good")]
        var bad = RPCClient.Configuration()
        bad.interceptors = [AddToken(token: "bad")]
        let goodClient = RPCClient(endpoint: endpoint, configuration: good)
        let badClient = RPCClient(endpoint: endpoint, configuration: bad)
        #expect(try await goodClient.call(echo, echoRequest("ok")).text == "ok")
        let error = await #expect(throws: RPCError.self) { try await badClient.call(echo, echoRequest("no")) }
        #expect(error?.code == .unauthenticated)
        await goodClient.close()
        await badClient.close()
        await server.shutdown()
    }

    @Test func gracefulShutdownFinishesInFlightCallsAndRefusesNewOnes() async throws {
        let service = MisbehavingService()
        let (server, endpoint) = try await startServer(services: [service])
        let client = RPCClient(endpoint: endpoint)
        let slow = Task { try await client.call(MisbehavingService.sleep, echoRequest("500")) }
        #expect(await eventually { service.started.withLockedValue { $0 } == 1 })

        let shutdown = Task { await server.shutdown() }
        try await Task.sleep(for: .milliseconds(100))
        // The listener is closed: a new connection cannot be made.
        let late = RPCClient(endpoint: endpoint)
        let refused = await #expect(throws: RPCError.self) { try await late.call(echo, echoRequest("late")) }
        #expect(refused?.code == .unavailable)

        #expect(try await slow.value.text == "slept")
        await shutdown.value
        await client.close()
        await late.close()
    }

    @Test func gracePeriodCancelsCallsThatRunTooLong() async throws {
        let service = MisbehavingService()
        let (server, endpoint) = try await startServer(services: [service], configure: { $0.gracePeriod = .milliseconds(200) })
        let client = RPCClient(endpoint: endpoint)
        let slow = Task { try await client.call(MisbehavingService.sleep, echoRequest("10000")) }
        #expect(await eventually { service.started.withLockedValue { $0 } == 1 })
        let started = ContinuousClock.now
        await server.shutdown()
        #expect(ContinuousClock.now - started < .seconds(3))
        let result = await slow.result
        #expect((result.failureValue as? RPCError)?.code == .unavailable)
        #expect(await eventually { service.cancellations.withLockedValue { $0 } == 1 })
        await client.close()
    }

    @Test func healthReportsEachServiceAndTheServer() async throws {
        try await withServerAndClient { server, client in
            let health = Luma_Rpc_V1_HealthClient(client)
            let echoName = Luma_Rpc_V1_HealthCheckRequest.with { $0.service = "luma.examples.v1.Echo" }
            let whole = Luma_Rpc_V1_HealthCheckRequest()
            let before = (try await health.check(echoName).status, try await health.check(whole).status)
            #expect(before == (.serving, .serving))
            server.health.set("luma.examples.v1.Echo", .notServing)
            let after = (try await health.check(echoName).status, try await health.check(whole).status)
            #expect(after == (.notServing, .notServing))
            let error = await #expect(throws: RPCError.self) { try await health.check(.with { $0.service = "nope.Nope" }) }
            #expect(error?.code == .notFound)
            // Every service ListServices names has a health status, the built-in ones included.
            let listed = try await Luma_Rpc_V1_ReflectionClient(client).listServices(.init()).services.map(\.name)
            #expect(listed.contains("luma.rpc.v1.Health") && listed.contains("luma.rpc.v1.Reflection"))
            for name in listed where name != "luma.examples.v1.Echo" {
                #expect(try await health.check(.with { $0.service = name }).status == .serving, "\(name)")
            }
        }
    }

    @Test func reflectionListsServicesAndServesDescriptors() async throws {
        try await withServerAndClient { _, client in
            let reflection = Luma_Rpc_V1_ReflectionClient(client)
            let services = try await reflection.listServices(.init()).services
            #expect(services.map(\.name).contains("luma.examples.v1.Echo"))
            #expect(services.map(\.name).contains("luma.rpc.v1.Health"))
            let echoInfo = try #require(services.first { $0.name == "luma.examples.v1.Echo" })
            #expect(echoInfo.methods.map(\.name) == ["Echo", "Append"])
            #expect(echoInfo.methods.map(\.idempotent) == [true, false])
            #expect(echoInfo.methods[0].inputType == "luma.examples.v1.EchoRequest")

            let files = try await reflection.fileContainingSymbol(.with { $0.symbol = "luma.examples.v1.EchoRequest" })
            let file = try Google_Protobuf_FileDescriptorProto(serializedBytes: try #require(files.fileDescriptorProtos.last))
            #expect(file.name == "luma/examples/v1/echo.proto")
            #expect(file.messageType.map(\.name).contains("EchoRequest"))
            let byMethod = try await reflection.fileContainingSymbol(.with { $0.symbol = "luma.examples.v1.Echo/Append" })
            #expect(byMethod.fileDescriptorProtos == files.fileDescriptorProtos)

            let error = await #expect(throws: RPCError.self) {
                try await reflection.fileContainingSymbol(.with { $0.symbol = "no.Such" })
            }
            #expect(error?.code == .notFound)
        }
    }

    @Test func requestLargerThanTheFrameLimitIsRefusedBeforeSending() async throws {
        var configuration = RPCClient.Configuration()
        configuration.limits.maxFrameSize = 1024
        let (server, endpoint) = try await startServer()
        let client = RPCClient(endpoint: endpoint, configuration: configuration)
        let big = Luma_Examples_V1_EchoRequest.with { $0.payload = Data(count: 2048) }
        let error = await #expect(throws: RPCError.self) { try await client.call(echo, big) }
        #expect(error?.code == .resourceExhausted)
        await client.close()
        await server.shutdown()
    }
}

/// An address nothing listens on: bind port 0, note it, close.
func unusedEndpoint() async throws -> RPCEndpoint {
    let (server, endpoint) = try await startServer()
    await server.shutdown()
    return endpoint
}

import SwiftProtobuf

@Suite("Client deadlines against a silent server")
struct ClientDeadlineTests {
    /// Accepts connections, sends the preface, records what it receives, never answers.
    final class SilentServer: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = NIOLockedValueBox(ByteBuffer())
        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(NIOAny(ByteBuffer(bytes: ConnectionPreface.bytes)), promise: nil)
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            received.withLockedValue { _ = $0.writeBuffer(&bytes) }
        }
        func frames() throws -> [Luma_Rpc_V1_Frame] {
            var parser = FrameParser(maxFrameSize: 1 << 20)
            parser.append(received.withLockedValue { $0 })
            var frames: [Luma_Rpc_V1_Frame] = []
            while let body = try parser.nextFrame() { frames.append(try FrameEncoder.decode(body)) }
            return frames
        }
    }

    @Test func clientEnforcesItsDeadlineAndSendsCancel() async throws {
        let silent = SilentServer()
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(silent) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let client = RPCClient(endpoint: RPCEndpoint(host: "127.0.0.1", port: listener.localAddress!.port!))
        let started = ContinuousClock.now
        // Two calls with different deadlines: the sweep must fire for each, earliest first.
        func call(_ timeout: TimeAmount) async -> (Result<Luma_Examples_V1_EchoResponse, any Error>, ContinuousClock.Instant) {
            let result = await Result(catching: { try await client.call(Luma_Examples_V1_EchoService.Method.echo, .init(), options: .init(timeout: timeout)) })
            return (result, ContinuousClock.now)
        }
        async let late = call(.milliseconds(1500))
        async let early = call(.milliseconds(300))
        let (earlyResult, earlyEnded) = await early
        let (lateResult, lateEnded) = await late
        let errors = [earlyResult, lateResult].map { $0.failureValue as? RPCError }
        #expect(errors.allSatisfy { $0?.code == .deadlineExceeded })
        // Earliest first, and neither before its time. (Order, not elapsed-time bounds, which a
        // loaded machine stretches; the exact times are checked on virtual time.)
        #expect(earlyEnded < lateEnded)
        #expect(earlyEnded - started >= .milliseconds(290) && lateEnded - started >= .milliseconds(1490))
        // Every call that was sent (a loaded machine may use up a deadline before sending) was
        // sent with its deadline, and cancelled with a Cancel frame when the deadline passed.
        let sent = errors.filter { $0?.message.contains("before the call was sent") == false }.count
        #expect(await eventually { ((try? silent.frames()) ?? []).filter { if case .cancel = $0.kind { true } else { false } }.count == sent })
        let requests = try silent.frames().compactMap { if case .request(let request) = $0.kind { request } else { nil } }
        #expect(requests.count == sent)
        #expect(requests.allSatisfy { $0.timeoutMicros > 0 && $0.timeoutMicros <= 1_500_000 })
        await client.close()
        try await listener.close()
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// Sends the preface, reads one request frame, and closes the connection without answering.
final class DroppingServer: Sendable {
    let channel: any Channel
    let requests: NIOLockedValueBox<Int>
    var endpoint: RPCEndpoint { RPCEndpoint(host: "127.0.0.1", port: channel.localAddress!.port!) }

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let requests: NIOLockedValueBox<Int>
        init(_ requests: NIOLockedValueBox<Int>) { self.requests = requests }
        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(NIOAny(ByteBuffer(bytes: ConnectionPreface.bytes)), promise: nil)
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            // Preface (8 bytes) plus at least a length prefix: a request arrived.
            if unwrapInboundIn(data).readableBytes > 12 {
                requests.withLockedValue { $0 += 1 }
                context.close(promise: nil)
            }
        }
    }

    private init(channel: any Channel, requests: NIOLockedValueBox<Int>) {
        self.channel = channel
        self.requests = requests
    }

    static func start() async throws -> DroppingServer {
        let requests = NIOLockedValueBox(0)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Handler(requests)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return DroppingServer(channel: channel, requests: requests)
    }
}
