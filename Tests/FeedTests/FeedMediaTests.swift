import ContentAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import LumaRPC
import MediaAPI
import NIOConcurrencyHelpers
import Testing
@testable import LumaFeed

/// A published item's video and thumbnail held by media-store: the feed's JSON gives them
/// URLs of its own, serves their bytes (with ranges) only while the day's copy lists them, and
/// says which service failed.
@Suite("luma-feed: published media")
struct FeedMediaTests {
    /// media-store's GetMedia/ReadMedia, scripted: files by id, read in chunks of at most 7
    /// bytes (as media-store answers in chunks), and which ids were asked for.
    final class ScriptedMedia: FeedMediaSource, Sendable {
        let files: [Int64: (type: String, bytes: Data)]
        let asked = NIOLockedValueBox<[Int64]>([])
        let down = NIOLockedValueBox(false)
        init(_ files: [Int64: (type: String, bytes: Data)]) { self.files = files }

        func media(id: Int64) async throws -> Luma_Media_V1_Media {
            asked.withLockedValue { $0.append(id) }
            if down.withLockedValue({ $0 }) { throw RPCError.unavailable("connection refused") }
            guard let file = files[id] else { throw RPCError.notFound("no media \(id)", field: "id") }
            return .with { $0.id = id; $0.size = UInt64(file.bytes.count); $0.contentType = file.type; $0.sha256 = "sha-\(id)" }
        }

        func read(id: Int64, offset: UInt64, count: UInt64) async throws -> Data {
            let bytes = files[id]!.bytes
            let start = Int(offset)
            return bytes.subdata(in: start..<min(bytes.count, start + min(Int(count), 7)))
        }
    }

    struct World {
        let clock = NIOLockedValueBox(try! Date("2027-03-10T12:00:00Z", strategy: .iso8601))
        let source = FeedTests.ScriptedSource()
        let video = Data((0..<100).map { UInt8($0) })
        let media: ScriptedMedia
        init() {
            media = ScriptedMedia([12: ("video/mp4", video), 13: ("image/jpeg", Data("jpeg".utf8)), 99: ("video/mp4", Data("draft".utf8))])
        }
        func feed(publicURL: String = "") -> Feed {
            let clock = self.clock
            let now: @Sendable () -> Date = { clock.withLockedValue { $0 } }
            return Feed(cache: FeedCache(source: source, refreshAfter: 10, publicURL: publicURL, now: now), media: media, now: now)
        }
        func advance(_ seconds: TimeInterval) { clock.withLockedValue { $0 += seconds } }

        /// Today (10 March) holds item 1, whose video is media 12 and thumbnail media 13, and
        /// item 2 with a CDN's URLs.
        func publish(withVideo: Bool = true) {
            source.days.withLockedValue { days in
                let day = Luma_Content_V1_PublishedDay.with { day in
                    day.language = "en"; day.date = "2027-03-10"; day.timeZone = "America/New_York"
                    day.nextPublicationAt = "2027-03-11T05:00:00.000Z"
                    day.items = (withVideo ? [Luma_Content_V1_PublishedItem.with {
                        $0.id = 1; $0.language = "en"; $0.postDate = "2027-03-10"; $0.videoMediaID = 12; $0.thumbnailMediaID = 13
                    }] : []) + [.with {
                        $0.id = 2; $0.language = "en"; $0.postDate = "2027-03-10"
                        $0.videoURL = "https://cdn.example/v/2.mp4"; $0.thumbnailURL = "https://cdn.example/t/2.jpg"
                    }]
                }
                days["en/today"] = day
                days["en/2027-03-10"] = day
            }
        }
    }

    static func items(_ body: ByteBuffer) throws -> [[String: Any]] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
        return try #require(json["items"] as? [[String: Any]])
    }

    @Test func aPublishedItemsMediaGetTheFeedsURLsAndPlay() async throws {
        let world = World()
        world.publish()
        try await Application(router: world.feed().router()).test(.router) { client in
            var video = "", thumbnail = ""
            try await client.execute(uri: "/feed/en/today", method: .get) { response in
                let items = try Self.items(response.body)
                video = items[0]["video_url"] as? String ?? ""
                thumbnail = items[0]["thumbnail_url"] as? String ?? ""
                // A CDN's URLs stay as they were.
                #expect(items[1]["video_url"] as? String == "https://cdn.example/v/2.mp4")
            }
            #expect(video == "/feed/en/2027-03-10/media/12" && thumbnail == "/feed/en/2027-03-10/media/13")

            try await client.execute(uri: video, method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "video/mp4")
                #expect(Data(buffer: response.body) == world.video && response.headers[.eTag] == "\"sha-12\"")
                #expect(response.headers[.acceptRanges] == "bytes" && response.headers[.cacheControl] == "public, max-age=10")
            }
            // A player's range, across several of media-store's chunks.
            try await client.execute(uri: video, method: .get, headers: [.range: "bytes=10-29"]) { response in
                #expect(response.status == .partialContent && response.headers[.contentRange] == "bytes 10-29/100")
                #expect(Data(buffer: response.body) == world.video.subdata(in: 10..<30))
            }
            try await client.execute(uri: video, method: .get, headers: [.range: "bytes=100-"]) { response in
                #expect(response.status == .rangeNotSatisfiable && response.headers[.contentRange] == "bytes */100")
            }
            try await client.execute(uri: video, method: .get, headers: [.ifNoneMatch: "\"sha-12\""]) { response in
                #expect(response.status == .notModified && response.body.readableBytes == 0)
            }
            try await client.execute(uri: thumbnail, method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body) == "jpeg")
            }
        }
    }

    @Test func onlyTheFilesOfWhatIsPublishedAreServed() async throws {
        let world = World()
        world.publish()
        try await Application(router: world.feed().router()).test(.router) { client in
            // A draft's media id, a day with nothing, a bad id: refused before media-store is asked.
            try await client.execute(uri: "/feed/en/2027-03-10/media/99", method: .get) { response in
                #expect(response.status == .notFound && String(buffer: response.body).contains("not a published video or thumbnail"))
            }
            try await client.execute(uri: "/feed/en/2099-01-01/media/12", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/feed/en/2027-03-10/media/abc", method: .get) { response in
                #expect(response.status == .badRequest && String(buffer: response.body).contains("\"field\":\"id\""))
            }
            #expect(world.media.asked.withLockedValue { $0 }.isEmpty)
            try await client.execute(uri: "/feed/en/2027-03-10/media/12", method: .get) { #expect($0.status == .ok) }

            // Unpublished: within the refresh bound its video is gone too.
            world.publish(withVideo: false)
            try await client.execute(uri: "/feed/en/2027-03-10/media/12", method: .get) { #expect($0.status == .ok, "the copy is 0 s old") }
            world.advance(10)
            try await client.execute(uri: "/feed/en/2027-03-10/media/12", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func withMediaStoreDownTheFeedSaysSo() async throws {
        let world = World()
        world.publish()
        world.media.down.withLockedValue { $0 = true }
        try await Application(router: world.feed(publicURL: "https://feed.example.com").router()).test(.router) { client in
            try await client.execute(uri: "/feed/en/today", method: .get) { response in
                let items = try Self.items(response.body)
                #expect(items[0]["video_url"] as? String == "https://feed.example.com/feed/en/2027-03-10/media/12")
            }
            try await client.execute(uri: "/feed/en/2027-03-10/media/12", method: .get) { response in
                #expect(response.status == .serviceUnavailable && String(buffer: response.body).contains("media-store is not answering"), "\(String(buffer: response.body))")
            }
        }
    }
}
