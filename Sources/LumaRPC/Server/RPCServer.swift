import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A Luma RPC server: hosts services on one transport (TCP from LumaRPCNIO, or in-process).
///
/// Every server also serves `luma.rpc.v1.Health` and `luma.rpc.v1.Reflection`. `start()` begins
/// serving; `shutdown()` drains gracefully: the transport stops accepting and tells every
/// connection to finish the calls it accepted, which may run for `gracePeriod` before they are
/// cancelled. (LumaRPCLifecycle runs a server as a swift-service-lifecycle `Service`.)
public final class RPCServer: Sendable {
    public struct Configuration: Sendable {
        /// How long in-flight calls may run after shutdown begins before they are cancelled.
        public var gracePeriod: TimeAmount = .seconds(10)
        public var interceptors: [any RPCServerInterceptor] = []

        public init() {}
    }

    public let configuration: Configuration
    public let health: RPCHealthStatus
    public let transport: any RPCServerTransport
    private let router: RPCRouter
    private let logger: Logger
    private let state = NIOLockedValueBox<State>(.idle)
    private let stopped = StopSignal()

    private enum State {
        case idle
        case serving(RPCListeningAddress)
        case stopping
        case stopped
    }

    public init(
        transport: any RPCServerTransport,
        services: [any RPCServiceProvider],
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "luma.rpc.server")
    ) {
        self.configuration = configuration
        self.transport = transport
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

    /// Where the server listens; nil until `start()` returns.
    public var localAddress: RPCListeningAddress? {
        state.withLockedValue { if case .serving(let address) = $0 { address } else { nil } }
    }

    /// Starts serving. Returns where it listens.
    @discardableResult
    public func start() async throws -> RPCListeningAddress {
        let address = try await transport.listen(router: router, logger: logger)
        state.withLockedValue { $0 = .serving(address) }
        health.setAll(.serving)
        logger.info("listening", metadata: ["address": "\(address)"])
        return address
    }

    /// Starts serving unless already started.
    public func startIfIdle() async throws {
        if case .idle = state.withLockedValue({ $0 }) { try await start() }
    }

    /// Graceful shutdown: stop accepting, let every connection finish what it accepted, up to
    /// the grace period, then close whatever is left. Safe to call more than once.
    public func shutdown() async {
        let serving: Bool = state.withLockedValue { state in
            switch state {
            case .serving:
                state = .stopping
                return true
            case .idle:
                state = .stopped
                stopped.signal()
                return false
            case .stopping, .stopped:
                return false
            }
        }
        guard serving else {
            await stopped.wait()
            return
        }
        health.setAll(.notServing)
        let transport = self.transport
        let logger = self.logger
        let grace = Task {
            try await Task.sleep(for: .nanoseconds(configuration.gracePeriod.nanoseconds))
            logger.warning("grace period over: closing connections with calls still in flight")
            transport.closeAll()
        }
        await transport.drain()
        grace.cancel()
        state.withLockedValue { $0 = .stopped }
        logger.info("stopped")
        stopped.signal()
    }

    /// Returns once the server has stopped.
    public func waitUntilStopped() async {
        await stopped.wait()
    }
}
