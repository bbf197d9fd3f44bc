import Foundation
import LumaEcho
import NIOCore
import Testing
@testable import LumaRPC
@testable import LumaRPCNIO

@Suite("Server over loopback")
struct ServerBehaviourTests {
    let echo = Luma_Examples_V1_EchoService.Method.echo

    @Test func thousandConcurrentCallsOnOneConnectionAreMatchedToTheirCallers() async throws {
        try await withServerAndClient { _, client in
            let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for index in 0..<1000 {
                    group.addTask {
                        var request = Luma_Examples_V1_EchoRequest()
                        request.text = "call-\(index)"
                        request.payload = Data(repeating: UInt8(index % 256), count: index % 97)
                        let response = try await client.call(echo, request)
                        #expect(response.payload == request.payload)
                        return (index, response.text)
                    }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            #expect(results.count == 1000)
            #expect(results.allSatisfy { $0.value == "call-\($0.key)" })
        }
    }

    @Test func deadlineExpiringInTheHandlerCancelsItAndAnswersDeadlineExceeded() async throws {
        let service = MisbehavingService()
        try await withServerAndClient(services: [service]) { _, client in
            var request = Luma_Examples_V1_EchoRequest()
            request.text = "20000"
            let started = ContinuousClock.now
            let error = await #expect(throws: RPCError.self) {
                try await client.call(MisbehavingService.sleep, request, options: .init(timeout: .seconds(1)))
            }
            #expect(error?.code == .deadlineExceeded)
            #expect(ContinuousClock.now - started < .seconds(10))
            if error?.message.contains("before the call was sent") == true {
                // A loaded machine can spend the second before the call is sent: nothing ran.
                #expect(service.started.withLockedValue { $0 } == 0)
            } else {
                #expect(await eventually { service.cancellations.withLockedValue { $0 } == 1 })
            }
        }
    }

    @Test func serverEnforcesTheDeadlineItReceives() async throws {
        let service = MisbehavingService()
        let (server, endpoint) = try await startServer(services: [service])
        let raw = try await RawConnection(to: endpoint)
        try await raw.sendPreface()
        var request = Luma_Examples_V1_EchoRequest()
        request.text = "5000"
        try await raw.send(requestFrame(id: 7, method: MisbehavingService.sleep.descriptor.fullName,
                                         payload: try request.serializedData(), timeoutMicros: 100_000))
        let response = try await raw.waitForFrame { $0.response.callID == 7 }
        #expect(response?.response.status.code == .deadlineExceeded)
        #expect(await eventually { service.cancellations.withLockedValue { $0 } == 1 })
        await raw.close()
        await server.shutdown()
    }

    @Test func eachCallExpiresAtItsOwnDeadlineOnOneConnection() async throws {
        // The server keeps one deadline timer per connection: a later call with an earlier
        // deadline must re-arm it, and a call finishing must not disturb the others.
        let service = MisbehavingService()
        let (server, endpoint) = try await startServer(services: [service])
        let raw = try await RawConnection(to: endpoint)
        try await raw.sendPreface()
        var slow = Luma_Examples_V1_EchoRequest()
        slow.text = "5000"
        let sleep = MisbehavingService.sleep.descriptor.fullName
        let started = ContinuousClock.now
        try await raw.send(requestFrame(id: 1, method: sleep, payload: try slow.serializedData(), timeoutMicros: 1_500_000))
        try await raw.send(requestFrame(id: 2, method: sleep, payload: try slow.serializedData(), timeoutMicros: 200_000))
        var quick = Luma_Examples_V1_EchoRequest()
        quick.text = "10"
        try await raw.send(requestFrame(id: 3, method: sleep, payload: try quick.serializedData(), timeoutMicros: 1_000_000))

        let quickAnswer = try await raw.waitForFrame { $0.response.callID == 3 }
        #expect(quickAnswer?.response.status.code == .ok)
        let early = try await raw.waitForFrame { $0.response.callID == 2 }
        #expect(early?.response.status.code == .deadlineExceeded)
        let late = try await raw.waitForFrame { $0.response.callID == 1 }
        #expect(late?.response.status.code == .deadlineExceeded)
        #expect(ContinuousClock.now - started >= .milliseconds(1_500))
        // The 200 ms call did not wait for the 1.5 s timer: its answer came first. (Order, not
        // elapsed time, so a loaded machine cannot fail it; the exact times are checked on
        // virtual time in ServerConnectionHandlerTests.)
        let answered = try raw.frames().map(\.response.callID).filter { $0 == 1 || $0 == 2 }
        #expect(answered == [2, 1])
        #expect(await eventually { service.cancellations.withLockedValue { $0 } == 2 })
        await raw.close()
        await server.shutdown()
    }

