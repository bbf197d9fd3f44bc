import Foundation
import LumaServiceKit
import Logging
import LumaLogging
import LumaMetrics
import LumaRPC
import LumaRPCLifecycle
import LumaRPCNIO
import LumaSupervisor
import LumaTracing
import ServiceLifecycle

/// Runs a service's RPC server (and any background workers, such as an outbox deliverer) until
/// SIGTERM or SIGINT, then shuts everything down gracefully.
public enum ServiceRunner {
    public static func run(
        name: String, listen: RPCEndpoint, providers: [any RPCServiceProvider],
        background: [any Service] = [], exporters: [any Service] = [], interceptors: [any RPCServerInterceptor] = [],
        limits: RPCConnectionLimits = RPCConnectionLimits(), logger: Logger,
        configure: (inout RPCServer.TCPConfiguration) -> Void = { _ in }
    ) async throws {
        var configuration = RPCServer.TCPConfiguration(host: listen.host, port: listen.port)
        configuration.interceptors = interceptors
        configuration.limits = limits
        configure(&configuration)
        ParentWatch.startIfRequested()
        let server = RPCServer(configuration: configuration, services: providers, logger: logger)
        let address = try await server.start()
        // One line on stdout for scripts and tests (which start services on port 0).
        FileHandle.standardOutput.write(Data("\(name) listening on \(listen.host):\(address.port ?? listen.port)\n".utf8))
        let group = ServiceGroup(
            configuration: .init(
                // Shutdown runs in reverse order: exporters stop last, after the server's final
                // calls, so their spans are flushed.
                services: exporters.map { .init(service: $0) } + [.init(service: RPCServerService(server))]
                    + background.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }

    /// Runs an assembled service over TCP; with `metrics`, also serves them over HTTP and counts
    /// every call (the metrics interceptor is outermost, so refused calls count too); with
    /// `otelEndpoint`, exports a span per call over OTLP/HTTP.
    public static func run(_ assembly: ServiceAssembly, listen: RPCEndpoint, auth: ServiceAuth,
                           limits: RPCConnectionLimits, metrics: (LumaMetrics, RPCEndpoint)? = nil,
                           otelEndpoint: String? = nil, tls: RPCTLSContext? = nil, logger: Logger) async throws {
        var interceptors = assembly.interceptors(auth)
        let tlsContexts = [tls, auth.peerTLS].compactMap { $0 }
        let exporters = try otelEndpoint.map {
            [try LumaTracing.bootstrapOTLP(endpoint: $0, serviceName: assembly.name, logger: logger)]
        } ?? []
        var metricsServer: MetricsServer?
        if let (metrics, endpoint) = metrics {
            if let collector = assembly.metricsCollector { metrics.addCollector(collector) }
            if !tlsContexts.isEmpty { metrics.addCollector(TLSReloader.expiryCollector(tlsContexts)) }
            interceptors.insert(ServerMetricsInterceptor(metrics: metrics), at: 0)
            do {
                metricsServer = try await MetricsServer.start(host: endpoint.host, port: endpoint.port, metrics: metrics)
            } catch {
                throw RPCServerError.cannotListen(host: endpoint.host, port: endpoint.port, underlying: "metrics: \(error)")
            }
            FileHandle.standardOutput.write(Data("\(assembly.name) metrics on http://\(endpoint.host):\(metricsServer?.port ?? endpoint.port)/metrics\n".utf8))
        }
        defer { if let metricsServer { Task { await metricsServer.close() } } }
        // Benchmarks only (luma-rpc-bench --only methods): leave named interceptors out, to
        // measure what each layer costs. Never set in production; docs/benchmarks.md.
        if let skipped = ProcessInfo.processInfo.environment["LUMA_BENCH_SKIP_INTERCEPTORS"] {
            let names = Set(skipped.split(separator: ",").map(String.init))
            interceptors.removeAll { names.contains(String(describing: type(of: $0))) }
        }
        let observer = metrics.map { TransportMetrics(metrics: $0.0) }
        let reloader: [any Service] = tlsContexts.isEmpty ? [] : [TLSReloader(contexts: tlsContexts, logger: logger)]
        try await run(name: assembly.name, listen: listen, providers: assembly.providers, background: assembly.background + reloader,
                      exporters: exporters, interceptors: interceptors, limits: limits, logger: logger) { configuration in
            configuration.observer = observer
            configuration.tls = tls
        }
    }

    /// Logging to stderr at the given level ("trace" ... "critical"), as text or, with
    /// `format` "json", one JSON object per line (`JSONLogHandler`).
    public static func bootstrapLogging(level: String, format: String = "text") {
        LumaLogging.bootstrap(level: level, format: format)
    }
}
