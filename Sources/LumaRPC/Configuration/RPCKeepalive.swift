import NIOCore

/// Client keepalive, like gRPC's: while calls are waiting and the server has sent nothing for
/// `interval`, the client sends a Ping; a server that answers nothing (no Pong, no other
/// frame) within `timeout` of it is taken for hung (a SIGSTOPped or wedged process keeps its
/// sockets open, so the kernel alone never tells). The connection is then closed, its calls
/// fail with UNAVAILABLE (idempotent ones are retried on another endpoint within their
/// deadline), and the endpoint is ejected until a probe gets an answer again.
///
/// Pings are sent only while calls are in flight, so an idle connection costs nothing. The
/// rule is counted in ticks of `interval` on the connection's event loop (no clock reads), so
/// it is tested on `EmbeddedEventLoop` by advancing virtual time.
public struct RPCKeepalive: Sendable {
    public var interval: TimeAmount = .milliseconds(500)
    public var timeout: TimeAmount = .seconds(2)

    public init() {}

    public init(interval: TimeAmount, timeout: TimeAmount) {
        self.interval = interval
        self.timeout = timeout
    }

    /// Ticks of `interval` a Ping may stay unanswered.
    public var ticksToWait: Int {
        max(1, Int((timeout.nanoseconds + interval.nanoseconds - 1) / max(1, interval.nanoseconds)))
    }
}
