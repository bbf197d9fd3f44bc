import Foundation
import Instrumentation
import Logging
import OTel
import ServiceLifecycle
import Synchronization
import Tracing

/// Whether this process traces. Off by default: the tracing interceptors then call straight
/// through (one atomic load), so a service run without `--otel-endpoint` pays nothing and
/// exports nothing.
public enum LumaTracing {
    private static let enabled = Atomic<Bool>(false)

    public static var isEnabled: Bool { enabled.load(ordering: .relaxed) }

    /// Bootstraps the process-wide tracer (once per process: swift-distributed-tracing's rule)
    /// and turns the interceptors on. Tests pass an `InMemoryTracer`.
    public static func bootstrap(_ tracer: some Tracer) {
        InstrumentationSystem.bootstrap(tracer)
        enabled.store(true, ordering: .relaxed)
    }

    /// An OTLP/HTTP exporter to `endpoint` (swift-otel): spans are batched and sent in the
    /// background by the returned service, which must run in the process's ServiceGroup (it
    /// flushes on graceful shutdown). A bare `http://host:4318` gets the standard `/v1/traces`.
    /// Only traces: metrics stay on Prometheus and logs on stderr.
    public static func bootstrapOTLP(endpoint: String, serviceName: String, logger: Logger) throws -> any Service {
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.otlpExporter.endpoint = try tracesURL(endpoint)
        configuration.diagnosticLogger = .custom(logger)
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        bootstrap(backend.factory)
        return backend.service
    }

    /// `endpoint` as the OTLP/HTTP traces URL; throws a message naming the flag when it is not
    /// an http(s) URL.
    public static func tracesURL(_ endpoint: String) throws -> String {
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else {
            throw TracingConfigurationError("--otel-endpoint: '\(endpoint)' is not an http(s) URL such as http://localhost:4318")
        }
        if url.path.isEmpty || url.path == "/" {
            return endpoint.hasSuffix("/") ? endpoint + "v1/traces" : endpoint + "/v1/traces"
        }
        return endpoint
    }
}

public struct TracingConfigurationError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
