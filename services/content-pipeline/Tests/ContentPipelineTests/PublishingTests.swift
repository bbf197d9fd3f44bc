import ContentAPI
import Foundation
import GRDB
import LumaAuth
import LumaRPC
import LumaServiceKit
import NIOConcurrencyHelpers
import Testing
@testable import ContentPipeline

/// Publishing on a simulated clock: an approved item reaches the feed at midnight of its date
/// in its channel's zone (New York for en, Mexico City for es), drafts never do, and an
/// admin's unpublish is an audited move the feed sees at once.
@Suite("Publishing (simulated clock)")
struct PublishingTests {
    final class World: Sendable {
        let clock = NIOLockedValueBox(Date(timeIntervalSince1970: 0))
        let pipeline: Pipeline
        let service: ContentPipelineService

        init() throws {
            pipeline = try Pipeline()
            pipeline.creators.add(1, languages: ["en", "es"])
            let clock = self.clock
            service = ContentPipelineService(database: pipeline.database, verses: pipeline.verses, creators: pipeline.creators,
                                             publication: PublicationCalendar(now: { clock.withLockedValue { $0 } }))
        }

        func at(_ text: String) { clock.withLockedValue { $0 = try! Date(text, strategy: .iso8601) } }
        var context: RPCServerContext { pipeline.context }

        /// Plans and takes the day's items of `language` to `status` (approved by default).
        func items(_ date: String, _ language: String, to status: ContentStatus = .approved) async throws -> [Int64] {
            _ = try await service.plan(.with { $0.fromDate = date; $0.toDate = date; $0.languages = [language] }, context: context)
            let ids = try await service.list(.with { $0.fromDate = date; $0.toDate = date; $0.language = language }, context: context).items.map(\.id)
            for id in ids {
                if status == .empty { continue }
                _ = try await service.generate(.with { $0.id = id }, context: context)
                if status == .generated { continue }
                _ = try await service.assign(.with { $0.id = id; $0.creatorID = 1 }, context: context)
                if status == .assigned { continue }
                _ = try await service.submit(.with {
                    $0.id = id; $0.videoURL = "https://cdn.example.com/v/\(id).mp4"; $0.thumbnailURL = "https://cdn.example.com/t/\(id).jpg"
                }, context: context)
                if status == .submitted { continue }
                if status == .rejected { _ = try await service.reject(.with { $0.id = id; $0.note = "again" }, context: context); continue }
                _ = try await service.approve(.with { $0.id = id }, context: context)
            }
            return ids
        }

        func day(_ language: String, _ date: String = "") async throws -> Luma_Content_V1_PublishedDay {
            try await service.getPublished(.with { $0.language = language; $0.date = date }, context: context)
        }
    }

