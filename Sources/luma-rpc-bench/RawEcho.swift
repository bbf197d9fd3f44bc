import NIOCore
import NIOPosix

/// The floor: a raw SwiftNIO server that echoes each length-prefixed frame unchanged, and a
/// client that sends the very bytes a Luma RPC call sends. No protobuf, no dispatch, no tasks
/// on the server: what the wire and NIO cost by themselves.
enum RawEcho {
    final class ServerHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        private var pending = ByteBuffer()

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            pending.writeBuffer(&bytes)
            while let length = pending.getInteger(at: pending.readerIndex, as: UInt32.self),
                  pending.readableBytes >= 4 + Int(length) {
                let frame = pending.readSlice(length: 4 + Int(length))!
                context.write(wrapOutboundOut(frame), promise: nil)
            }
            pending.discardReadBytes()
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            context.flush()
        }
    }

    /// Matches echoed frames to waiting callers in order (the echo preserves order).
    final class ClientHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        private var pending = ByteBuffer()
        private var waiters = CircularBuffer<EventLoopPromise<Void>>()

        func enqueue(_ promise: EventLoopPromise<Void>) {
            waiters.append(promise)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            pending.writeBuffer(&bytes)
            while let length = pending.getInteger(at: pending.readerIndex, as: UInt32.self),
                  pending.readableBytes >= 4 + Int(length) {
                pending.moveReaderIndex(forwardBy: 4 + Int(length))
                waiters.removeFirst().succeed(())
            }
            pending.discardReadBytes()
        }
    }

    static func startServer(group: any EventLoopGroup) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ServerHandler()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// One connection; `call` writes the frame and awaits its echo.
    final class Client: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<ClientHandler>

        init(port: Int, group: any EventLoopGroup) async throws {
            let channel = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: "127.0.0.1", port: port).get()
            let handler = try await channel.eventLoop.submit {
                let handler = ClientHandler()
                try channel.pipeline.syncOperations.addHandler(handler)
                return NIOLoopBound(handler, eventLoop: channel.eventLoop)
            }.get()
            self.channel = channel
            self.handler = handler
        }

        func call(_ frame: ByteBuffer) async throws {
            let loop = channel.eventLoop
            let promise = loop.makePromise(of: Void.self)
            let handler = self.handler
            let channel = self.channel
            loop.execute {
                handler.value.enqueue(promise)
                channel.writeAndFlush(frame, promise: nil)
            }
            try await promise.futureResult.get()
        }
    }
}
