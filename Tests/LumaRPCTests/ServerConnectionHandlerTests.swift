import Foundation
import Logging
import LumaEcho
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing
@testable import LumaRPC
@testable import LumaRPCNIO

/// The server connection handler on an NIOAsyncTestingChannel: every timing rule and every
/// GoAway, in virtual time (the test moves the loop's clock), with no socket and no sleep.
@Suite("Server connection handler (virtual time)")
struct ServerConnectionHandlerTests {
    /// Records close(mode:) so a half-close can be seen (the testing channel would close fully).
    /// Also counts the reads that reach the channel (what back-pressure withholds).
    final class CloseRecorder: ChannelOutboundHandler, Sendable {
        typealias OutboundIn = NIOAny
        let modes = NIOLockedValueBox<[CloseMode]>([])
        let reads = NIOLockedValueBox(0)
        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            modes.withLockedValue { $0.append(mode) }
            if mode == .output { promise?.succeed(()) } else { context.close(mode: mode, promise: promise) }
        }
        func read(context: ChannelHandlerContext) {
            reads.withLockedValue { $0 += 1 }
            context.read()
        }
    }

    struct Connection {
        let loop: NIOAsyncTestingEventLoop
        let channel: NIOAsyncTestingChannel
        let service: GatedService
        let closes: CloseRecorder

        /// The buffers the server wrote, one per channel write (its preface skipped).
        func writtenBuffers() async throws -> [ByteBuffer] {
            var buffers: [ByteBuffer] = []
            while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
                if buffer.readableBytes == 0 { continue }
                if buffer.readableBytes == ConnectionPreface.length, buffer.getBytes(at: buffer.readerIndex, length: 4) == ConnectionPreface.magic { continue }
                buffers.append(buffer)
            }
            return buffers
        }

        /// The frames of one written buffer, decoded.
        static func frames(in buffer: ByteBuffer) throws -> [Luma_Rpc_V1_Frame] {
            var buffer = buffer
            var frames: [Luma_Rpc_V1_Frame] = []
            while let length = buffer.readInteger(as: UInt32.self) {
                frames.append(try FrameEncoder.decode(buffer.readSlice(length: Int(length))!))
            }
            return frames
        }

        /// Frames the server wrote, decoded (its preface skipped).
        func written() async throws -> [Luma_Rpc_V1_Frame] {
            try await writtenBuffers().flatMap(Self.frames)
        }

        /// Waits for the server's next frame (the handler may answer from another task).
        func next() async throws -> Luma_Rpc_V1_Frame {
            while true {
                var buffer = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
                if buffer.readableBytes == ConnectionPreface.length, buffer.getBytes(at: 0, length: 4) == ConnectionPreface.magic { continue }
                guard buffer.readableBytes >= 4 else { continue }
                let length = Int(buffer.readInteger(as: UInt32.self)!)
                return try FrameEncoder.decode(buffer.readSlice(length: length)!)
            }
        }

        func send(_ bytes: [UInt8]) async throws {
            try await channel.writeInbound(ByteBuffer(bytes: bytes))
        }

        func send(_ frame: Luma_Rpc_V1_Frame) async throws {
            try await channel.writeInbound(try FrameEncoder.encode(frame))
        }

        func sendPreface() async throws { try await send(ConnectionPreface.bytes) }

        func advance(_ amount: TimeAmount) async { await loop.advanceTime(by: amount) }
    }

    static func limits() -> RPCConnectionLimits {
        var limits = RPCConnectionLimits()
        limits.maxFrameSize = 1000
        limits.stallTimeout = .seconds(10)
        limits.frameTimeout = .seconds(30)
        limits.idleTimeout = .seconds(300)
        limits.lingerTimeout = .seconds(2)
        return limits
    }

    func connection(limits: RPCConnectionLimits = limits()) async throws -> Connection {
        let loop = NIOAsyncTestingEventLoop()
        let channel = NIOAsyncTestingChannel(loop: loop)
        let service = GatedService()
        let closes = CloseRecorder()
        let router = RPCRouter(providers: [service, EchoService()], interceptors: [])
        try await loop.executeInContext {
            try channel.pipeline.syncOperations.addHandler(closes)
            // The pipeline the TCP transport builds.
            try NIOServerTransport.configureConnection(channel, handler: ServerConnectionHandler(
                methods: ServerMethodTable(router: router), limits: limits, runHandlersOnEventLoop: false, logger: Logger(label: "test")))
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000))
        return Connection(loop: loop, channel: channel, service: service, closes: closes)
    }

    func request(_ id: UInt64, _ method: RPCMethod<Luma_Examples_V1_EchoRequest, Luma_Examples_V1_EchoResponse>,
                 _ text: String = "", timeoutMicros: UInt64 = 0) throws -> Luma_Rpc_V1_Frame {
        var frame = Luma_Rpc_V1_Frame()
        frame.request.callID = id
        frame.request.method = method.descriptor.fullName
        frame.request.timeoutMicros = timeoutMicros
        frame.request.payload = try Luma_Examples_V1_EchoRequest.with { $0.text = text }.serializedData()
        return frame
    }

    func goAway(_ frames: [Luma_Rpc_V1_Frame]) -> Luma_Rpc_V1_GoAway? {
        frames.compactMap { frame -> Luma_Rpc_V1_GoAway? in if case .goaway(let goAway) = frame.kind { return goAway } else { return nil } }.first
    }

    func response(_ frame: Luma_Rpc_V1_Frame) -> Luma_Rpc_V1_Response? {
        if case .response(let response) = frame.kind { return response } else { return nil }
    }

    /// Waits until the Hold handler holds `count` calls (it runs on another executor).
    func holding(_ connection: Connection, _ count: Int) async {
        await connection.service.waitUntilHolding(count)
    }

    // MARK: Timing rules

    @Test func aSilentConnectionIsClosedForItsMissingPreface() async throws {
        let connection = try await connection()
        await connection.advance(.seconds(9))
        #expect(try await connection.written().isEmpty && connection.channel.isActive)
        await connection.advance(.seconds(1))
        let away = try #require(goAway(try await connection.written()))
        #expect(away.status.code == .deadlineExceeded && away.status.message == "no connection preface received within 10000 ms")
        #expect(!connection.channel.isActive)
    }

    @Test func aTricklingPeerIsClosedAfterTheFrameTimeout() async throws {
        let connection = try await connection()
        try await connection.sendPreface()
        // A frame that declares 100 bytes, then one byte every 5 s: never stalled, never whole.
        try await connection.send([0, 0, 0, 100])
        for _ in 0..<5 {
            await connection.advance(.seconds(5))
            try await connection.send([0x0A])
        }
        #expect(connection.channel.isActive)
        await connection.advance(.seconds(5))
        let away = try #require(goAway(try await connection.written()))
        #expect(away.status.code == .deadlineExceeded && away.status.message.contains("no frame completed within 30000 ms"))
        #expect(!connection.channel.isActive)
    }

    @Test func aPeerStalledMidFrameIsClosed() async throws {
        let connection = try await connection()
        try await connection.sendPreface()
        try await connection.send([0, 0, 0, 50, 1, 2])
        await connection.advance(.seconds(9))
        #expect(connection.channel.isActive)
        await connection.advance(.seconds(1))
        let away = try #require(goAway(try await connection.written()))
        #expect(away.status.message == "no bytes for 10000 ms in the middle of a frame")
    }

    @Test func anIdleConnectionIsClosedButNotWhileACallRuns() async throws {
        let connection = try await connection()
        try await connection.sendPreface()
        try await connection.send(try request(1, GatedService.hold))
        await holding(connection, 1)
        await connection.advance(.seconds(600))
        #expect(connection.channel.isActive)
        connection.service.releaseAll()
        let answer = try await connection.next()
        #expect(response(answer)?.callID == 1)
        await connection.advance(.seconds(299))
        #expect(connection.channel.isActive)
        await connection.advance(.seconds(1))
        let away = try #require(goAway(try await connection.written()))
        #expect(away.status.code == .ok && away.status.message == "idle timeout")
        #expect(!connection.channel.isActive)
    }

    @Test func aCallIsAnsweredDeadlineExceededAtItsDeadlineAndItsHandlerCancelled() async throws {
        let connection = try await connection()
        try await connection.sendPreface()
        try await connection.send(try request(1, GatedService.hold, timeoutMicros: 3_000_000))
        await holding(connection, 1)
        await connection.advance(.milliseconds(2999))
        #expect(try await connection.written().isEmpty)
        await connection.advance(.milliseconds(1))
        let answer = try #require(response(try await connection.next()))
        #expect(answer.callID == 1 && answer.status.code == .deadlineExceeded)
        await connection.service.waitForCancellation()
    }

    // MARK: Graceful drain

    @Test func drainingAnswersWhatItAcceptedRefusesTheRestThenHalfClosesAndLingers() async throws {
        let connection = try await connection()
        try await connection.sendPreface()
        try await connection.send(try request(1, GatedService.hold, "a"))
        await holding(connection, 1)
        try await connection.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        let away = try #require(goAway([try await connection.next()]))
        #expect(away.status.code == .ok && away.lastCallID == 1)
        // A request read after the GoAway is answered, not run.
        try await connection.send(try request(2, GatedService.hold, "b"))
        let refused = try #require(response(try await connection.next()))
        #expect(refused.callID == 2 && refused.status.code == .unavailable && refused.status.message.contains("was not run"))
        #expect(connection.service.holding == 1)
        // The accepted call finishes and is answered; then FIN (output half-closed), not RST.
        connection.service.releaseAll()
        let done = try #require(response(try await connection.next()))
        #expect(done.callID == 1 && done.status.code == .ok)
        while connection.closes.modes.withLockedValue({ $0 }).isEmpty { await connection.loop.run() }
        #expect(connection.closes.modes.withLockedValue { $0 } == [.output])
        #expect(connection.channel.isActive)
        await connection.advance(.seconds(2))
        #expect(!connection.channel.isActive)
    }

    // MARK: Every GoAway

    @Test(arguments: [
        ("bad preface", Array("GET / HTTP/1.1\r\n".utf8), Luma_Rpc_V1_Code.invalidArgument, "received 'GET / HTTP/1.1\\x0d\\x0a' instead"),
        ("other version", ConnectionPreface.magic + [0, 9, 0, 0], .unimplemented, "unsupported protocol version 9"),
        ("oversized frame", ConnectionPreface.bytes + [0, 0, 0x03, 0xE9], .resourceExhausted, "frame of 1001 bytes exceeds the maximum frame size of 1000 bytes"),
        ("frame with no kind", ConnectionPreface.bytes + [0, 0, 0, 0], .invalidArgument, "frame has no kind set"),
        ("garbage frame", ConnectionPreface.bytes + [0, 0, 0, 2, 0xFF, 0xFF], .invalidArgument, "malformed frame"),
    ])
    func aProtocolErrorGetsAGoAwayAndTheConnectionCloses(_ name: String, bytes: [UInt8], code: Luma_Rpc_V1_Code, message: String) async throws {
        let connection = try await connection()
        try await connection.send(bytes)
        let away = try #require(goAway(try await connection.written()), "\(name)")
        #expect(away.status.code == code, "\(name)")
        #expect(away.status.message.contains(message), "\(name): \(away.status.message)")
        await connection.loop.run()
        #expect(!connection.channel.isActive, "\(name)")
    }

    @Test func frameLevelViolationsGetAGoAwayWithTheLastAcceptedCall() async throws {
        var response = Luma_Rpc_V1_Frame()
        response.response.callID = 1
        let cases: [(String, [Luma_Rpc_V1_Frame], String)] = [
            ("response from a client", [try request(5, GatedService.hold), response], "a client must not send Response frames"),
            ("call id 0", [try request(5, GatedService.hold), try request(0, GatedService.hold)], "call_id 0 is reserved"),
            ("duplicate call id", [try request(5, GatedService.hold), try request(5, GatedService.hold)], "call_id 5 is already in flight"),
        ]
        for (name, frames, message) in cases {
            let connection = try await connection()
            try await connection.sendPreface()
            for frame in frames { try await connection.send(frame) }
            let away = try #require(goAway(try await connection.written()), "\(name)")
            #expect(away.status.code == .invalidArgument && away.status.message.contains(message), "\(name)")
            #expect(away.lastCallID == 5, "\(name)")
            connection.service.releaseAll()
        }
    }

    // MARK: Back-pressure

    @Test func aConnectionThatCannotWriteStopsReadingUntilItCan() async throws {
        let connection = try await connection()
        try await connection.sendPreface()
        let readsBefore = connection.closes.reads.withLockedValue { $0 }
        connection.channel.isWritable = false
        connection.channel.pipeline.fireChannelWritabilityChanged()
        connection.channel.read()
        await connection.loop.run()
        #expect(connection.closes.reads.withLockedValue { $0 } == readsBefore, "read while the output is full")
        connection.channel.isWritable = true
        connection.channel.pipeline.fireChannelWritabilityChanged()
        await connection.loop.run()
        #expect(connection.closes.reads.withLockedValue { $0 } == readsBefore + 1, "the withheld read goes out once it can write")
    }

    // MARK: The response limit, to the byte

    @Test func aResponseExactlyAtTheFrameLimitIsSentOneByteOverIsRefused() async throws {
        let connection = try await connection()
        try await connection.sendPreface()
        // Find the text length whose response frame is exactly 1000 bytes.
        func frameSize(_ length: Int) throws -> Int {
            var frame = Luma_Rpc_V1_Frame()
            frame.response.callID = 1
            frame.response.payload = try Luma_Examples_V1_EchoResponse.with { $0.text = String(repeating: "x", count: length) }.serializedData()
            return try FrameEncoder.encode(frame).readableBytes - 4
        }
        var length = 900
        while try frameSize(length) < 1000 { length += 1 }
        #expect(try frameSize(length) == 1000)
        try await connection.send(try request(1, GatedService.sized, "\(length)"))
        let fits = try #require(response(try await connection.next()))
        #expect(fits.status.code == .ok && fits.payload.count > 990)
        try await connection.send(try request(2, GatedService.sized, "\(length + 1)"))
        let over = try #require(response(try await connection.next()))
        #expect(over.status.code == .resourceExhausted)
        #expect(over.status.message == "the response frame would be 1001 bytes, over the maximum frame size of 1000 bytes")
    }
}

