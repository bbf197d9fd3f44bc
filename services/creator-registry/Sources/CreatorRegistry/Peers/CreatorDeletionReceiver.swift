import ContentAPI
import LumaRPC
import LumaServiceKit

/// Where the SET NULL of a deleted creator goes: content-pipeline's CreatorDeleted.
public protocol CreatorDeletionReceiver: Sendable {
    func creatorDeleted(_ creatorID: Int64) async throws
}

public struct RPCCreatorDeletionReceiver: CreatorDeletionReceiver {
    let client: any Luma_Content_V1_ContentPipelineClientProtocol

    public init(client: RPCClient) {
        self.client = Luma_Content_V1_ContentPipelineClient(client)
    }

    /// Over content-pipeline's generated client, or anything that stands in for it.
    public init(_ client: any Luma_Content_V1_ContentPipelineClientProtocol) {
        self.client = client
    }

    public func creatorDeleted(_ creatorID: Int64) async throws {
        _ = try await client.creatorDeleted(.with { $0.creatorID = creatorID }, options: .init(timeout: OutboxDeliverer.handlerTimeout))
    }
}
