import NIOCore

/// Per-connection limits, the same on server and client.
public struct RPCConnectionLimits: Sendable {
    /// Largest frame accepted or sent. A declared length above it closes the connection with
    /// RESOURCE_EXHAUSTED before any buffer of that size is allocated.
    public var maxFrameSize: Int = 4 * 1024 * 1024
    /// Calls in flight on one connection; beyond it a server answers RESOURCE_EXHAUSTED.
    public var maxConcurrentCalls: Int = 1024
    /// A connection with no calls in flight and no frames for this long is closed.
    public var idleTimeout: TimeAmount = .minutes(5)
    /// A peer that starts a frame (or the preface) and sends nothing more for this long is
    /// closed: it is stalled or hostile.
    public var stallTimeout: TimeAmount = .seconds(10)
    /// A frame (or the preface) must complete within this long of its first byte, however
    /// the bytes trickle in (a slowloris sending one byte every few seconds never trips the
    /// stall timeout). Long enough for a maximum-size frame on a slow link.
    public var frameTimeout: TimeAmount = .seconds(30)
    /// After a graceful drain the server half-closes its side (FIN) and keeps reading for at
    /// most this long, so the peer reads every response before the connection closes (closing
    /// with unread input would send RST and could destroy responses still in flight).
    public var lingerTimeout: TimeAmount = .seconds(2)

    public init() {}
}
