import ContentAPI
import Crypto
import Foundation
import SwiftProtobuf
import LumaRPC

/// The feed's copies of published days, so content-pipeline sees a bounded number of calls
/// however many readers there are: each (channel, day) is fetched at most once per
/// `refreshAfter` (concurrent readers of a stale copy share one fetch), and a copy of "today"
/// is also dropped at the channel's next midnight. That interval is the bound on how late a
/// change (an unpublish, a late approval) reaches readers. When content-pipeline does not
/// answer, the last copy is served, saying how old it is.
public actor FeedCache {
    public struct Page: Sendable {
        /// The JSON body (`PublishedDay` in protobuf's JSON mapping: public fields only).
        public let body: Data
        public let etag: String
        public let fetchedAt: Date
        /// The channel's next publication (a copy of today is stale from then).
        public let nextPublication: Date?
        /// The media-store files of its items: what the feed may serve for this day.
        public let mediaIDs: Set<Int64>
        /// The fetch that would have refreshed it failed: why.
        public var staleBecause: String?
    }

    struct Key: Hashable {
        let language: String
        let date: String?
    }

    let source: any FeedSource
    nonisolated let refreshAfter: TimeInterval
    let now: @Sendable () -> Date
    var pages: [Key: Page] = [:]
    var inFlight: [Key: Task<Page, any Error>] = [:]
    /// Calls made to content-pipeline (what the benchmark and tests read).
    public private(set) var fetches = 0

    /// Where the feed's own media URLs start: "" (paths relative to the feed, "/feed/en/…") or
    /// the address readers reach the feed at ("https://feed.example.com").
    let publicURL: String

    public init(source: any FeedSource, refreshAfter: TimeInterval = 10, publicURL: String = "",
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.source = source
        self.refreshAfter = refreshAfter
        self.publicURL = publicURL
        self.now = now
    }

    /// The page of a channel's day (`date` nil: today), fresh within `refreshAfter`.
    public func page(language: String, date: String?) async throws -> Page {
        let key = Key(language: language, date: date)
        if let page = pages[key], isFresh(page) { return page }
        if let running = inFlight[key] { return try await served(key, running) }
        let source = self.source
        let publicURL = self.publicURL
        let task = Task { () throws -> Page in
            let day = try await source.day(language: language, date: date)
            return try Self.page(day, fetchedAt: self.now(), publicURL: publicURL)
        }
        inFlight[key] = task
        fetches += 1
        return try await served(key, task)
    }

    private func served(_ key: Key, _ task: Task<Page, any Error>) async throws -> Page {
        do {
            let page = try await task.value
            inFlight[key] = nil
            pages[key] = page
            return page
        } catch let error as RPCError where error.code == .unavailable || error.code == .deadlineExceeded {
            inFlight[key] = nil
            // Down: the last copy, marked stale; nothing: the failure.
            guard var page = pages[key] else { throw error }
            page.staleBecause = error.origin.isEmpty ? "content-pipeline is not answering" : "\(error.origin) is not answering"
            return page
        } catch {
            inFlight[key] = nil
            throw error
        }
    }

    func isFresh(_ page: Page) -> Bool {
        let at = now()
        if let next = page.nextPublication, at >= next { return false }
        return at.timeIntervalSince(page.fetchedAt) < refreshAfter
    }

    /// A day as readers get it: a video or thumbnail held by media-store gets the feed's URL
    /// for it (`/feed/{language}/{date}/media/{id}`), so every item has addresses to play.
    static func page(_ fetched: Luma_Content_V1_PublishedDay, fetchedAt: Date, publicURL: String = "") throws -> Page {
        var day = fetched
        var mediaIDs: Set<Int64> = []
        for index in day.items.indices {
            let item = day.items[index]
            let base = "\(publicURL)/feed/\(item.language)/\(item.postDate)/media/"
            if item.videoMediaID != 0 {
                mediaIDs.insert(item.videoMediaID)
                if item.videoURL.isEmpty { day.items[index].videoURL = base + "\(item.videoMediaID)" }
            }
            if item.thumbnailMediaID != 0 {
                mediaIDs.insert(item.thumbnailMediaID)
                if item.thumbnailURL.isEmpty { day.items[index].thumbnailURL = base + "\(item.thumbnailMediaID)" }
            }
        }
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        let body = try day.jsonUTF8Data(options: options)
        let digest = SHA256.hash(data: body).prefix(12).map { String(format: "%02x", $0) }.joined()
        return Page(body: body, etag: "\"\(digest)\"", fetchedAt: fetchedAt,
                    nextPublication: try? Date(day.nextPublicationAt, strategy: .iso8601), mediaIDs: mediaIDs, staleBecause: nil)
    }
}
