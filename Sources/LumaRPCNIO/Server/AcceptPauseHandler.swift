#if canImport(Glibc)
import LumaRPC
import Glibc
#endif
import Logging
import NIOCore

/// Pauses accepting for a moment when accept() fails for lack of resources (EMFILE, ENFILE,
/// ENOBUFS, ENOMEM), instead of spinning a core.
///
/// Why not NIO's `AcceptBackoffHandler`: it delays the next `read()`, but when accept() fails
/// before accepting anything, NIO's server channel keeps its read pending and stays registered
/// for readability, so no `read()` ever comes and the loop spins at 100 % while connections wait
/// in the backlog (seen on swift-nio 2.101). Turning `autoRead` off unregisters the listener
/// from the selector; turning it back on after the pause resumes accepting.
final class AcceptPauseHandler: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    private let pause: TimeAmount
    private let logger: Logger
    private var paused = false

    init(pause: TimeAmount = .milliseconds(500), logger: Logger) {
        self.pause = pause
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? IOError, Self.isResourceShortage(error.errnoCode) else {
            return context.fireErrorCaught(error)
        }
        guard !paused, let options = context.channel.syncOptions else { return }
        paused = true
        logger.warning("cannot accept connections: \(error); pausing accepts for \(pause.nanoseconds / 1_000_000) ms")
        try? options.setOption(.autoRead, value: false)
        let channel = NIOLoopBound(context.channel, eventLoop: context.eventLoop)
        let this = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: pause) {
            this.value.paused = false
            try? channel.value.syncOptions?.setOption(.autoRead, value: true)
        }
    }

    static func isResourceShortage(_ code: CInt) -> Bool {
        [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(code)
    }
}