/// Handlers registered as synchronous (they never suspend) run inside the read, without a
/// task; an interceptor, being async, sends them the usual way.
@Suite("Synchronous handlers")
struct SynchronousHandlerTests {
    @Test func aSynchronousHandlerIsAnsweredWithinTheReadThatDeliveredIt() async throws {
        let harness = ServerConnectionHandlerTests()
        let connection = try await harness.connection()
        try await connection.sendPreface()
        try await connection.send(try harness.request(1, Luma_Examples_V1_EchoService.Method.echo, "in place"))
        // No time advanced: the response is already written. (That it took no task is what the
        // benchmark shows; here the answers of the synchronous path are checked.)
        let frames = try await connection.written()
        let response = try #require(frames.compactMap(harness.response).first)
        #expect(response.callID == 1 && response.status.code == .ok)
        #expect(try Luma_Examples_V1_EchoResponse(serializedBytes: response.payload).text == "in place")
        // A bad payload is still INVALID_ARGUMENT naming it.
        var bad = try harness.request(2, Luma_Examples_V1_EchoService.Method.echo)
        bad.request.payload = Data([0xFF, 0xFF])
        try await connection.send(bad)
        let refused = try #require(try await connection.written().compactMap(harness.response).first)
        #expect(refused.callID == 2 && refused.status.code == .invalidArgument && refused.status.message.contains("payload"))
    }

