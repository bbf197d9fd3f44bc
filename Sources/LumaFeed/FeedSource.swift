import ContentAPI
import LumaRPC

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