    @Test func anApprovedItemIsPublishedAtMidnightInItsChannelsZone() async throws {
        let world = try World()
        world.at("2027-03-09T12:00:00Z")
        let english = try await world.items("2027-03-10", "en")
        let spanish = try await world.items("2027-03-10", "es")
        // The day before: scheduled, and the date is not public yet.
        #expect(try await world.service.get(.with { $0.id = english[0] }, context: world.context).publication == "scheduled")
        await #expect { try await world.day("en", "2027-03-10") } throws: { error in
            guard let error = error as? RPCError else { return false }
            return error.code == .notFound && error.field == "date" && error.message.contains("2027-03-10T05:00:00")
        }
        let before = try await world.day("en")
        #expect(before.date == "2027-03-09" && before.items.isEmpty)
        // One second before New York's midnight (05:00 UTC, standard time): still scheduled.
        world.at("2027-03-10T04:59:59Z")
        #expect(try await world.day("en").date == "2027-03-09")
        world.at("2027-03-10T05:00:00Z")
        let today = try await world.day("en")
        #expect(today.date == "2027-03-10" && today.timeZone == "America/New_York")
        #expect(today.items.map(\.id) == english && today.nextPublicationAt.hasPrefix("2027-03-11T05:00:00"))
        #expect(today.items[0].verseReference == "Psalms 119:1" && today.items[0].videoURL.hasPrefix("https://"))
        #expect(try await world.service.get(.with { $0.id = english[0] }, context: world.context).publication == "published")
        // Mexico City is an hour later (06:00 UTC).
        #expect(try await world.day("es").date == "2027-03-09")
        world.at("2027-03-10T06:00:00Z")
        #expect(try await world.day("es").items.map(\.id) == spanish)
        // After New York moves its clocks (14 March), midnight is 04:00 UTC.
        world.at("2027-03-20T04:00:00Z")
        #expect(try await world.day("en").date == "2027-03-20")
    }

    @Test func draftsRejectedAndUnapprovedItemsNeverAppear() async throws {
        let world = try World()
        world.at("2027-04-01T12:00:00Z")
        let statuses: [ContentStatus] = [.empty, .generated, .assigned, .submitted, .rejected]
        for (offset, status) in statuses.enumerated() { _ = try await world.items("2027-03-2\(offset)", "en", to: status) }
        let listed = try await world.service.listPublished(.with {
            $0.language = "en"; $0.fromDate = "2027-03-01"; $0.toDate = "2027-04-30"
        }, context: world.context)
        #expect(listed.items.isEmpty)
        for offset in statuses.indices { #expect(try await world.day("en", "2027-03-2\(offset)").items.isEmpty) }
    }

    @Test func unpublishPullsAnItemAtOnceAndRepublishPutsItBackBothInTheHistory() async throws {
        let world = try World()
        world.at("2027-05-02T12:00:00Z")
        let ids = try await world.items("2027-05-02", "en")
        #expect(try await world.day("en").items.count == 2)
        let pulled = try await Principal.$current.withValue(Principal(subject: "user:5", role: .admin)) {
            try await world.service.unpublish(.with { $0.id = ids[0]; $0.note = "Wrong verse for the day" }, context: world.context)
        }
        #expect(pulled.publication == "unpublished" && pulled.unpublishNote == "Wrong verse for the day")
        #expect(pulled.actions == [.republish])
        #expect(try await world.day("en").items.map(\.id) == [ids[1]])
        await #expect(throws: RPCError.self) {
            try await world.service.unpublish(.with { $0.id = ids[0]; $0.note = "again" }, context: world.context)
        }
        await #expect { try await world.service.unpublish(.with { $0.id = ids[1] }, context: world.context) } throws: {
            ($0 as? RPCError)?.field == "note"
        }
        let back = try await world.service.republish(.with { $0.id = ids[0] }, context: world.context)
        #expect(back.publication == "published" && back.actions == [.unpublish])
        #expect(try await world.day("en").items.count == 2)
        let history = try await world.service.get(.with { $0.id = ids[0] }, context: world.context).history
        #expect(Array(history.suffix(2).map(\.action)) == ["unpublished", "republished"])
        #expect(history.suffix(2).first?.note == "Wrong verse for the day" && history.suffix(2).first?.actor.userID == 5)
        // Only approved items are pulled.
        let draft = try await world.items("2027-05-03", "en", to: .submitted)
        await #expect { try await world.service.unpublish(.with { $0.id = draft[0]; $0.note = "x" }, context: world.context) } throws: {
            ($0 as? RPCError)?.code == .failedPrecondition
        }
    }

    @Test func listPublishedLeavesOutDaysToComeAndPages() async throws {
        let world = try World()
        world.at("2027-06-01T12:00:00Z")
        for day in 20...22 { _ = try await world.items("2027-05-\(day)", "en") }
        _ = try await world.items("2027-06-02", "en")
        let page = try await world.service.listPublished(.with {
            $0.language = "en"; $0.fromDate = "2027-05-01"; $0.toDate = "2027-06-30"; $0.pageSize = 2
        }, context: world.context)
        #expect(page.items.count == 2 && !page.nextPageToken.isEmpty && page.timeZone == "America/New_York")
        let all = try await world.service.listPublished(.with {
            $0.language = "en"; $0.fromDate = "2027-05-01"; $0.toDate = "2027-06-30"
        }, context: world.context)
        #expect(all.items.count == 6 && !all.items.contains { $0.postDate == "2027-06-02" })
        #expect(all.items.map(\.postDate) == all.items.map(\.postDate).sorted())
        await #expect { try await world.service.listPublished(.with {
            $0.language = "en"; $0.fromDate = "2027-01-01"; $0.toDate = "2028-06-30"
        }, context: world.context) } throws: { ($0 as? RPCError)?.field == "to_date" }
        await #expect { try await world.day("xx") } throws: { ($0 as? RPCError)?.field == "language" && ($0 as? RPCError)?.code == .notFound }
    }

    @Test func theAppRoleReadsThePublishedFeedAndNothingElse() {
        typealias M = Luma_Content_V1_ContentPipelineService.Method
        let policy = ContentPipelineAccess.policy
        #expect(policy.allows(M.getPublished.descriptor, .app) && policy.allows(M.listPublished.descriptor, .app))
        let others = Luma_Content_V1_ContentPipelineService.descriptor.methods
            .filter { ![M.getPublished.descriptor.fullName, M.listPublished.descriptor.fullName].contains($0.fullName) }
        for method in others { #expect(!policy.allows(method, .app), "\(method.fullName)") }
    }

    @Test func channelZonesAreParsedWithPreciseErrors() throws {
        let zones = try PublicationCalendar.zones("en=Europe/London, es=America/Bogota")
        #expect(zones["en"]?.identifier == "Europe/London" && zones["es"]?.identifier == "America/Bogota")
        #expect(throws: RPCError.self) { try PublicationCalendar.zones("en=Mars/Olympus") }
        #expect(throws: RPCError.self) { try PublicationCalendar.zones("english=UTC") }
    }
}
