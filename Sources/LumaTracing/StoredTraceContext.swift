import Foundation
import Instrumentation
import Tracing

/// A trace context kept in a database row (the outbox), so that work done later, by another
/// task or after a restart, joins the trace of the call that asked for it.
public enum StoredTraceContext {
    /// The current trace context as a JSON object of W3C headers (`{"traceparent":"00-..."}`),
    /// or "" when tracing is off or there is no current span.
    public static func capture() -> String {
        guard LumaTracing.isEnabled, let context = ServiceContext.current else { return "" }
        var headers: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &headers, using: MetadataInjector())
        guard !headers.isEmpty, let json = try? JSONEncoder().encode(headers) else { return "" }
        return String(decoding: json, as: UTF8.self)
    }

    /// Runs `body` in a span named `name` whose parent is the stored context (a new trace when
    /// it is "" or unreadable). Calls made in `body` carry this span as their parent.
    public static func withSpan<T>(_ name: String, restoring stored: String, ofKind kind: SpanKind = .consumer,
                                   _ body: () async throws -> T) async throws -> T {
        guard LumaTracing.isEnabled else { return try await body() }
        var parent = ServiceContext.topLevel
        if !stored.isEmpty, let headers = try? JSONDecoder().decode([String: String].self, from: Data(stored.utf8)) {
            InstrumentationSystem.instrument.extract(headers, into: &parent, using: MetadataExtractor())
        }
        return try await Tracing.withSpan(name, context: parent, ofKind: kind) { _ in try await body() }
    }
}
