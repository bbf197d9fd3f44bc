import LumaRPC
import NIOConcurrencyHelpers
import NIOCore

/// The server's open connections, so shutdown can quiesce them all and wait for them to close.
/// (NIOExtras' `ServerQuiescingHelper` does the quiescing part, but has no forced close for
/// the end of the grace period; this is the few lines we need for both.)
final class ConnectionTracker: Sendable {
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLockedValue { $0[id] = channel }
        channel.closeFuture.whenComplete { _ in
            self.channels.withLockedValue { _ = $0.removeValue(forKey: id) }
        }
    }

    /// Asks every connection to drain; the future completes when all have closed.
    func quiesceAll(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let open = channels.withLockedValue { Array($0.values) }
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        return EventLoopFuture.andAllComplete(open.map(\.closeFuture), on: eventLoop)
    }

    func closeAll() {
        for channel in channels.withLockedValue({ Array($0.values) }) {
            channel.close(promise: nil)
        }
    }
}
