import ContentAPI
import LumaRPC

/// Who holds media: content-pipeline's items. Asked before any file is removed, so the clean-up
/// never removes what an item's current submission names (docs/integrity.md, content -> media).
public protocol MediaHolders: Sendable {
    /// Of `ids`, those no item holds are released (the holder refuses later submits naming
    /// them) and may be removed; the others are held.
    func releaseUnheld(_ ids: [Int64]) async throws -> (released: [Int64], held: [Int64])
}

/// content-pipeline over Luma RPC.
public struct RPCMediaHolders: MediaHolders {
    let client: Luma_Content_V1_ContentPipelineClient

    public init(client: RPCClient) {
        self.client = Luma_Content_V1_ContentPipelineClient(client)
    }

    public func releaseUnheld(_ ids: [Int64]) async throws -> (released: [Int64], held: [Int64]) {
        let answer = try await client.releaseUnheldMedia(.with { $0.mediaIds = ids }, options: .init(timeout: .seconds(10)))
        return (answer.released, answer.held)
    }
}