    struct CountingInterceptor: RPCServerInterceptor {
        let count = NIOLockedValueBox(0)
        func intercept(request: Data, context: RPCServerContext,
                       next: @Sendable (Data, RPCServerContext) async throws -> Data) async throws -> Data {
            count.withLockedValue { $0 += 1 }
            return try await next(request, context)
        }
    }

    @Test func interceptorsStillSeeASynchronousHandlersCalls() async throws {
        let counter = CountingInterceptor()
        let plain = RPCRouter(providers: [EchoService()], interceptors: [])
        let intercepted = RPCRouter(providers: [EchoService()], interceptors: [counter])
        let echo = try #require(plain.handlers[Luma_Examples_V1_EchoService.Method.echo.descriptor.fullName])
        #expect(plain.synchronousBody(echo) != nil)
        #expect(intercepted.synchronousBody(echo) == nil)
        let append = try #require(plain.handlers[Luma_Examples_V1_EchoService.Method.append.descriptor.fullName])
        #expect(plain.synchronousBody(append) == nil)
        let context = RPCServerContext(method: echo.descriptor, callID: 1, metadata: [:], deadline: nil, peer: "test", logger: testLogger)
        let answer = try await intercepted.invoke(echo, payload: try Luma_Examples_V1_EchoRequest.with { $0.text = "x" }.serializedData(),
                                                  context: context)
        #expect(try Luma_Examples_V1_EchoResponse(serializedBytes: answer).text == "x")
        #expect(counter.count.withLockedValue { $0 } == 1)
    }
}

