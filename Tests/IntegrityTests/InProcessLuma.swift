import ContentAPI
import ContentPipeline
import CreatorRegistry
import CreatorRegistryAdapters
import CreatorsAPI
import Foundation
import GRDB
import Logging
import LumaRPC
import LumaServiceKit
import LumaTestSupport
import NIOConcurrencyHelpers
import VerseRegistry
import VersesAPI

/// The three services' domain code in one process, wired to each other directly (no socket),
/// with their real databases, their outboxes (delivered when a test says so) and one
/// `PauseController` holding calls at their pause points. This is where races are forced in
/// each order; the transport has its own tests.
final class InProcessLuma: Sendable {
    let pauses = PauseController()
    let versesDB: DatabasePool
    let creatorsDB: DatabasePool
    let contentDB: DatabasePool
    let verses: VerseRegistryService
    let creators: CreatorRegistryService
    let content: ContentPipelineService
    /// content-pipeline's outbox: releases of deleted items' verses.
    let contentOutbox: OutboxDeliverer
    /// creator-registry's outbox: the SET NULL of deleted creators.
    let creatorsOutbox: OutboxDeliverer

    init() async throws {
        let directory = temporaryDirectory()
        try FileManager.default.copyItem(atPath: try await VerseTemplate.path(), toPath: directory + "/verses.sqlite")
        versesDB = try ServiceDatabase.openForService(path: directory + "/verses.sqlite", migrator: VerseRegistrySchema.migrator).0
        creatorsDB = try ServiceDatabase.openForService(path: directory + "/creators.sqlite", migrator: CreatorRegistrySchema.migrator).0
        contentDB = try ServiceDatabase.openForService(path: directory + "/content.sqlite", migrator: ContentPipelineSchema.migrator).0

        let lateContent = LateBound<ContentPipelineService>()
        verses = VerseRegistryService(database: versesDB, content: DirectContentDirectory(pipeline: lateContent), pausePoints: pauses.points)
        creators = CreatorRegistryService(database: creatorsDB, passwords: BcryptPasswordHasher())
        let verseSource = DirectVerseSource(registry: verses)
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        content = ContentPipelineService(
            database: contentDB, verses: verseSource, creators: DirectCreatorDirectory(registry: creators, database: creatorsDB),
            pausePoints: pauses.points)
        lateContent.set(content)
        contentOutbox = OutboxDeliverer(database: contentDB, handlers: ContentPipelineOutbox.handlers(verses: verseSource), logger: quiet)
        creatorsOutbox = OutboxDeliverer(
            database: creatorsDB, handlers: CreatorRegistryOutbox.handlers(pipeline: DirectDeletionReceiver(pipeline: content)), logger: quiet)
    }

    // MARK: Workflow shortcuts

    /// Plans one bible item on `date` and returns its id.
    func planBible(_ date: String) async throws -> Int64 {
        _ = try await content.plan(.with { $0.fromDate = date; $0.toDate = date; $0.modes = [.bible] }, context: .test)
        return try await content.list(.with { $0.fromDate = date; $0.toDate = date; $0.mode = .bible }, context: .test).items[0].id
    }

    func generate(_ id: Int64) async throws -> Luma_Content_V1_ContentItem {
        try await content.generate(.with { $0.id = id }, context: .test).items[0]
    }

    func item(_ id: Int64) async throws -> Luma_Content_V1_ContentItem {
        try await content.get(.with { $0.id = id }, context: .test)
    }

    func delete(_ id: Int64) async throws {
        _ = try await content.delete(.with { $0.id = id }, context: .test)
    }

    func newCreator(capacity: Int64 = 31) async throws -> Luma_Creators_V1_Creator {
        let user = try await creators.createUser(.with {
            $0.email = "c\(UUID().uuidString.prefix(8))@example.com"; $0.displayName = "C"; $0.role = .creator
        }, context: .test)
        return try await creators.createCreator(.with {
            $0.userID = user.id; $0.displayName = "Creator"; $0.canBible = true; $0.canPositivity = true; $0.monthlyCapacity = capacity
        }, context: .test)
    }

    func assign(_ id: Int64, to creator: Int64) async throws -> Luma_Content_V1_ContentItem {
        try await content.assign(.with { $0.id = id; $0.creatorID = creator }, context: .test)
    }

    func deleteCreator(_ id: Int64) async throws {
        _ = try await creators.deleteCreator(.with { $0.id = id }, context: .test)
    }

    /// Ledger rows of an item.
    func ledger(of content: Int64) throws -> [String] {
        try versesDB.read {
            try String.fetchAll($0, sql: "SELECT book || ' ' || chapter || ':' || verse FROM used_bible_verses WHERE daily_content_id = ?",
                                arguments: [content])
        }
    }

