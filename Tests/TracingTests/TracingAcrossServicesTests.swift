import ContentAPI
import Foundation
import InMemoryTracing
import LumaRPC
import LumaServiceKit
import LumaTestSupport
import LumaTracing
import Testing
import Tracing

/// The process's tracer. swift-distributed-tracing bootstraps once per process, so every
/// test here shares it and tells its own spans apart by trace id (other suites' calls are
/// traced too once this has run).
enum TestTracer {
    static let shared: InMemoryTracer = {
        let tracer = InMemoryTracer(recordInjections: false, recordExtractions: false)
        LumaTracing.bootstrap(tracer)
        return tracer
    }()

    /// Runs `body` in a root span and returns its trace id (bootstrapping the tracer first).
    static func traced(_ name: String, _ body: () async throws -> Void) async throws -> String {
        _ = shared
        let context = try await withSpan(name) { span in
            try await body()
            return span.context
        }
        return try #require(context.inMemorySpanContext?.traceID, "the process tracer is not the in-memory one")
    }

    static func spans(inTraceOf traceID: String) -> [FinishedInMemorySpan] {
        shared.finishedSpans.filter { $0.traceID == traceID }
    }
}

@Suite("Traces across the three services", .serialized)
struct TracingAcrossServicesTests {
    /// A client that opens a client span per call, as the services' peer clients do.
    func tracedContent(_ stack: InProcessStack) -> Luma_Content_V1_ContentPipelineClient {
        Luma_Content_V1_ContentPipelineClient(stack.client(stack.contentEndpoint) { $0.interceptors = [TracingClientInterceptor()] })
    }

    let content = "luma.content.v1.ContentPipeline"
    let verses = "luma.verses.v1.VerseRegistry"

    /// Generate: content-pipeline -> verse-registry (claim a verse) -> content-pipeline (does
    /// the item exist?). One trace id from the caller's span to the innermost server span, and
    /// every span's parent is in the trace.
    @Test func oneTraceCrossesContentVersesContent() async throws {
        let stack = try await InProcessStack()
        defer { Task { await stack.stop() } }
        let client = tracedContent(stack)
        _ = try await client.plan(.with { $0.fromDate = "2027-08-01"; $0.toDate = "2027-08-01"; $0.modes = [.bible] })
        let traceID = try await TestTracer.traced("test generate") {
            _ = try await client.generate(.with { $0.range = .with { $0.fromDate = "2027-08-01"; $0.toDate = "2027-08-01" } })
        }
        let spans = TestTracer.spans(inTraceOf: traceID)
        let servers = spans.filter { $0.kind == .server }.map(\.operationName)
        #expect(servers.contains("\(content)/Generate"), "\(servers)")
        #expect(servers.contains { $0.hasPrefix("\(verses)/") }, "\(servers)")
        #expect(servers.contains("\(content)/ContentExists"), "\(servers)")
        // The peer calls are client spans in the same trace, and the tree is connected.
        #expect(spans.contains { $0.kind == .client && $0.operationName.hasPrefix("\(verses)/") })
        let ids = Set(spans.map(\.spanID))
        for span in spans where span.operationName != "test generate" {
            #expect(span.parentSpanID.map(ids.contains) == true, "\(span.operationName) has no parent in the trace")
        }
        let generate = try #require(spans.first { $0.kind == .server && $0.operationName == "\(content)/Generate" })
        #expect(generate.attributes["rpc.method"]?.toSpanAttribute() == .string("Generate"))
        #expect(generate.attributes["rpc.luma.status_code"]?.toSpanAttribute() == .string("OK"))
    }

    /// A failed call's server span says which status it ended with.
    @Test func failedCallRecordsItsStatus() async throws {
        let stack = try await InProcessStack()
        defer { Task { await stack.stop() } }
        let client = tracedContent(stack)
        let traceID = try await TestTracer.traced("test get missing") {
            _ = try? await client.get(.with { $0.id = 987_654 })
        }
        let server = try #require(TestTracer.spans(inTraceOf: traceID).first { $0.kind == .server })
        #expect(server.attributes["rpc.luma.status_code"]?.toSpanAttribute() == .string("NOT_FOUND"))
        #expect(server.status?.code == .error)
    }

