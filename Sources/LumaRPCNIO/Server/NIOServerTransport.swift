import Logging
import LumaRPC
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// Luma RPC over TCP for `RPCServer`: a listening socket, and a `ServerConnectionHandler` per
/// connection.
public final class NIOServerTransport: RPCServerTransport {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var limits = RPCConnectionLimits()
        /// Run handlers on the connection's event loop (fewest thread hops, lowest latency).
        /// Turn off for handlers that do CPU-heavy or blocking work without their own queue.
        public var runHandlersOnEventLoop = true
        /// Told about connections and refused frames (metrics).
        public var observer: (any RPCTransportObserver)?
        /// TLS on every connection (nil: plain TCP). With a client CA, mutual: a client without
        /// a certificate from it is refused during the handshake; plain text is refused always.
        public var tls: RPCTLSContext?

        public init(host: String = "127.0.0.1", port: Int) {
            self.host = host
            self.port = port
        }
    }

    public let configuration: Configuration
    private let group: any EventLoopGroup
    private let connections = ConnectionTracker()
    private let listener = NIOLockedValueBox<(any Channel)?>(nil)

    public init(configuration: Configuration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
    }

    public func listen(router: RPCRouter, logger: Logger) async throws -> RPCListeningAddress {
        let limits = configuration.limits
        let onEventLoop = configuration.runHandlersOnEventLoop
        let connections = self.connections
        let observer = configuration.observer
        let tls = configuration.tls
        let methods = ServerMethodTable(router: router)
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                // At the file-descriptor limit accept() fails while connections wait in the
                // backlog: pause accepting rather than spin (see AcceptPauseHandler).
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(AcceptPauseHandler(logger: logger))
                    }
                }
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.maxMessagesPerRead, value: 16)
                .childChannelInitializer { channel in
                    connections.add(channel)
                    if let observer {
                        observer.connectionOpened()
                        channel.closeFuture.whenComplete { _ in observer.connectionClosed() }
                    }
                    return channel.eventLoop.makeCompletedFuture {
                        // The context of the moment: a reload (SIGHUP) applies to new connections.
                        if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.current)) }
                        try Self.configureConnection(channel, handler: ServerConnectionHandler(
                            methods: methods, limits: limits, runHandlersOnEventLoop: onEventLoop, observer: observer, logger: logger))
                    }
                }
                .bind(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            throw RPCServerError.cannotListen(host: configuration.host, port: configuration.port, underlying: "\(error)")
        }
        listener.withLockedValue { $0 = channel }
        return RPCListeningAddress(host: configuration.host, port: channel.localAddress?.port ?? configuration.port)
    }

    /// One connection's pipeline. NIO's `BackPressureHandler` stops reading while the channel
    /// cannot write (its buffered output is above the high-water mark): a peer that sends
    /// requests but does not read the answers is not answered into memory without bound.
    static func configureConnection(_ channel: any Channel, handler: ServerConnectionHandler) throws {
        try channel.pipeline.syncOperations.addHandler(BackPressureHandler())
        try channel.pipeline.syncOperations.addHandler(handler)
    }

    public func drain() async {
        let channel = listener.withLockedValue { $0 }
        try? await channel?.close()
        try? await connections.quiesceAll(on: group.next()).get()
    }

    public func closeAll() {
        connections.closeAll()
    }
}

public enum RPCServerError: Error, CustomStringConvertible {
    case cannotListen(host: String, port: Int, underlying: String)

    public var description: String {
        switch self {
        case .cannotListen(let host, let port, let underlying):
            return "cannot listen on \(host):\(port): \(underlying)"
        }
    }
}

extension RPCServer {
    /// What a TCP server needs: where to listen, its limits, and the core's settings.
    public struct TCPConfiguration: Sendable {
        public var host: String
        public var port: Int
        public var limits = RPCConnectionLimits()
        public var gracePeriod: TimeAmount = .seconds(10)
        public var interceptors: [any RPCServerInterceptor] = []
        public var runHandlersOnEventLoop = true
        public var observer: (any RPCTransportObserver)?
        /// TLS (see `NIOServerTransport.Configuration.tls`); nil: plain TCP.
        public var tls: RPCTLSContext?

        public init(host: String = "127.0.0.1", port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// A server on TCP (the usual one).
    public convenience init(
        configuration: TCPConfiguration, services: [any RPCServiceProvider],
        logger: Logger = Logger(label: "luma.rpc.server"), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        var transport = NIOServerTransport.Configuration(host: configuration.host, port: configuration.port)
        transport.limits = configuration.limits
        transport.runHandlersOnEventLoop = configuration.runHandlersOnEventLoop
        transport.observer = configuration.observer
        transport.tls = configuration.tls
        var core = RPCServer.Configuration()
        core.gracePeriod = configuration.gracePeriod
        core.interceptors = configuration.interceptors
        self.init(transport: NIOServerTransport(configuration: transport, group: group), services: services,
                  configuration: core, logger: logger)
    }
}