    @Test func cancelFrameCancelsTheHandler() async throws {
        let service = MisbehavingService()
        let (server, endpoint) = try await startServer(services: [service])
        let raw = try await RawConnection(to: endpoint)
        try await raw.sendPreface()
        var request = Luma_Examples_V1_EchoRequest()
        request.text = "10000"
        try await raw.send(requestFrame(id: 3, method: MisbehavingService.sleep.descriptor.fullName, payload: try request.serializedData()))
        #expect(await eventually { service.started.withLockedValue { $0 } == 1 })
        var cancel = Luma_Rpc_V1_Frame()
        cancel.cancel.callID = 3
        try await raw.send(cancel)
        let response = try await raw.waitForFrame { $0.response.callID == 3 }
        #expect(response?.response.status.code == .cancelled)
        #expect(await eventually { service.cancellations.withLockedValue { $0 } == 1 })
        await raw.close()
        await server.shutdown()
    }

    @Test func clientTaskCancellationSendsACancelFrame() async throws {
        let service = MisbehavingService()
        try await withServerAndClient(services: [service]) { _, client in
            var request = Luma_Examples_V1_EchoRequest()
            request.text = "10000"
            let call = Task { try await client.call(MisbehavingService.sleep, request) }
            #expect(await eventually { service.started.withLockedValue { $0 } == 1 })
            call.cancel()
            let result = await call.result
            #expect((try? result.get()) == nil)
            #expect((result.failureValue as? RPCError)?.code == .cancelled)
            #expect(await eventually { service.cancellations.withLockedValue { $0 } == 1 })
        }
    }

    @Test func unknownMethodIsUnimplemented() async throws {
        try await withServerAndClient { _, client in
            let method = RPCMethodDescriptor(service: "luma.nothing.v1.Nope", method: "Missing",
                                             inputType: "x", outputType: "y", idempotency: .unknown)
            let error = await #expect(throws: RPCError.self) { try await client.call(method, payload: Data()) }
            #expect(error?.code == .unimplemented)
            #expect(error?.message == "unknown method 'luma.nothing.v1.Nope/Missing'")
            #expect(error?.field == "method")
        }
    }

