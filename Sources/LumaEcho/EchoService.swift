import LumaRPC
import NIOConcurrencyHelpers

/// The example `luma.examples.v1.Echo` service.
public struct EchoService: Luma_Examples_V1_EchoProvider {
    private let log = NIOLockedValueBox<[String]>([])

    public init() {}

    /// Echo never suspends, so it registers as a synchronous handler: the NIO transport runs it
    /// in the read, without a task per call (docs/benchmarks.md). Append stays async.
    public func registerMethods(with registrar: inout RPCMethodRegistrar) {
        registrar.registerSynchronous(Luma_Examples_V1_EchoService.Method.echo) { request, _ in Self.reply(to: request) }
        registrar.register(Luma_Examples_V1_EchoService.Method.append) { request, context in
            try await self.append(request, context: context)
        }
    }

    public func echo(_ request: Luma_Examples_V1_EchoRequest, context: RPCServerContext) async throws -> Luma_Examples_V1_EchoResponse {
        Self.reply(to: request)
    }

    static func reply(to request: Luma_Examples_V1_EchoRequest) -> Luma_Examples_V1_EchoResponse {
        var response = Luma_Examples_V1_EchoResponse()
        response.text = request.text
        response.payload = request.payload
        return response
    }

    public func append(_ request: Luma_Examples_V1_AppendRequest, context: RPCServerContext) async throws -> Luma_Examples_V1_AppendResponse {
        guard !request.entry.isEmpty else {
            throw RPCError.invalidArgument("entry must not be empty", field: "entry")
        }
        var response = Luma_Examples_V1_AppendResponse()
        response.count = UInt64(log.withLockedValue { log in
            log.append(request.entry)
            return log.count
        })
        return response
    }

    /// Entries appended so far (tests use it to prove a call ran exactly once).
    public var entries: [String] { log.withLockedValue { $0 } }
}
