import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing
@testable import LumaRPC
@testable import LumaRPCNIO

/// The client keepalive on an NIOAsyncTestingChannel, in virtual time: no sockets, no sleeps.
@Suite("Client keepalive (virtual time)")
struct ClientKeepaliveTests {
    let keepalive = RPCKeepalive(interval: .seconds(1), timeout: .seconds(2))

    struct Harness {
        let loop: NIOAsyncTestingEventLoop
        let channel: NIOAsyncTestingChannel
        let pending: PendingCalls
        let preface: EventLoopPromise<Void>
        let unresponsive: NIOLockedValueBox<RPCError?>
    }

    func connected() async throws -> Harness {
        let loop = NIOAsyncTestingEventLoop()
        let channel = NIOAsyncTestingChannel(loop: loop)
        let pending = PendingCalls()
        let preface = loop.makePromise(of: Void.self)
        let unresponsive = NIOLockedValueBox<RPCError?>(nil)
        let keepalive = self.keepalive
        try await loop.executeInContext {
            try channel.pipeline.syncOperations.addHandler(ClientConnectionHandler(
                maxFrameSize: 1 << 20, pending: pending, keepalive: keepalive, prefaceReceived: preface,
                logger: Logger(label: "test"), onGoAway: { _ in },
                onUnresponsive: { error in unresponsive.withLockedValue { $0 = error } }))
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7101))
        return Harness(loop: loop, channel: channel, pending: pending, preface: preface, unresponsive: unresponsive)
    }

    /// Registers a waiting call and returns the task awaiting its outcome.
    func waitingCall(_ harness: Harness, id: UInt64 = 1) async -> Task<Result<Data, any Error>, Never> {
        let pending = harness.pending
        let (registered, signal) = AsyncStream<Void>.makeStream()
        let task = Task {
            await Result {
                try await withUnsafeThrowingContinuation { continuation in
                    pending.register(id, method: "luma.test/Wait", deadline: nil, continuation)
                    signal.yield()
                }
            }
        }
        // Suspends (no spinning) until the call is registered.
        for await _ in registered { break }
        return task
    }

    func frames(_ channel: NIOAsyncTestingChannel) async throws -> [Luma_Rpc_V1_Frame] {
        var frames: [Luma_Rpc_V1_Frame] = []
        while var buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            buffer.moveReaderIndex(forwardBy: 4)
            frames.append(try FrameEncoder.decode(buffer))
        }
        return frames
    }

    func serverFrame(_ frame: Luma_Rpc_V1_Frame) throws -> ByteBuffer {
        try FrameEncoder.encode(frame)
    }

    @Test func theServersPrefaceCompletesTheConnect() async throws {
        let harness = try await connected()
        let completed = NIOLockedValueBox(false)
        harness.preface.futureResult.whenSuccess { completed.withLockedValue { $0 = true } }
        try await harness.channel.writeInbound(ByteBuffer(bytes: Array(ConnectionPreface.bytes.prefix(5))))
        #expect(!completed.withLockedValue { $0 })
        try await harness.channel.writeInbound(ByteBuffer(bytes: Array(ConnectionPreface.bytes.dropFirst(5))))
        #expect(completed.withLockedValue { $0 })
    }

    @Test func aSilentServerIsPingedThenClosedOnAndItsCallsFailUnavailable() async throws {
        let harness = try await connected()
        try await harness.channel.writeInbound(ByteBuffer(bytes: ConnectionPreface.bytes))
        let call = await waitingCall(harness)

        // The first tick still sees the preface arrive; the second sees a silent second.
        await harness.loop.advanceTime(by: .seconds(1))
        #expect(try await frames(harness.channel).isEmpty)
        await harness.loop.advanceTime(by: .seconds(1))
        let sent = try await frames(harness.channel)
        #expect(sent.count == 1)
        guard case .ping = sent.first?.kind else { Issue.record("expected a Ping, got \(sent)"); return }

        await harness.loop.advanceTime(by: .seconds(1))
        #expect(harness.channel.isActive)           // 1 s into the 2 s allowed
        await harness.loop.advanceTime(by: .seconds(1))
        #expect(!harness.channel.isActive)
        let error = try #require(harness.unresponsive.withLockedValue { $0 })
        #expect(error.code == .unavailable && error.message.contains("stopped answering"))
        guard case .failure(let failure as RPCError) = await call.value else { Issue.record("the call should fail"); return }
        #expect(failure.code == .unavailable && failure.message.contains("keepalive"))
    }

    @Test func aServerThatAnswersThePingKeepsTheConnection() async throws {
        let harness = try await connected()
        try await harness.channel.writeInbound(ByteBuffer(bytes: ConnectionPreface.bytes))
        let call = await waitingCall(harness)
        for _ in 0..<5 {
            await harness.loop.advanceTime(by: .seconds(1))
            let pings = try await frames(harness.channel).compactMap { frame -> UInt64? in
                if case .ping(let ping) = frame.kind { return ping.nonce } else { return nil }
            }
            var pong = Luma_Rpc_V1_Frame()
            for nonce in pings {
                pong.pong.nonce = nonce
                try await harness.channel.writeInbound(try serverFrame(pong))
            }
        }
        #expect(harness.channel.isActive)
        var response = Luma_Rpc_V1_Frame()
        response.response.callID = 1
        try await harness.channel.writeInbound(try serverFrame(response))
        guard case .success = await call.value else { Issue.record("the call should succeed"); return }
    }

    @Test func anIdleConnectionSendsNoPings() async throws {
        let harness = try await connected()
        try await harness.channel.writeInbound(ByteBuffer(bytes: ConnectionPreface.bytes))
        await harness.loop.advanceTime(by: .seconds(30))
        #expect(try await frames(harness.channel).isEmpty)
        #expect(harness.channel.isActive)
    }

    @Test func anyFrameFromTheServerCountsAsAnAnswer() async throws {
        let harness = try await connected()
        try await harness.channel.writeInbound(ByteBuffer(bytes: ConnectionPreface.bytes))
        _ = await waitingCall(harness, id: 1)
        _ = await waitingCall(harness, id: 2)
        var response = Luma_Rpc_V1_Frame()
        response.response.callID = 2
        for _ in 0..<6 {
            await harness.loop.advanceTime(by: .milliseconds(900))
            try await harness.channel.writeInbound(try serverFrame(response))   // a slow stream of answers
        }
        #expect(harness.channel.isActive)
    }
}
