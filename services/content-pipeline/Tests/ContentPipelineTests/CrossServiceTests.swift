import ContentAPI
import CreatorsAPI
import Foundation
import GRDB
import LumaRPC
import OpsAPI
import LumaRPCNIO
import LumaServiceKit
import LumaTestSupport
import Testing
import VersesAPI

/// Typed clients for a running stack.
struct Clients {
    let content: Luma_Content_V1_ContentPipelineClient
    let verses: Luma_Verses_V1_VerseRegistryClient
    let creators: Luma_Creators_V1_CreatorRegistryClient
    let contentOps: Luma_Ops_V1_OperationsClient

    init(_ stack: LumaStack) {
        var configuration = RPCClient.Configuration()
        configuration.defaultTimeout = .seconds(20)
        content = .init(RPCClient(endpoints: [stack.contentEndpoint], configuration: configuration))
        verses = .init(RPCClient(endpoints: [stack.versesEndpoint], configuration: configuration))
        creators = .init(RPCClient(endpoints: [stack.creatorsEndpoint], configuration: configuration))
        contentOps = .init(RPCClient(endpoints: [stack.contentEndpoint], configuration: configuration))
    }

    /// The three services in this process (same wiring, no socket).
    init(_ stack: InProcessStack) {
        content = .init(stack.client(stack.contentEndpoint))
        verses = .init(stack.client(stack.versesEndpoint))
        creators = .init(stack.client(stack.creatorsEndpoint))
        contentOps = .init(stack.client(stack.contentEndpoint))
    }

    func creator(capacity: Int64 = 31) async throws -> Luma_Creators_V1_Creator {
        let user = try await creators.createUser(.with {
            $0.email = "c\(UUID().uuidString.prefix(8))@example.com"; $0.displayName = "C"; $0.role = .creator
        })
        return try await creators.createCreator(.with {
            $0.userID = user.id; $0.displayName = "Creator"; $0.canBible = true; $0.canPositivity = true; $0.monthlyCapacity = capacity
        })
    }

    func planAndGenerate(_ from: String, _ to: String, modes: [Luma_Content_V1_Mode] = [.bible, .positivity]) async throws -> [Luma_Content_V1_ContentItem] {
        _ = try await content.plan(.with { $0.fromDate = from; $0.toDate = to; $0.modes = modes })
        let generated = try await content.generate(.with { $0.range = .with { $0.fromDate = from; $0.toDate = to } })
        #expect(generated.failures.isEmpty, "\(generated.failures)")
        return generated.items
    }
}

func openDatabase(_ path: String) throws -> DatabasePool {
    try ServiceDatabase.open(path: path)
}

/// Across the three services: domain behaviour in one process (InProcessStack), outages and
/// crashes with real processes (LumaStack).
@Suite("Three services together", .serialized)
struct CrossServiceTests {
    @Test func aMonthOfBothModesUsesNoVerseTwice() async throws {
        let stack = try await InProcessStack()
        let clients = Clients(stack)
        let items = try await clients.planAndGenerate("2026-12-01", "2026-12-31")
        #expect(items.count == 62)
        let bible = items.filter { $0.mode == .bible }
        #expect(bible.count == 31)
        #expect(Set(bible.map(\.verseReference)).count == 31)
        #expect(bible.allSatisfy { !$0.verseText.isEmpty && $0.cameraScript.contains($0.verseReference) })
        #expect(items.filter { $0.mode == .positivity }.allSatisfy { $0.verseReference.isEmpty && !$0.category.isEmpty })
        let stats = try await clients.verses.usageStats(.init())
        #expect(stats.usedVerses >= 31 && stats.contentItems == 31)
        let board = try await clients.content.board(.with { $0.fromDate = "2026-12-01"; $0.toDate = "2026-12-31"; $0.countsOnly = true })
        #expect(board.counts.map(\.count).reduce(0, +) == 62)
        #expect(board.counts.allSatisfy { $0.status == .generated })
        await stack.stop()
    }

    @Test func deletingAnItemReleasesItsVerseEvenAcrossAVerseRegistryOutageAndAPipelineCrash() async throws {
        let stack = try await LumaStack.start()
        let clients = Clients(stack)
        let items = try await clients.planAndGenerate("2026-12-01", "2026-12-03", modes: [.bible])
        let reference = items[0].verseReference

        // Plain delete: the verse becomes claimable again.
        _ = try await clients.content.delete(.with { $0.id = items[0].id })
        #expect(await eventually { (try? await clients.verses.isUsed(.with { $0.reference = reference }).used) == false })

        // verse-registry down: the delete commits, the release waits in the outbox...
        let second = items[1].verseReference
        await stack.verses!.stop()
        _ = try await clients.content.delete(.with { $0.id = items[1].id })
        let pending = try await clients.contentOps.outboxStatus(.init())
        #expect(pending.pending == 1)
        // ...and the pipeline is killed before it could deliver.
        await stack.content!.kill()
        try await stack.startVerses()
        #expect(try await clients.verses.isUsed(.with { $0.reference = second }).used)
        try await stack.startContent()
        #expect(await eventually(timeout: .seconds(30)) { (try? await clients.verses.isUsed(.with { $0.reference = second }).used) == false })
        #expect(await eventually { (try? await clients.contentOps.outboxStatus(.init()).pending) == 0 })
        // The third item's verse is untouched.
        #expect(try await clients.verses.isUsed(.with { $0.reference = items[2].verseReference }).used)
        await stack.stopAll()
    }