    func integrity(repair: Bool = false) async throws -> Luma_Content_V1_IntegrityReport {
        try await content.checkIntegrity(.with { $0.repair = repair }, context: .test)
    }

    /// Every outbox delivered (what the deliverers do on their own after each commit).
    func deliverAll() async {
        await contentOutbox.deliverDue()
        await creatorsOutbox.deliverDue()
    }
}

extension Luma_Content_V1_IntegrityReport {
    /// Every kind of dangling reference, empty when the three databases agree.
    var orphans: [Int64] {
        ledgerOrphanContentIds + bibleItemsWithoutLedgerRow + bibleItemsWithForeignLedgerRow
            + contentWithMissingCreator + creatorsWithMissingUser + bibleItemsHoldingOtherVerses
    }
}

extension RPCServerContext {
    static var test: RPCServerContext {
        RPCServerContext(
            method: RPCMethodDescriptor(service: "luma.test", method: "InProcess", inputType: "", outputType: "", idempotency: .unknown),
            callID: 1, metadata: [:], deadline: nil, peer: "in-process", logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }
}

/// Breaks the verse-registry <-> content-pipeline cycle: set once both exist.
final class LateBound<Value: Sendable>: Sendable {
    private let box = NIOLockedValueBox<Value?>(nil)
    func set(_ value: Value) { box.withLockedValue { $0 = value } }
    var value: Value { box.withLockedValue { $0! } }
}

// MARK: The ports, wired straight to the other service's provider

struct DirectContentDirectory: ContentDirectory {
    let pipeline: LateBound<ContentPipelineService>
    func contentExists(_ id: Int64) async throws -> Bool {
        try await pipeline.value.contentExists(.with { $0.id = id }, context: .test).exists
    }
}

struct DirectVerseSource: VerseSource {
    let registry: VerseRegistryService

    func categories() async throws -> [String] {
        try await registry.listCategories(.init(), context: .test).categories.map(\.name)
    }
    func claimNextUnused(content: Int64, category: String, date: String, translation: String, language: String,
                         replacing: [String]) async throws -> ClaimedVerse {
        let claim = try await registry.claimNextUnused(.with {
            $0.dailyContentID = content; $0.category = category; $0.usedDate = date; $0.translation = translation
            $0.language = language; $0.replacing = replacing
        }, context: .test)
        return ClaimedVerse(claim)
    }
    func release(content: Int64, references: [String]) async throws {
        _ = try await registry.releaseForContent(.with { $0.dailyContentID = content; $0.references = references }, context: .test)
    }
    func ledgerContentIDs() async throws -> [Int64] {
        try await registry.listContentIds(.init(), context: .test).dailyContentIds
    }
    func verifyClaims(_ claims: [(content: Int64, reference: String, language: String)]) async throws -> [Luma_Verses_V1_ClaimVerdict] {
        try await registry.verifyClaims(.with {
            $0.claims = claims.map { claim in
                .with { $0.dailyContentID = claim.content; $0.reference = claim.reference; $0.language = claim.language }
            }
        }, context: .test).verdicts
    }
    func claim(reference: String, content: Int64, date: String, language: String) async throws {
        _ = try await registry.claimVerse(.with {
            $0.reference = reference; $0.dailyContentID = content; $0.usedDate = date; $0.language = language
        }, context: .test)
    }
}

struct DirectCreatorDirectory: CreatorDirectory {
    let registry: CreatorRegistryService
    let database: DatabasePool

    func check(_ id: Int64) async throws -> Luma_Creators_V1_Creator? {
        let answer = try await registry.checkCreator(.with { $0.id = id }, context: .test)
        return answer.exists ? answer.creator : nil
    }
    func eligible(mode: ContentMode, language: String) async throws -> [Luma_Creators_V1_Creator] {
        try await registry.findEligible(.with { $0.mode = mode == .bible ? .bible : .positivity; $0.language = language }, context: .test).creators
    }
    func integrity() async throws -> (creatorIDs: [Int64], missingUser: [Int64]) {
        let report = try await registry.checkIntegrity(.init(), context: .test)
        return (report.creatorIds, report.creatorsWithMissingUser)
    }
    func outboxStatus() async throws -> (pending: Int, failed: Int) {
        let status = try await OperationsService(database: database).outboxStatus(.init(), context: .test)
        return (Int(status.pending), Int(status.failed))
    }
    func userName(_ userID: Int64) async throws -> String? {
        try? await registry.getUser(.with { $0.id = userID }, context: .test).displayName
    }
}

struct DirectDeletionReceiver: CreatorDeletionReceiver {
    let pipeline: ContentPipelineService
    func creatorDeleted(_ creatorID: Int64) async throws {
        _ = try await pipeline.creatorDeleted(.with { $0.creatorID = creatorID }, context: .test)
    }
}