    @Test func aThrowingHandlerBecomesInternalWithoutLeakingDetails() async throws {
        try await withServerAndClient { _, client in
            let error = await #expect(throws: RPCError.self) {
                try await client.call(MisbehavingService.fail, Luma_Examples_V1_EchoRequest())
            }
            #expect(error?.code == .internalError)
            #expect(error?.message.contains("secret") == false)
            #expect(error?.message.hasPrefix("internal error (call id ") == true)
        }
    }

    @Test func anRPCErrorKeepsItsCodeMessageFieldAndOrigin() async throws {
        try await withServerAndClient { _, client in
            var request = Luma_Examples_V1_EchoRequest()
            request.text = "that"
            let error = await #expect(throws: RPCError.self) { try await client.call(MisbehavingService.failWithStatus, request) }
            #expect(error == RPCError(.failedPrecondition, "cannot do that", field: "text"))
            request.text = "relay"
            let relayed = await #expect(throws: RPCError.self) { try await client.call(MisbehavingService.failWithStatus, request) }
            #expect(relayed == RPCError(.unavailable, "a peer is unreachable", origin: "peer-service"))
        }
    }

    @Test func malformedRequestPayloadIsInvalidArgument() async throws {
        try await withServerAndClient { _, client in
            let error = await #expect(throws: RPCError.self) {
                try await client.call(echo.descriptor, payload: Data([0xFF, 0xFF, 0xFF]))
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.field == "payload")
        }
    }

    @Test func callsBeyondTheInFlightCapGetResourceExhausted() async throws {
        try await withServerAndClient(configure: { $0.limits.maxConcurrentCalls = 4 }) { _, client in
            let slow = Luma_Examples_V1_EchoRequest.with { $0.text = "1000" }
            let outcomes = await withTaskGroup(of: RPCStatusCode.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        do { _ = try await client.call(MisbehavingService.sleep, slow); return .ok }
                        catch { return (error as? RPCError)?.code ?? .unknown }
                    }
                }
                return await group.reduce(into: [RPCStatusCode]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .ok }.count == 4)
            #expect(outcomes.filter { $0 == .resourceExhausted }.count == 6)
        }
    }

    @Test func fourGiBDeclaredLengthIsRefusedWithoutAllocatingIt() async throws {
        let (server, endpoint) = try await startServer()
        let before = residentMemoryBytes()
        let raw = try await RawConnection(to: endpoint)
        try await raw.send(ConnectionPreface.bytes + [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(await raw.waitForClose())
        let goAway = try raw.frames().first { $0.goaway.status.code != .ok }
        #expect(goAway?.goaway.status.code == .resourceExhausted)
        #expect(goAway?.goaway.status.message.contains("4294967295") == true)
        #expect(residentMemoryBytes() - before < 64 * 1024 * 1024)
        await server.shutdown()
    }

    @Test(arguments: ["GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", "\u{0}\u{1}garbage"])
    func wrongPrefaceIsAnsweredAndClosed(input: String) async throws {
        let (server, endpoint) = try await startServer()
        let raw = try await RawConnection(to: endpoint)
        try await raw.send(Array(input.utf8))
        #expect(await raw.waitForClose(timeout: .seconds(2)))
        let goAway = try raw.frames().first
        #expect(goAway?.goaway.status.code == .invalidArgument)
        #expect(goAway?.goaway.status.message.contains("bad connection preface") == true)
        await server.shutdown()
    }

    @Test func pingIsAnsweredWithPong() async throws {
        let (server, endpoint) = try await startServer()
        let raw = try await RawConnection(to: endpoint)
        try await raw.sendPreface()
        var ping = Luma_Rpc_V1_Frame()
        ping.ping.nonce = 0xDEAD_BEEF
        try await raw.send(ping)
        let pong = try await raw.waitForFrame { if case .pong = $0.kind { true } else { false } }
        #expect(pong?.pong.nonce == 0xDEAD_BEEF)
        await raw.close()
        await server.shutdown()
    }

    @Test func idleConnectionsAreClosed() async throws {
        let (server, endpoint) = try await startServer(configure: { $0.limits.idleTimeout = .milliseconds(300) })
        let raw = try await RawConnection(to: endpoint)
        // On a loaded machine the 300 ms may pass before the preface is sent: the connection is
        // then closed as idle all the same.
        try? await raw.sendPreface()
        #expect(await raw.waitForClose(timeout: .seconds(3)))
        #expect(try raw.frames().last?.goaway.status.message == "idle timeout")
        await server.shutdown()
    }

    @Test func peerStalledMidFrameIsClosed() async throws {
        let (server, endpoint) = try await startServer(configure: { $0.limits.stallTimeout = .milliseconds(300) })
        let raw = try await RawConnection(to: endpoint)
        // 3 of 100 bytes. (On a loaded machine the 300 ms may pass before they are sent: then the
        // missing preface is what closes it.)
        try? await raw.send(ConnectionPreface.bytes + [0, 0, 0, 100, 1, 2, 3])
        #expect(await raw.waitForClose(timeout: .seconds(3)))
        let reason = try raw.frames().last?.goaway.status
        #expect(reason?.code == .deadlineExceeded)
        #expect(["in the middle of a frame", "no connection preface"].contains { reason?.message.contains($0) == true },
                "\(String(describing: reason))")
        await server.shutdown()
    }

    @Test func duplicateCallIDIsAProtocolViolation() async throws {
        let (server, endpoint) = try await startServer()
        let raw = try await RawConnection(to: endpoint)
        try await raw.sendPreface()
        var request = Luma_Examples_V1_EchoRequest()
        request.text = "2000"
        let payload = try request.serializedData()
        try await raw.send(requestFrame(id: 9, method: MisbehavingService.sleep.descriptor.fullName, payload: payload))
        try await raw.send(requestFrame(id: 9, method: MisbehavingService.sleep.descriptor.fullName, payload: payload))
        #expect(await raw.waitForClose())
        #expect(try raw.frames().contains { $0.goaway.status.message.contains("already in flight") })
        await server.shutdown()
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// Shutdown with thousands of requests pipelined on one connection, over a real socket: every
/// request is either answered or provably not run (its id is above the GoAway's last_call_id),
/// and the connection ends with FIN after the answers, not with RST before them.
@Suite("Graceful shutdown with pipelined requests")
struct PipelinedShutdownTests {
    @Test func everyRequestIsAnsweredOrKnownNotToHaveRun() async throws {
        let (server, endpoint) = try await startServer()
        let raw = try await RawConnection(to: endpoint)
        var bytes = ConnectionPreface.bytes
        let count = 3000
        for id in 1...count {
            var frame = Luma_Rpc_V1_Frame()
            frame.request.callID = UInt64(id)
            frame.request.method = Luma_Examples_V1_EchoService.Method.echo.descriptor.fullName
            frame.request.payload = try Luma_Examples_V1_EchoRequest.with { $0.text = "r\(id)" }.serializedData()
            bytes += Array(buffer: try FrameEncoder.encode(frame))
        }
        let send = Task { try await raw.send(bytes) }
        // Shut down while the requests are still arriving.
        _ = try await raw.waitForFrame { if case .response = $0.kind { true } else { false } }
        await server.shutdown()
        try await send.value
        #expect(await raw.waitForClose(timeout: .seconds(20)))

        let frames = try raw.frames()
        let away = try #require(frames.compactMap { frame -> Luma_Rpc_V1_GoAway? in
            if case .goaway(let goAway) = frame.kind { return goAway } else { return nil }
        }.first)
        var answered: [UInt64: Luma_Rpc_V1_Response] = [:]
        for frame in frames { if case .response(let response) = frame.kind { answered[response.callID] = response } }
        #expect(away.lastCallID >= 1 && away.lastCallID <= UInt64(count))
        for id in 1...UInt64(count) {
            if id <= away.lastCallID {
                #expect(answered[id]?.status.code == .ok, "call \(id) was accepted but not answered")
            } else if let response = answered[id] {
                #expect(response.status.code == .unavailable && response.status.message.contains("was not run"), "call \(id)")
            }
        }
    }
}
