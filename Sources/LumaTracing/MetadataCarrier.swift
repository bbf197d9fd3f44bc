import Instrumentation

/// Writes a trace context into call metadata (`traceparent`, `tracestate` with the W3C
/// propagator swift-otel uses), so the next service continues the same trace.
public struct MetadataInjector: Injector {
    public init() {}

    public func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}

/// Reads a trace context from call metadata; keys are matched as sent (Luma metadata keys are
/// lower-case, as W3C's are).
public struct MetadataExtractor: Extractor {
    public init() {}

    public func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }
}

/// The W3C `traceparent` header: `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`.
public enum W3CTraceParent {
    public static let metadataKey = "traceparent"

    /// The trace id of a well-formed version-00 `traceparent`, nil otherwise (an all-zero id is
    /// invalid by the spec).
    public static func traceID(_ traceparent: String) -> String? {
        let parts = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "00", parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
              parts[1].allSatisfy(\.isHexDigit), parts[2].allSatisfy(\.isHexDigit),
              parts[1].contains(where: { $0 != "0" }) else { return nil }
        return parts[1].lowercased()
    }
}