    @Test func assignWithCreatorRegistryDownIsUnavailableAndChangesNothing() async throws {
        let stack = try await LumaStack.start()
        let clients = Clients(stack)
        let creator = try await clients.creator()
        let items = try await clients.planAndGenerate("2026-12-01", "2026-12-01", modes: [.positivity])
        await stack.creators!.stop()
        let error = await #expect(throws: RPCError.self) {
            try await clients.content.assign(.with { $0.id = items[0].id; $0.creatorID = creator.id })
        }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("creator-registry is unreachable") == true)
        let item = try await clients.content.get(.with { $0.id = items[0].id })
        #expect(item.status == .generated && item.creatorID == 0 && item.updatedAt == items[0].updatedAt)
        await stack.stopAll()
    }

    @Test func deletingACreatorSetsNullInThePipeline() async throws {
        let stack = try await InProcessStack()
        let clients = Clients(stack)
        let creator = try await clients.creator()
        let items = try await clients.planAndGenerate("2026-12-01", "2026-12-02", modes: [.positivity])
        for item in items { _ = try await clients.content.assign(.with { $0.id = item.id; $0.creatorID = creator.id }) }
        _ = try await clients.content.submit(.with {
            $0.id = items[1].id; $0.videoURL = "https://cdn.example.com/v.mp4"; $0.thumbnailURL = "https://cdn.example.com/t.jpg"
        })
        _ = try await clients.creators.deleteCreator(.with { $0.id = creator.id })
        #expect(await eventually {
            (try? await clients.content.get(.with { $0.id = items[0].id }))?.status == .generated
        })
        let first = try await clients.content.get(.with { $0.id = items[0].id })
        let second = try await clients.content.get(.with { $0.id = items[1].id })
        #expect(first.creatorID == 0 && first.status == .generated)
        #expect(second.creatorID == 0 && second.status == .submitted)
        await stack.stop()
    }

    @Test func theIntegrityCheckerFindsOrphansPlantedInTheDatabasesAndRepairsThem() async throws {
        let stack = try await LumaStack.start()
        let clients = Clients(stack)
        let creator = try await clients.creator()
        let items = try await clients.planAndGenerate("2026-12-01", "2026-12-02", modes: [.bible])
        _ = try await clients.content.assign(.with { $0.id = items[0].id; $0.creatorID = creator.id })
        let clean = try await clients.content.checkIntegrity(.init())
        #expect(clean.ledgerOrphanContentIds.isEmpty && clean.contentWithMissingCreator.isEmpty && clean.creatorsWithMissingUser.isEmpty)

        // Plant orphans behind the services' backs.
        let verses = try openDatabase(stack.directory + "/verses.sqlite")
        try await verses.write { db in
            try db.execute(sql: """
                INSERT INTO used_bible_verses (language, book, chapter, verse, ordinal, daily_content_id, used_date, created_at)
                VALUES ('en', 'Gen', 1, 1, 1, 9999, '2026-12-09', '2026-12-09T00:00:00Z')
                """)
        }
        let content = try openDatabase(stack.directory + "/content.sqlite")
        try await content.write { try $0.execute(sql: "UPDATE daily_content SET creator_id = 777 WHERE id = ?", arguments: [items[1].id]) }
        let creators = try openDatabase(stack.directory + "/creators.sqlite")
        try await creators.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "DELETE FROM users WHERE id = ?", arguments: [creator.userID])
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }

        let report = try await clients.content.checkIntegrity(.init())
        #expect(report.ledgerOrphanContentIds == [9999])
        #expect(report.contentWithMissingCreator == [items[1].id])
        #expect(report.creatorsWithMissingUser == [creator.id])
        #expect(!report.repaired)

        let repaired = try await clients.content.checkIntegrity(.with { $0.repair = true })
        #expect(repaired.repaired)
        let after = try await clients.content.checkIntegrity(.init())
        #expect(after.ledgerOrphanContentIds.isEmpty && after.contentWithMissingCreator.isEmpty)
        #expect(after.creatorsWithMissingUser == [creator.id])  // RESTRICT: reported, never auto-deleted
        #expect(try await clients.verses.isUsed(.with { $0.reference = "Gen 1:1" }).used == false)
        await stack.stopAll()
    }
}