/// The responses a read produces leave as one write (one buffer, one syscall), in order, and
/// nothing overtakes them: a large response or a GoAway goes out after what was batched.
@Suite("Response batching")
struct ResponseBatchingTests {
    let harness = ServerConnectionHandlerTests()

    /// Every buffer the server wrote after its preface, each split into its frames.
    func writes(_ connection: ServerConnectionHandlerTests.Connection) async throws -> [[Luma_Rpc_V1_Frame]] {
        try await connection.writtenBuffers().map(ServerConnectionHandlerTests.Connection.frames)
    }

    /// The frames, sent in one read.
    func sendTogether(_ frames: [Luma_Rpc_V1_Frame], on connection: ServerConnectionHandlerTests.Connection) async throws {
        var bytes = ByteBuffer()
        for frame in frames { bytes.writeImmutableBuffer(try FrameEncoder.encode(frame)) }
        try await connection.channel.writeInbound(bytes)
    }

    func ids(_ frames: [Luma_Rpc_V1_Frame]) -> [UInt64] {
        frames.compactMap { harness.response($0)?.callID }
    }

    @Test func aReadsResponsesLeaveAsOneWriteInCallOrder() async throws {
        let connection = try await harness.connection()
        try await connection.sendPreface()
        let echo = Luma_Examples_V1_EchoService.Method.echo
        try await sendTogether(try (1...5).map { try harness.request($0, echo, "call \($0)") }, on: connection)
        let first = try await writes(connection)
        #expect(first.count == 1)
        #expect(ids(first.flatMap { $0 }) == [1, 2, 3, 4, 5])
        let texts = try first.flatMap { $0 }.compactMap(harness.response).map { try Luma_Examples_V1_EchoResponse(serializedBytes: $0.payload).text }
        #expect(texts == (1...5).map { "call \($0)" })
        // The next read reuses the buffer the channel has written out, and batches again.
        try await sendTogether(try (6...7).map { try harness.request($0, echo) }, on: connection)
        #expect(try await writes(connection).map(ids) == [[6, 7]])
    }

