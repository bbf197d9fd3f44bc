import LumaRPC
import Foundation
import Logging
import NIOCore

/// The client side of one connection: checks the server's preface (and tells `prefaceReceived`),
/// routes each Response to its waiting caller by correlation id, answers pings, notes GoAway,
/// and runs the keepalive (`RPCKeepalive`): a server that stops answering is closed on.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var parser: FrameParser
    private let pending: PendingCalls
    private let onGoAway: @Sendable (RPCError) -> Void
    private let onUnresponsive: @Sendable (RPCError) -> Void
    private let logger: Logger
    private var goAwayStatus: RPCError?
    private var unresponsive: RPCError?

    /// Succeeds once the server's preface arrived: until then the peer has not proved it is a
    /// live Luma server (a stopped process still completes TCP handshakes).
    let prefaceReceived: EventLoopPromise<Void>

    private let keepalive: RPCKeepalive
    private var keepaliveTimer: RepeatedTask?
    /// Something arrived from the server since the last tick.
    private var readSinceTick = false
    /// The nonce of the unanswered Ping and the ticks it has waited.
    private var outstandingPing: (nonce: UInt64, ticks: Int)?
    private var nextNonce: UInt64 = 1
    private var prefaceSeen = false

    init(maxFrameSize: Int, pending: PendingCalls, keepalive: RPCKeepalive = RPCKeepalive(), prefaceReceived: EventLoopPromise<Void>,
         logger: Logger, onGoAway: @escaping @Sendable (RPCError) -> Void,
         onUnresponsive: @escaping @Sendable (RPCError) -> Void = { _ in }) {
        self.parser = FrameParser(maxFrameSize: maxFrameSize)
        self.pending = pending
        self.keepalive = keepalive
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
        defer { readSinceTick = false }
        if readSinceTick {
            outstandingPing = nil
            return
        }
        if var ping = outstandingPing {
            ping.ticks += 1
            outstandingPing = ping
            if ping.ticks >= keepalive.ticksToWait { closeUnresponsive(context: context) }
            return
        }
        guard pending.count > 0 else { return }
        let nonce = nextNonce
        nextNonce &+= 1
        outstandingPing = (nonce, 0)
        var frame = Luma_Rpc_V1_Frame()
        frame.ping.nonce = nonce
        if let buffer = try? FrameEncoder.encode(frame) {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
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
        readSinceTick = true
        parser.append(unwrapInboundIn(data))
        do {
            while let body = try parser.nextFrame() {
                handle(try FrameEncoder.decode(body), context: context)
            }
            if !prefaceSeen && parser.state == .frames {
                prefaceSeen = true
                prefaceReceived.succeed(())
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
        case .pong(let pong):
            if outstandingPing?.nonce == pong.nonce { outstandingPing = nil }
        case .goaway(let goAway):
            let status = RPCError(goAway.status)
            goAwayStatus = status
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
        let reason = goAwayStatus.map { "connection closed by server: \($0.message)" } ?? "connection closed"
        pending.closeAll(unresponsive ?? RPCError.unavailable(reason))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
