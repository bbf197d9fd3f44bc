import Foundation
@testable import LumaRPC
@testable import LumaRPCNIO
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A bare TCP connection for speaking (or violating) the protocol byte by byte.
final class RawConnection: Sendable {
    private let channel: any Channel
    private let received: NIOLockedValueBox<ByteBuffer>

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<ByteBuffer>
        init(_ received: NIOLockedValueBox<ByteBuffer>) { self.received = received }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            received.withLockedValue { _ = $0.writeBuffer(&bytes) }
        }
    }

    init(to endpoint: RPCEndpoint) async throws {
        let received = NIOLockedValueBox(ByteBuffer())
        self.received = received
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(received))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port).get()
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    func sendPreface() async throws {
        try await send(ConnectionPreface.bytes)
    }

    func send(_ frame: Luma_Rpc_V1_Frame) async throws {
        let buffer = try FrameEncoder.encode(frame)
        try await channel.writeAndFlush(buffer)
    }

    /// True once the server has closed the connection (within `timeout`).
    func waitForClose(timeout: Duration = .seconds(5)) async -> Bool {
        await eventually(timeout: timeout) { !channel.isActive }
    }

    var isOpen: Bool { channel.isActive }

    /// Frames received so far (after the server's preface).
    func frames() throws -> [Luma_Rpc_V1_Frame] {
        var parser = FrameParser(maxFrameSize: 64 * 1024 * 1024)
        parser.append(received.withLockedValue { $0 })
        var frames: [Luma_Rpc_V1_Frame] = []
        while let body = try parser.nextFrame() {
            frames.append(try FrameEncoder.decode(body))
        }
        return frames
    }

    /// Waits for a frame matching `predicate`.
    func waitForFrame(timeout: Duration = .seconds(5), where predicate: (Luma_Rpc_V1_Frame) -> Bool) async throws -> Luma_Rpc_V1_Frame? {
        var found: Luma_Rpc_V1_Frame?
        _ = try await eventually(timeout: timeout) {
            found = try frames().first(where: predicate)
            return found != nil
        }
        return found
    }

    func close() async {
        try? await channel.close()
    }
}

func requestFrame(id: UInt64, method: String, payload: Data = Data(), timeoutMicros: UInt64 = 0) -> Luma_Rpc_V1_Frame {
    var frame = Luma_Rpc_V1_Frame()
    frame.request.callID = id
    frame.request.method = method
    frame.request.payload = payload
    frame.request.timeoutMicros = timeoutMicros
    return frame
}
