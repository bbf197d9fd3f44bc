import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A Luma RPC server: hosts services on one TCP port.
///
/// Every server also serves `luma.rpc.v1.Health` and `luma.rpc.v1.Reflection`.
/// As a swift-service-lifecycle `Service`, `run()` serves until graceful shutdown (SIGTERM /
/// SIGINT through `ServiceGroup`), then stops accepting, sends GoAway on every connection,
/// lets in-flight calls finish within `gracePeriod`, and closes.
public final class RPCServer: Service, Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var limits = RPCConnectionLimits()
        /// How long in-flight calls may run after shutdown begins before they are cancelled.
        public var gracePeriod: TimeAmount = .seconds(10)
        public var interceptors: [any RPCServerInterceptor] = []
        /// Run handlers on the connection's event loop (fewest thread hops, lowest latency).
        /// Turn off for handlers that do CPU-heavy or blocking work without their own queue.
        public var runHandlersOnEventLoop = true

        public init(host: String = "127.0.0.1", port: Int) {
            self.host = host
            self.port = port
        }
    }

    public let configuration: Configuration
    public let health: RPCHealthStatus
    private let router: RPCRouter
    private let group: any EventLoopGroup
    private let logger: Logger
    private let connections = ConnectionTracker()
    private let state = NIOLockedValueBox<State>(.idle)
    private let stopped = StopSignal()

    private enum State {
        case idle
        case serving(any Channel)
        case stopping
        case stopped
    }

    public init(
        configuration: Configuration,
        services: [any RPCServiceProvider],
        logger: Logger = Logger(label: "luma.rpc.server"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        let health = RPCHealthStatus(services: services.map(\.serviceDescriptor.name)
            + [Luma_Rpc_V1_HealthService.descriptor.name, Luma_Rpc_V1_ReflectionService.descriptor.name])
        self.health = health
        let builtIns: [any RPCServiceProvider] = [
            HealthService(status: health),
            ReflectionService(descriptors: services.map(\.serviceDescriptor)),
        ]
        self.router = RPCRouter(providers: services + builtIns, interceptors: configuration.interceptors)
    }

    /// The bound address (useful with port 0). Nil until `start()` returns.
    public var localAddress: SocketAddress? {
        state.withLockedValue { if case .serving(let channel) = $0 { channel.localAddress } else { nil } }
    }

    /// Binds and starts accepting. Returns the bound address.
    @discardableResult
    public func start() async throws -> SocketAddress {
        let router = self.router
        let limits = configuration.limits
        let onEventLoop = configuration.runHandlersOnEventLoop
        let logger = self.logger
        let connections = self.connections
        let channel: any Channel
        do {
            channel = try await bind(router: router, limits: limits, onEventLoop: onEventLoop, logger: logger, connections: connections)
        } catch {
            throw RPCServerError.cannotListen(host: configuration.host, port: configuration.port, underlying: "\(error)")
        }
        state.withLockedValue { $0 = .serving(channel) }
        health.setAll(.serving)
        logger.info("listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")"])
        return channel.localAddress!
    }

    private func bind(
        router: RPCRouter, limits: RPCConnectionLimits, onEventLoop: Bool, logger: Logger, connections: ConnectionTracker
    ) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            // At the file-descriptor limit accept() fails while connections wait in the backlog:
            // pause accepting rather than spin (see AcceptPauseHandler).
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
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ServerConnectionHandler(
                            router: router, limits: limits, runHandlersOnEventLoop: onEventLoop, logger: logger))
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
    }

    /// Graceful shutdown: stop accepting, GoAway to every connection, wait for in-flight calls
    /// up to the grace period, then close whatever is left. Safe to call more than once.
    public func shutdown() async {
        let listener: (any Channel)? = state.withLockedValue { state in
            switch state {
            case .serving(let channel):
                state = .stopping
                return channel
            case .idle:
                state = .stopped
                stopped.signal()
                return nil
            case .stopping, .stopped:
                return nil
            }
        }
        guard let listener else {
            await stopped.wait()
            return
        }
        health.setAll(.notServing)
        try? await listener.close()
        let drained = connections.quiesceAll(on: group.next())
        let grace = group.next().scheduleTask(in: configuration.gracePeriod) {
            self.logger.warning("grace period over: closing connections with calls still in flight")
            self.connections.closeAll()
        }
        try? await drained.get()
        grace.cancel()
        state.withLockedValue { $0 = .stopped }
        logger.info("stopped")
        stopped.signal()
    }

    /// Serves until graceful shutdown or task cancellation.
    public func run() async throws {
        if case .idle = state.withLockedValue({ $0 }) { try await start() }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await stopped.wait()
            } onCancel: {
                Task { await self.shutdown() }
            }
        } onGracefulShutdown: {
            Task { await self.shutdown() }
        }
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
