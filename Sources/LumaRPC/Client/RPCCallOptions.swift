import NIOCore

/// Per-call settings.
public struct RPCCallOptions: Sendable {
    /// How long the caller waits. Inside a server handler the effective deadline is the earlier
    /// of this and the handler's own deadline. Nil uses the client's default timeout.
    public var timeout: TimeAmount?
    /// Extra request metadata. "trace-id" is filled in from the enclosing call when absent.
    public var metadata: [String: String]

    public init(timeout: TimeAmount? = nil, metadata: [String: String] = [:]) {
        self.timeout = timeout
        self.metadata = metadata
    }
}
