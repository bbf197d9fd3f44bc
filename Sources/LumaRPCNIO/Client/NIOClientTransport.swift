import Logging
import LumaRPC
import NIOCore
import NIOPosix

/// Luma RPC over TCP for `RPCClient`: one `RPCConnection` per endpoint, with the client's
/// limits, connect timeout and keepalive.
public struct NIOClientTransport: RPCClientTransport {
    let limits: RPCConnectionLimits
    let connectTimeout: TimeAmount
    let keepalive: RPCKeepalive
    /// TLS on every connection (nil: plain TCP).
    let tls: RPCTLSContext?
    let group: any EventLoopGroup
    let logger: Logger

    public init(configuration: RPCClient.Configuration, tls: RPCTLSContext? = nil,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "luma.rpc.client")) {
        self.tls = tls
        self.limits = configuration.limits
        self.connectTimeout = configuration.connectTimeout
        self.keepalive = configuration.keepalive
        self.group = group
        self.logger = logger
    }

    public func connect(to endpoint: RPCEndpoint) async throws -> any RPCClientConnection {
        try await RPCConnection.connect(
            to: endpoint, limits: limits, connectTimeout: connectTimeout, keepalive: keepalive, tls: tls, group: group, logger: logger)
    }
}

extension RPCClient {
    /// A client over TCP (the usual one); with `tls`, over TLS to every endpoint.
    public convenience init(
        endpoints: [RPCEndpoint], configuration: Configuration = Configuration(), tls: RPCTLSContext? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger = Logger(label: "luma.rpc.client")
    ) {
        self.init(endpoints: endpoints, configuration: configuration,
                  transport: NIOClientTransport(configuration: configuration, tls: tls, group: group, logger: logger), logger: logger)
    }

    public convenience init(endpoint: RPCEndpoint, configuration: Configuration = Configuration()) {
        self.init(endpoints: [endpoint], configuration: configuration)
    }
}
