import LumaRPC
import NIOConcurrencyHelpers

/// The example `luma.examples.v1.Echo` service.
public struct EchoService: Luma_Examples_V1_EchoProvider {
    private let log = NIOLockedValueBox<[String]>([])

    public init() {}

    public func echo(_ request: Luma_Examples_V1_EchoRequest, context: RPCServerContext) async throws -> Luma_Examples_V1_EchoResponse {
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
