import Foundation
import Logging
import NIOCore

// What the core asks of a transport. The core (routing, interceptors, deadlines, balancing,
// retries, health, reflection) knows nothing of TCP; `LumaRPCNIO` carries calls over TCP with
// the framing of docs/protocol.md, `LumaRPCInProcess` within one process.

/// Carries calls to one server's router: accepts connections (or their in-process
/// equivalent) and runs each call through `RPCRouter.invoke`.
public protocol RPCServerTransport: Sendable {
    /// Starts accepting calls for `router`. Returns where it listens.
    func listen(router: RPCRouter, logger: Logger) async throws -> RPCListeningAddress
    /// Graceful shutdown: stop accepting, tell every connection to finish what it accepted and
    /// refuse the rest. Returns when every connection has closed.
    func drain() async
    /// The grace period is over: close whatever is still open (its calls are cancelled).
    func closeAll()
}

/// Opens connections for `RPCClient`, one per endpoint, each carrying many calls at once.
public protocol RPCClientTransport: Sendable {
    func connect(to endpoint: RPCEndpoint) async throws -> any RPCClientConnection
}

/// One multiplexed connection to one endpoint.
public protocol RPCClientConnection: AnyObject, Sendable {
    /// Can take new calls (open, and not told to go away).
    var isUsable: Bool { get }
    /// Sends one call and awaits its response payload. Throws `RPCError`, or `RPCCallNotRun`
    /// when the server certainly did not run it (the client may then send it elsewhere).
    func send(method: String, payload: Data, metadata: [String: String], deadline: NIODeadline?) async throws -> Data
    /// Runs `body` once the connection has closed, with the reason to eject its endpoint (the
    /// server stopped answering), or nil for an ordinary close.
    func whenClosed(_ body: @escaping @Sendable (RPCError?) -> Void)
    func close() async
}

/// A call the server certainly did not run: refused before it was sent, or above the last call
/// id of the server's GoAway. `RPCClient` sends it to another endpoint whatever its idempotency
/// (like a call whose connect failed); other callers see `status`.
public struct RPCCallNotRun: Error, Sendable {
    public let status: RPCError

    public init(status: RPCError) {
        self.status = status
    }
}

/// Where a server listens, as its transport describes it.
public struct RPCListeningAddress: Sendable, CustomStringConvertible {
    public let host: String
    /// The bound port for TCP (useful after listening on port 0); nil for transports without one.
    public let port: Int?

    public init(host: String, port: Int?) {
        self.host = host
        self.port = port
    }

    public var description: String { port.map { "\(host):\($0)" } ?? host }
}

/// What a transport reports about its connections, for metrics: a server's transport calls it
/// as connections open and close and when it refuses a frame over its limit. Every method has a
/// no-op default.
public protocol RPCTransportObserver: Sendable {
    func connectionOpened()
    func connectionClosed()
    /// A frame was refused: `reason` is "too_large", "malformed", "protocol" or "timeout".
    func frameRefused(reason: String)
}

extension RPCTransportObserver {
    public func connectionOpened() {}
    public func connectionClosed() {}
    public func frameRefused(reason: String) {}
}
