import LumaAuth
import LumaMetrics
import LumaRPC
import LumaTracing
import ServiceLifecycle

/// Everything one Luma service runs, assembled in its domain module so that the executable
/// (over TCP) and the tests (in one process, over LumaRPCInProcess) run exactly the same wiring:
/// its providers, its background workers (the outbox deliverer), who may call what, and how
/// error messages name its database.
public struct ServiceAssembly: Sendable {
    public let name: String
    public let providers: [any RPCServiceProvider]
    public let background: [any Service]
    public let policy: AccessPolicy
    public let databaseName: String
    /// Refreshes the service's read gauges (outbox, database) before a metrics scrape.
    public let metricsCollector: LumaMetrics.Collector?

    public init(name: String, providers: [any RPCServiceProvider], background: [any Service] = [],
                policy: AccessPolicy, databaseName: String, metricsCollector: LumaMetrics.Collector? = nil) {
        self.metricsCollector = metricsCollector
        self.name = name
        self.providers = providers
        self.background = background
        self.policy = policy
        self.databaseName = databaseName
    }

    /// Tracing outermost (refused calls are spans too), then authentication (refuse before any
    /// work), then database errors as statuses.
    public func interceptors(_ auth: ServiceAuth) -> [any RPCServerInterceptor] {
        [TracingServerInterceptor()] + auth.serverInterceptors(policy) + [DatabaseStatusInterceptor(database: databaseName)]
    }
}
