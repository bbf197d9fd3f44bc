import LumaRPC
import MediaAPI

/// The media-store operations the pipeline needs: checking a submission's media (the content ->
/// media foreign key) and the integrity walk. Over RPC in production.
public protocol MediaLibrary: Sendable {
    /// The media, or nil when media-store has no such id.
    func media(_ id: Int64) async throws -> Luma_Media_V1_Media?
    /// Which of `ids` exist; at most 1000 at a time.
    func existing(_ ids: [Int64]) async throws -> Set<Int64>
}

/// `MediaLibrary` over media-store's generated client.
public struct RPCMediaLibrary: MediaLibrary {
    let client: any Luma_Media_V1_MediaStoreClientProtocol

    public init(client: RPCClient) {
        self.client = Luma_Media_V1_MediaStoreClient(client)
    }

    public func media(_ id: Int64) async throws -> Luma_Media_V1_Media? {
        try await reaching("media-store") {
            do {
                return try await client.getMedia(.with { $0.id = id })
            } catch let error as RPCError where error.code == .notFound {
                return nil
            }
        }
    }

    public func existing(_ ids: [Int64]) async throws -> Set<Int64> {
        try await reaching("media-store") {
            Set(try await client.checkMedia(.with { $0.ids = ids }).existing)
        }
    }
}

/// Without a media-store (a pipeline started with URLs only): every media submission refused.
public struct NoMediaLibrary: MediaLibrary {
    public init() {}
    public func media(_ id: Int64) async throws -> Luma_Media_V1_Media? {
        throw RPCError.unavailable("this content-pipeline has no media-store (--media)")
    }
    public func existing(_ ids: [Int64]) async throws -> Set<Int64> {
        throw RPCError.unavailable("this content-pipeline has no media-store (--media)")
    }
}
