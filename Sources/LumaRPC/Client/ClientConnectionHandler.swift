import Foundation
import Logging
import NIOCore

/// The client side of one connection: checks the server's preface, routes each Response to
/// its waiting caller by correlation id, answers pings, and notes GoAway.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var parser: FrameParser
    private let pending: PendingCalls
    private let onGoAway: @Sendable (RPCError) -> Void
    private let logger: Logger
    private var goAwayStatus: RPCError?

    init(maxFrameSize: Int, pending: PendingCalls, logger: Logger, onGoAway: @escaping @Sendable (RPCError) -> Void) {
        self.parser = FrameParser(maxFrameSize: maxFrameSize)
        self.pending = pending
        self.logger = logger
        self.onGoAway = onGoAway
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        parser.append(unwrapInboundIn(data))
        do {
            while let body = try parser.nextFrame() {
                handle(try FrameEncoder.decode(body), context: context)
            }
        } catch {
            logger.warning("closing connection: \(error)")
            pending.closeAll(RPCError.unavailable("protocol error from server: \(error)"))
            context.close(promise: nil)
        }
    }

    private func handle(_ frame: Luma_Rpc_V1_Frame, context: ChannelHandlerContext) {
        switch frame.kind {
        case .response(let response):
            if response.status.code == .ok {
                pending.complete(response.callID, with: .success(response.payload))
            } else {
                pending.complete(response.callID, with: .failure(RPCError(response.status)))
            }
        case .ping(let ping):
            var pong = Luma_Rpc_V1_Frame()
            pong.pong.nonce = ping.nonce
            if let buffer = try? FrameEncoder.encode(pong) {
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            }
        case .goaway(let goAway):
            let status = RPCError(goAway.status)
            goAwayStatus = status
            onGoAway(status)
        case .pong, .request, .cancel, .none:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let reason = goAwayStatus.map { "connection closed by server: \($0.message)" } ?? "connection closed"
        pending.closeAll(RPCError.unavailable(reason))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
