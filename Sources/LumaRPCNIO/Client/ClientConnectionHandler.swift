import LumaRPC
import Foundation
import Logging
import NIOCore

/// The client side of one connection, as a thin ChannelHandler: it parses frames, routes each
/// Response to its waiting caller by correlation id, answers pings, and carries out what
/// `ClientConnectionStateMachine` decides about the preface, GoAway and the keepalive.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var parser: FrameParser
    private let pending: PendingCalls
    private let onGoAway: @Sendable (RPCError) -> Void
    private let onUnresponsive: @Sendable (RPCError) -> Void
    private let logger: Logger
    private var state: ClientConnectionStateMachine
    private var unresponsive: RPCError?

    /// Succeeds once the server's preface arrived: until then the peer has not proved it is a
    /// live Luma server (a stopped process still completes TCP handshakes).
    let prefaceReceived: EventLoopPromise<Void>

    private let keepalive: RPCKeepalive
    private var keepaliveTimer: RepeatedTask?

    init(maxFrameSize: Int, pending: PendingCalls, keepalive: RPCKeepalive = RPCKeepalive(), prefaceReceived: EventLoopPromise<Void>,
         logger: Logger, onGoAway: @escaping @Sendable (RPCError) -> Void,
         onUnresponsive: @escaping @Sendable (RPCError) -> Void = { _ in }) {
        self.parser = FrameParser(maxFrameSize: maxFrameSize)
        self.pending = pending
        self.keepalive = keepalive
        self.state = ClientConnectionStateMachine(keepalive: keepalive)
        self.prefaceReceived = prefaceReceived
        self.logger = logger
        self.onGoAway = onGoAway
        self.onUnresponsive = onUnresponsive
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startKeepalive(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startKeepalive(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopKeepalive()
        prefaceReceived.fail(RPCError.unavailable("connection closed before the server's preface"))
    }

    private func startKeepalive(context: ChannelHandlerContext) {
        guard keepaliveTimer == nil else { return }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        keepaliveTimer = context.eventLoop.scheduleRepeatedTask(initialDelay: keepalive.interval, delay: keepalive.interval) { _ in
            let (handler, context) = bound.value
            handler.keepaliveTick(context: context)
        }
    }

    private func stopKeepalive() {
        keepaliveTimer?.cancel()
        keepaliveTimer = nil
    }

    /// One tick of the keepalive rule (see `RPCKeepalive`).
    private func keepaliveTick(context: ChannelHandlerContext) {
        switch state.tick(callsInFlight: pending.count) {
        case .nothing:
            break
        case .sendPing(let nonce):
            var frame = Luma_Rpc_V1_Frame()
            frame.ping.nonce = nonce
            if let buffer = try? FrameEncoder.encode(frame) {
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            }
        case .closeUnresponsive:
            closeUnresponsive(context: context)
        }
    }

    private func closeUnresponsive(context: ChannelHandlerContext) {
        let milliseconds = keepalive.timeout.nanoseconds / 1_000_000
        let address = context.channel.remoteAddress.map { "\($0)" } ?? "the server"
        let error = RPCError.unavailable(
            "\(address) stopped answering: no reply to a keepalive ping within \(milliseconds) ms; calls in flight on it may or may not have run")
        unresponsive = error
        stopKeepalive()
        onUnresponsive(error)
        pending.closeAll(error)
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        state.bytesRead()
        parser.append(unwrapInboundIn(data))
        do {
            while let body = try parser.nextFrame() {
                handle(try FrameEncoder.decode(body), context: context)
            }
            if parser.state == .frames && state.prefaceCompleted() {
                prefaceReceived.succeed(())
            }
        } catch {
            if parser.state == .frames {
                logger.warning("closing connection: \(error)")
            } else {
                // No Luma preface: the connection never started; `RPCConnection.connect` says why.
                logger.debug("closing connection: \(error)")
                prefaceReceived.fail(error)
            }
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
        case .pong(let pong):
            state.pong(nonce: pong.nonce)
        case .goaway(let goAway):
            let status = RPCError(goAway.status)
            state.goAwayReceived(status, lastCallID: goAway.lastCallID)
            onGoAway(status)
            pending.failNotRun(above: goAway.lastCallID, RPCError.unavailable(
                "the server is going away (\(status.message)) and did not run this call; it may be sent elsewhere"))
        case .request, .cancel, .none:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopKeepalive()
        prefaceReceived.fail(RPCError.unavailable("connection closed before the server's preface"))
        let reason = state.goAway.map { "connection closed by server: \($0.status.message)" } ?? "connection closed"
        pending.closeAll(unresponsive ?? RPCError.unavailable(reason))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        // Before the preface this is why the connection failed (a TLS handshake refused, say):
        // `RPCConnection.connect` words it.
        prefaceReceived.fail(error)
        context.close(promise: nil)
    }
}
