import ContentAPI
import Foundation
import LumaRPC
import MediaAPI

/// Where the feed reads published days: content-pipeline's `GetPublished`.
public protocol FeedSource: Sendable {
    /// `date` nil: today in the channel's time zone (content-pipeline decides which day that is).
    func day(language: String, date: String?) async throws -> Luma_Content_V1_PublishedDay
}

/// `FeedSource` over content-pipeline's generated client (its calls signed as the `app` role).
public struct RPCFeedSource: FeedSource {
    let client: any Luma_Content_V1_ContentPipelineClientProtocol

    public init(_ client: any Luma_Content_V1_ContentPipelineClientProtocol) {
        self.client = client
    }

    public func day(language: String, date: String?) async throws -> Luma_Content_V1_PublishedDay {
        try await client.getPublished(.with {
            $0.language = language
            $0.date = date ?? ""
        })
    }
}

/// Where the feed reads the bytes of a published video or thumbnail: media-store.
public protocol FeedMediaSource: Sendable {
    func media(id: Int64) async throws -> Luma_Media_V1_Media
    /// At most `count` bytes at `offset` (fewer when media-store's chunk is smaller).
    func read(id: Int64, offset: UInt64, count: UInt64) async throws -> Data
}

/// `FeedMediaSource` over media-store's generated client (signed as the `app` role; the feed
/// asks only for files of items it has just seen published).
public struct RPCFeedMediaSource: FeedMediaSource {
    let client: any Luma_Media_V1_MediaStoreClientProtocol

    public init(_ client: any Luma_Media_V1_MediaStoreClientProtocol) {
        self.client = client
    }

    public func media(id: Int64) async throws -> Luma_Media_V1_Media {
        try await client.getMedia(.with { $0.id = id })
    }

    public func read(id: Int64, offset: UInt64, count: UInt64) async throws -> Data {
        try await client.readMedia(.with { $0.id = id; $0.offset = offset; $0.length = UInt32(count) }).data
    }
}
