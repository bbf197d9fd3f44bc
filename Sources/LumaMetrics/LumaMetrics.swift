import CoreMetrics
import Foundation
import NIOConcurrencyHelpers
import LumaRPC
import Prometheus

/// A process's metrics: swift-metrics instruments made by a Prometheus factory on a registry of
/// its own (passed explicitly rather than through the global `MetricsSystem`, so tests and
/// several servers in one process do not share counts), rendered in Prometheus' text format.
public final class LumaMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory
    public typealias Collector = @Sendable (LumaMetrics) async -> Void

    /// Run before each scrape to refresh gauges that are read rather than counted (outbox,
    /// database, process).
    private let collectors = NIOLockedValueBox<[Collector]>([ProcessMetrics.collect])

    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
    }

    public func addCollector(_ collector: @escaping Collector) {
        collectors.withLockedValue { $0.append(collector) }
    }

    public func counter(_ label: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
    }

    public func gauge(_ label: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
    }

    public func meter(_ label: String, _ dimensions: [(String, String)] = []) -> Meter {
        Meter(label: label, dimensions: dimensions, factory: factory)
    }

    public func timer(_ label: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Timer {
        CoreMetrics.Timer(label: label, dimensions: dimensions, factory: factory)
    }

    /// The Prometheus text exposition, after refreshing the read gauges.
    public func scrape() async -> String {
        for collector in collectors.withLockedValue({ $0 }) { await collector(self) }
        return registry.emitToString()
    }
}

/// RSS, open file descriptors and CPU time, from /proc/self.
enum ProcessMetrics {
    @Sendable static func collect(_ metrics: LumaMetrics) async {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
           let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") {
            metrics.gauge("process_resident_memory_bytes").record(kilobytes * 1024)
        }
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            metrics.gauge("process_open_fds").record(Double(fds.count))
        }
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
           let close = stat.range(of: ")") {
            let fields = stat[close.upperBound...].split(separator: " ")
            if fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) {
                metrics.gauge("process_cpu_seconds_total").record((user + system) / 100)
            }
        }
    }
}

/// Every call a server handles: `luma_rpc_server_calls_total{service,method,code}`,
/// `luma_rpc_server_call_duration_seconds{service,method}` (histogram) and
/// `luma_rpc_server_calls_in_flight{service}`.
public struct ServerMetricsInterceptor: RPCServerInterceptor {
    let metrics: LumaMetrics

    public init(metrics: LumaMetrics) {
        self.metrics = metrics
    }

    public func intercept(request: Data, context: RPCServerContext,
                          next: @Sendable (Data, RPCServerContext) async throws -> Data) async throws -> Data {
        let service = context.method.service, method = context.method.method
        let inFlight = metrics.meter("luma_rpc_server_calls_in_flight", [("service", service)])
        inFlight.increment()
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            inFlight.decrement()
            metrics.timer("luma_rpc_server_call_duration_seconds", [("service", service), ("method", method)])
                .recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
        }
        do {
            let response = try await next(request, context)
            metrics.counter("luma_rpc_server_calls_total", [("service", service), ("method", method), ("code", "OK")]).increment()
            return response
        } catch {
            let code = (error as? RPCError)?.code.description ?? (error is CancellationError ? "CANCELLED" : "INTERNAL")
            metrics.counter("luma_rpc_server_calls_total", [("service", service), ("method", method), ("code", code)]).increment()
            throw error
        }
    }
}

/// Every call a client makes: `luma_rpc_client_calls_total{service,method,code}`.
public struct ClientMetricsInterceptor: RPCClientInterceptor {
    let metrics: LumaMetrics

    public init(metrics: LumaMetrics) {
        self.metrics = metrics
    }

    public func intercept(request: RPCClientRequest, next: @Sendable (RPCClientRequest) async throws -> Data) async throws -> Data {
        let dimensions = [("service", request.method.service), ("method", request.method.method)]
        do {
            let response = try await next(request)
            metrics.counter("luma_rpc_client_calls_total", dimensions + [("code", "OK")]).increment()
            return response
        } catch {
            let code = (error as? RPCError)?.code.description ?? "UNKNOWN"
            metrics.counter("luma_rpc_client_calls_total", dimensions + [("code", code)]).increment()
            throw error
        }
    }
}

/// `luma_rpc_server_connections_open` and `luma_rpc_server_frames_refused_total{reason}`.
public struct TransportMetrics: RPCTransportObserver {
    let metrics: LumaMetrics

    public init(metrics: LumaMetrics) {
        self.metrics = metrics
    }

    public func connectionOpened() { metrics.meter("luma_rpc_server_connections_open").increment() }
    public func connectionClosed() { metrics.meter("luma_rpc_server_connections_open").decrement() }
    public func frameRefused(reason: String) {
        metrics.counter("luma_rpc_server_frames_refused_total", [("reason", reason)]).increment()
    }
}