    /// Deleting an item queues the release of its verses in the outbox; the delivery, later and
    /// on another task, joins the delete's trace through the row's stored trace context.
    @Test func outboxDeliveryJoinsTheTraceOfTheCallThatQueuedIt() async throws {
        let stack = try await InProcessStack()
        defer { Task { await stack.stop() } }
        let client = tracedContent(stack)
        _ = try await client.plan(.with { $0.fromDate = "2027-08-02"; $0.toDate = "2027-08-02"; $0.modes = [.bible] })
        let item = try await client.generate(.with { $0.range = .with { $0.fromDate = "2027-08-02"; $0.toDate = "2027-08-02" } }).items[0]
        let traceID = try await TestTracer.traced("test delete") {
            _ = try await client.delete(.with { $0.id = item.id })
        }
        // The deliverer runs on its own; wait (bounded) for the release it delivers.
        let deadline = Date().addingTimeInterval(20)
        var spans = TestTracer.spans(inTraceOf: traceID)
        while !spans.contains(where: { $0.kind == .server && $0.operationName.hasPrefix("\(verses)/") }), Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
            spans = TestTracer.spans(inTraceOf: traceID)
        }
        let delivery = try #require(spans.first { $0.operationName == "outbox deliver verses.release_for_content" },
                                    "\(spans.map(\.operationName))")
        #expect(delivery.kind == .consumer)
        let release = try #require(spans.first { $0.kind == .server && $0.operationName.hasPrefix("\(verses)/") })
        #expect(release.traceID == traceID)
    }
}

/// `trace-id` (on every log line) is derived from W3C `traceparent` when only that was sent.
@Suite("trace-id from traceparent")
struct TraceParentMappingTests {
    @Test func serverMapsTraceparentToTraceID() async throws {
        _ = TestTracer.shared
        let method = RPCMethodDescriptor(service: "test.v1.Echo", method: "Say", inputType: "", outputType: "", idempotency: .idempotent)
        func traceID(seen metadata: [String: String]) async throws -> String {
            let context = RPCServerContext(method: method, callID: 1, metadata: metadata, deadline: nil, peer: "test", logger: .init(label: "t"))
            // The handler answers with the trace-id it saw.
            let answer = try await TracingServerInterceptor().intercept(request: Data(), context: context) { _, context in
                Data(context.traceID.utf8)
            }
            return String(decoding: answer, as: UTF8.self)
        }
        let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        #expect(try await traceID(seen: ["traceparent": parent]) == "4bf92f3577b34da6a3ce929d0e0e4736")
        // A caller's own trace-id wins; a malformed traceparent maps to nothing.
        #expect(try await traceID(seen: ["traceparent": parent, "trace-id": "mine"]) == "mine")
        #expect(try await traceID(seen: ["traceparent": "00-zz-00f067aa0ba902b7-01"]) == "")
    }

    @Test func traceparentValidation() {
        #expect(W3CTraceParent.traceID("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01") == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(W3CTraceParent.traceID("00-00000000000000000000000000000000-00f067aa0ba902b7-01") == nil)
        #expect(W3CTraceParent.traceID("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") == nil)
        #expect(W3CTraceParent.traceID("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7") == nil)
    }

    @Test func otelEndpointFlagIsChecked() throws {
        #expect(try LumaTracing.tracesURL("http://collector:4318") == "http://collector:4318/v1/traces")
        #expect(try LumaTracing.tracesURL("http://collector:4318/") == "http://collector:4318/v1/traces")
        #expect(try LumaTracing.tracesURL("https://c.example/otlp/v1/traces") == "https://c.example/otlp/v1/traces")
        #expect(throws: TracingConfigurationError.self) { try LumaTracing.tracesURL("collector:4318") }
    }
}
