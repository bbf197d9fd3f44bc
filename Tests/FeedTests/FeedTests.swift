import ContentAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import LumaRPC
import NIOConcurrencyHelpers
import Testing
@testable import LumaFeed

/// luma-feed on a simulated clock against a scripted content-pipeline: ETag and 304, caching
/// bounded per day (not per request), Cache-Control to the next publication, a change within
/// the refresh bound, and serving its last copy while content-pipeline is down.
@Suite("luma-feed")
struct FeedTests {
    /// content-pipeline's GetPublished, scripted: the days it holds, whether it answers, and
    /// how many calls it saw.
    final class ScriptedSource: FeedSource, Sendable {
        let days = NIOLockedValueBox<[String: Luma_Content_V1_PublishedDay]>([:])
        let down = NIOLockedValueBox(false)
        let calls = NIOLockedValueBox(0)

        func day(language: String, date: String?) async throws -> Luma_Content_V1_PublishedDay {
            calls.withLockedValue { $0 += 1 }
            if down.withLockedValue({ $0 }) { throw RPCError.unavailable("connection refused") }
            guard let day = days.withLockedValue({ $0["\(language)/\(date ?? "today")"] }) else {
                throw RPCError.notFound("2099-01-01 is not published yet in '\(language)'", field: "date")
            }
            return day
        }

        func publish(_ key: String, ids: [Int64], next: String = "2027-03-11T05:00:00.000Z") {
            days.withLockedValue {
                $0[key] = .with { day in
                    day.language = "en"; day.date = "2027-03-10"; day.timeZone = "America/New_York"; day.nextPublicationAt = next
                    day.items = ids.map { id in .with { $0.id = id; $0.postDate = "2027-03-10"; $0.verseReference = "Psalms 23:\(id)" } }
                }
            }
        }
    }

    struct World {
        let clock = NIOLockedValueBox(try! Date("2027-03-10T12:00:00Z", strategy: .iso8601))
        let source = ScriptedSource()
        var feed: Feed {
            let clock = self.clock
            let now: @Sendable () -> Date = { clock.withLockedValue { $0 } }
            return Feed(cache: FeedCache(source: source, refreshAfter: 10, now: now), now: now)
        }
        func advance(_ seconds: TimeInterval) { clock.withLockedValue { $0 += seconds } }
    }

    @Test func todayIsJSONWithAnETagAndARevalidationIs304() async throws {
        let world = World()
        world.source.publish("en/today", ids: [1, 2])
        try await Application(router: world.feed.router()).test(.router) { client in
            var etag = ""
            try await client.execute(uri: "/feed/en/today", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("application/json") == true)
                let body = String(buffer: response.body)
                #expect(body.contains("\"verse_reference\":\"Psalms 23:1\"") && body.contains("\"time_zone\":\"America/New_York\""))
                etag = response.headers[.eTag] ?? ""
                #expect(etag.hasPrefix("\"") && response.headers[.cacheControl] == "public, max-age=10")
            }
            try await client.execute(uri: "/feed/en/today", method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .notModified && response.body.readableBytes == 0 && response.headers[.eTag] == etag)
            }
            try await client.execute(uri: "/feed/en/today", method: .get, headers: [.ifNoneMatch: "\"other\""]) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func contentPipelineSeesOneCallPerDayPerRefreshWhateverTheTraffic() async throws {
        let world = World()
        world.source.publish("en/today", ids: [1])
        let feed = world.feed
        try await Application(router: feed.router()).test(.router) { client in
            for _ in 0..<200 { try await client.execute(uri: "/feed/en/today", method: .get) { #expect($0.status == .ok) } }
            #expect(world.source.calls.withLockedValue { $0 } == 1)
            // Concurrent readers of a stale copy share one fetch.
            world.advance(11)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<50 { group.addTask { try await client.execute(uri: "/feed/en/today", method: .get) { _ in } } }
                try await group.waitForAll()
            }
            #expect(world.source.calls.withLockedValue { $0 } == 2)
        }
    }

    @Test func aChangeReachesReadersWithinTheRefreshBound() async throws {
        let world = World()
        world.source.publish("en/today", ids: [1, 2])
        try await Application(router: world.feed.router()).test(.router) { client in
            try await client.execute(uri: "/feed/en/today", method: .get) { #expect(String(buffer: $0.body).contains("Psalms 23:2")) }
            world.source.publish("en/today", ids: [1])      // item 2 unpublished
            world.advance(9)
            try await client.execute(uri: "/feed/en/today", method: .get) { #expect(String(buffer: $0.body).contains("Psalms 23:2")) }
            world.advance(1)
            try await client.execute(uri: "/feed/en/today", method: .get) { response in
                #expect(!String(buffer: response.body).contains("Psalms 23:2"))
            }
        }
    }

    @Test func cacheControlNeverOutlastsTheNextPublication() async throws {
        let world = World()
        world.source.publish("en/today", ids: [1], next: "2027-03-10T12:00:04.000Z")
        try await Application(router: world.feed.router()).test(.router) { client in
            try await client.execute(uri: "/feed/en/today", method: .get) { #expect($0.headers[.cacheControl] == "public, max-age=4") }
            // At the next publication the copy of "today" is dropped, however fresh.
            world.advance(4)
            try await client.execute(uri: "/feed/en/today", method: .get) { _ in }
            #expect(world.source.calls.withLockedValue { $0 } == 2)
        }
    }

    @Test func whileContentPipelineIsDownTheLastCopyIsServedSayingHowOld() async throws {
        let world = World()
        world.source.publish("en/today", ids: [1])
        try await Application(router: world.feed.router()).test(.router) { client in
            try await client.execute(uri: "/feed/en/today", method: .get) { #expect($0.status == .ok) }
            world.source.down.withLockedValue { $0 = true }
            world.advance(30)
            try await client.execute(uri: "/feed/en/today", method: .get) { response in
                #expect(response.status == .ok && response.headers[.age] == "30")
                #expect(response.headers[.init("X-Luma-Stale")!] == "content-pipeline is not answering")
                #expect(response.headers[.cacheControl] == "public, max-age=0, must-revalidate")
            }
            // A day it never had: 503, saying so.
            try await client.execute(uri: "/feed/es/today", method: .get) { response in
                #expect(response.status == .serviceUnavailable && String(buffer: response.body).contains("not answering"))
            }
            // Back: fresh again.
            world.source.down.withLockedValue { $0 = false }
            try await client.execute(uri: "/feed/en/today", method: .get) { response in
                #expect(response.headers[.init("X-Luma-Stale")!] == nil && response.headers[.age] == "0")
            }
        }
    }

    @Test func aDayNotPublishedYetIs404WithTheServicesWords() async throws {
        let world = World()
        try await Application(router: world.feed.router()).test(.router) { client in
            try await client.execute(uri: "/feed/en/2099-01-01", method: .get) { response in
                #expect(response.status == .notFound && String(buffer: response.body).contains("not published yet"))
                #expect(response.headers[.cacheControl] == "no-store")
            }
        }
    }
}