    @Test func whileThePeerHasNotReadABatchTheNextOneIsSizedToItsAnswers() async throws {
        let connection = try await harness.connection()
        try await connection.sendPreface()
        let echo = Luma_Examples_V1_EchoService.Method.echo
        let text = String(repeating: "t", count: 100)
        try await sendTogether(try (1...40).map { try harness.request($0, echo, text) }, on: connection)
        // The channel still holds that batch (nothing read it); one small answer follows.
        try await connection.send(try harness.request(41, echo))
        let buffers = try await connection.writtenBuffers()
        #expect(buffers.count == 2)
        #expect(buffers[0].capacity >= 4096)
        #expect(buffers[1].capacity < 1024, "a small answer cost \(buffers[1].capacity) bytes of buffer")
    }

    @Test func aLargeResponseIsWrittenOnItsOwnAfterWhatWasBatched() async throws {
        var limits = ServerConnectionHandlerTests.limits()
        limits.maxFrameSize = 64 * 1024
        let connection = try await harness.connection(limits: limits)
        try await connection.sendPreface()
        let echo = Luma_Examples_V1_EchoService.Method.echo
        let large = ServerConnectionHandler.largestBatchedFrame + 1
        try await sendTogether([
            try harness.request(1, echo, "small"), try harness.request(2, GatedService.sized, "\(large)"),
            try harness.request(3, echo, "small"),
        ], on: connection)
        let written = try await writes(connection)
        #expect(written.map(ids) == [[1], [2], [3]])
        let body = try #require(harness.response(written[1][0]))
        #expect(try Luma_Examples_V1_EchoResponse(serializedBytes: body.payload).text.count == large)
    }

    @Test func aGoAwayFollowsTheResponsesOfItsRead() async throws {
        let connection = try await harness.connection()
        try await connection.sendPreface()
        let echo = Luma_Examples_V1_EchoService.Method.echo
        try await sendTogether([try harness.request(1, echo), try harness.request(2, echo), try harness.request(0, echo)], on: connection)
        let frames = try await writes(connection).flatMap { $0 }
        #expect(ids(frames) == [1, 2])
        let away = try #require(harness.goAway(frames))
        #expect(frames.last.flatMap { if case .goaway = $0.kind { true } else { nil } } == true)
        #expect(away.lastCallID == 2 && away.status.message.contains("call_id 0 is reserved"))
    }
}
