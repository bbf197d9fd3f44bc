import ContentAPI
import LumaRPC

/// The other end of the ledger's foreign key: does a daily content item exist?
/// Implemented over RPC in production and by a stub in tests.
public protocol ContentDirectory: Sendable {
    func contentExists(_ id: Int64) async throws -> Bool
}

/// Asks content-pipeline (`--content HOST:PORT[,...]`). An unreachable pipeline is UNAVAILABLE:
/// a reference that cannot be checked is not written.
public struct RPCContentDirectory: ContentDirectory {
    let client: any Luma_Content_V1_ContentPipelineClientProtocol

    public init(client: RPCClient) {
        self.client = Luma_Content_V1_ContentPipelineClient(client)
    }

    /// Over content-pipeline's generated client, or anything that stands in for it.
    public init(_ client: any Luma_Content_V1_ContentPipelineClientProtocol) {
        self.client = client
    }

    public func contentExists(_ id: Int64) async throws -> Bool {
        do {
            return try await client.contentExists(.with { $0.id = id }, options: .init(timeout: .seconds(5))).exists
        } catch let error as RPCError where [.unavailable, .deadlineExceeded].contains(error.code) {
            throw RPCError.unavailable("cannot check daily content \(id): content-pipeline is unreachable (\(error.message))", origin: "content-pipeline")
        }
    }
}
