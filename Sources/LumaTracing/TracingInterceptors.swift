import Foundation
import Instrumentation
import LumaRPC
import Tracing

/// A server span per call, named `package.Service/Method`, continuing the caller's trace from
/// the `traceparent` metadata. When the caller sent `traceparent` but no `trace-id`, the call's
/// `trace-id` (which every log line carries) becomes the W3C trace id, so logs and traces join.
/// Installed outermost, so calls refused by authentication are traced too.
public struct TracingServerInterceptor: RPCServerInterceptor {
    public init() {}

    public func intercept(request: Data, context: RPCServerContext,
                          next: @Sendable (Data, RPCServerContext) async throws -> Data) async throws -> Data {
        guard LumaTracing.isEnabled else { return try await next(request, context) }
        var parent = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(context.metadata, into: &parent, using: MetadataExtractor())
        var context = context
        if context.metadata[RPCMetadataKey.traceID] == nil,
           let traceID = context.metadata[W3CTraceParent.metadataKey].flatMap(W3CTraceParent.traceID) {
            context = context.settingMetadata(traceID, forKey: RPCMetadataKey.traceID)
        }
        let call = context
        return try await withSpan(call.method.fullName, context: parent, ofKind: .server) { span in
            span.describe(call.method)
            span.attributes["network.peer.address"] = call.peer
            return try await span.recordingStatus { try await next(request, call) }
        }
    }
}

/// A client span per call, child of whatever span is current (the server call being handled,
/// or an outbox delivery), injected into the request's metadata as `traceparent`. `trace-id`,
/// when the caller did not set one, becomes the W3C trace id.
public struct TracingClientInterceptor: RPCClientInterceptor {
    public init() {}

    public func intercept(request: RPCClientRequest, next: @Sendable (RPCClientRequest) async throws -> Data) async throws -> Data {
        guard LumaTracing.isEnabled else { return try await next(request) }
        return try await withSpan(request.method.fullName, ofKind: .client) { span in
            span.describe(request.method)
            var request = request
            InstrumentationSystem.instrument.inject(span.context, into: &request.metadata, using: MetadataInjector())
            if request.metadata[RPCMetadataKey.traceID] == nil,
               let traceID = request.metadata[W3CTraceParent.metadataKey].flatMap(W3CTraceParent.traceID) {
                request.metadata[RPCMetadataKey.traceID] = traceID
            }
            let traced = request
            return try await span.recordingStatus { try await next(traced) }
        }
    }
}

extension Span {
    /// OpenTelemetry's RPC semantic conventions.
    func describe(_ method: RPCMethodDescriptor) {
        attributes["rpc.system"] = "luma"
        attributes["rpc.service"] = method.service
        attributes["rpc.method"] = method.method
    }

    /// Runs `body`, recording the call's status as `rpc.luma.status_code` ("OK", "NOT_FOUND",
    /// ...) and marking the span failed on an error.
    func recordingStatus<T>(_ body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            attributes["rpc.luma.status_code"] = "OK"
            return result
        } catch {
            let status = (error as? RPCError).map { ($0.code.description, $0.message) }
                ?? (error is CancellationError ? ("CANCELLED", "cancelled") : ("UNKNOWN", "\(error)"))
            attributes["rpc.luma.status_code"] = status.0
            setStatus(SpanStatus(code: .error, message: status.1))
            throw error
        }
    }
}
