import ContentAPI
import CreatorsAPI
import VersesAPI
import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import NIOConcurrencyHelpers
@testable import ContentPipeline

/// verse-registry stand-in: hands out numbered verses, never the same twice.
final class StubVerses: VerseSource {
    let claims = NIOLockedValueBox<[Int64: String]>([:])
    let released = NIOLockedValueBox<[Int64]>([])
    /// Passages released one by one (a regeneration's old verse), as (item, reference).
    let releasedReferences = NIOLockedValueBox<[(Int64, String)]>([])
    /// Passages an item still holds beside its current one (given up by a regeneration, their
    /// release not yet delivered).
    let superseded = NIOLockedValueBox<[Int64: [String]]>([:])
    let reachable = NIOLockedValueBox(true)
    let counter = NIOLockedValueBox(0)

    func check() throws {
        guard reachable.withLockedValue({ $0 }) else { throw RPCError.unavailable("verse-registry is unreachable: stub") }
    }
    func categories() async throws -> [String] { try check(); return ["hope", "peace"] }
    func claimNextUnused(content: Int64, category: String, date: String, translation: String, language: String,
                         replacing: [String]) async throws -> ClaimedVerse {
        try check()
        let reference = claims.withLockedValue { claims in
            if let held = claims[content], !replacing.contains(held) { return held }
            let reference = "Psalms 119:\(counter.withLockedValue { $0 += 1; return $0 })"
            if let held = claims[content] { superseded.withLockedValue { $0[content, default: []].append(held) } }
            claims[content] = reference
            return reference
        }
        return ClaimedVerse(reference: reference, text: "text of \(reference).", category: category)
    }
    func release(content: Int64, references: [String]) async throws {
        try check()
        guard !references.isEmpty else {
            released.withLockedValue { $0.append(content) }
            return
        }
        for reference in references {
            releasedReferences.withLockedValue { $0.append((content, reference)) }
            superseded.withLockedValue { $0[content]?.removeAll { $0 == reference } }
            claims.withLockedValue { if $0[content] == reference { $0[content] = nil } }
        }
    }
    func ledgerContentIDs() async throws -> [Int64] { try check(); return claims.withLockedValue { Array($0.keys) } }
    func verifyClaims(_ claims: [(content: Int64, reference: String, language: String)]) async throws -> [Luma_Verses_V1_ClaimVerdict] {
        try check()
        let held = self.claims.withLockedValue { $0 }
        return claims.map { claim in .with {
            $0.dailyContentID = claim.content
            let holders = held.filter { $0.value == claim.reference && $0.key != claim.content }.map(\.key).sorted()
            $0.holders = holders
            $0.outcome = !holders.isEmpty ? .heldByOther : held[claim.content] == claim.reference ? .held : .missing
        } }
    }
    func claim(reference: String, content: Int64, date: String, language: String) async throws {
        try check()
        claims.withLockedValue { $0[content] = reference }
    }
}

/// creator-registry stand-in.
final class StubCreators: CreatorDirectory {
    let creators = NIOLockedValueBox<[Int64: Luma_Creators_V1_Creator]>([:])
    let reachable = NIOLockedValueBox(true)

    func add(_ id: Int64, capacity: UInt32 = 8, bible: Bool = true, positivity: Bool = true, languages: [String] = ["en"], active: Bool = true) {
        creators.withLockedValue {
            $0[id] = .with {
                $0.id = id; $0.monthlyCapacity = capacity; $0.canBible = bible; $0.canPositivity = positivity
                $0.languages = languages; $0.active = active; $0.displayName = "Creator \(id)"
            }
        }
    }
    func check() throws {
        guard reachable.withLockedValue({ $0 }) else { throw RPCError.unavailable("creator-registry is unreachable: stub") }
    }
    func check(_ id: Int64) async throws -> Luma_Creators_V1_Creator? { try check(); return creators.withLockedValue { $0[id] } }
    func eligible(mode: ContentMode, language: String) async throws -> [Luma_Creators_V1_Creator] {
        try check()
        return creators.withLockedValue { Array($0.values) }.filter {
            $0.active && (mode == .bible ? $0.canBible : $0.canPositivity) && $0.languages.contains(language)
        }.sorted { $0.id < $1.id }
    }
    func integrity() async throws -> (creatorIDs: [Int64], missingUser: [Int64]) {
        try check(); return (creators.withLockedValue { Array($0.keys) }, [])
    }
    func outboxStatus() async throws -> (pending: Int, failed: Int) { (0, 0) }
    let users = NIOLockedValueBox<[Int64: String]>([:])
    func userName(_ userID: Int64) async throws -> String? { try check(); return users.withLockedValue { $0[userID] } }
}

struct Pipeline {
    let service: ContentPipelineService
    let database: DatabasePool
    let verses = StubVerses()
    let creators = StubCreators()

    init() throws {
        let (pool, _) = try ServiceDatabase.temporary(name: "content")
        try ContentPipelineSchema.migrator.migrate(pool)
        database = pool
        service = ContentPipelineService(database: pool, verses: verses, creators: creators)
    }

    var context: RPCServerContext {
        RPCServerContext(
            method: RPCMethodDescriptor(service: "luma.content.v1.ContentPipeline", method: "test", inputType: "", outputType: "", idempotency: .unknown),
            callID: 1, metadata: [:], deadline: nil, peer: "test", logger: .init(label: "test"))
    }

    func plan(_ from: String, _ to: String, modes: [Luma_Content_V1_Mode] = [.bible, .positivity]) async throws -> Luma_Content_V1_PlanResponse {
        try await service.plan(.with { $0.fromDate = from; $0.toDate = to; $0.modes = modes }, context: context)
    }

    func item(_ date: String, _ mode: ContentMode) async throws -> Luma_Content_V1_ContentItem {
        let items = try await service.list(.with { $0.fromDate = date; $0.toDate = date; $0.mode = mode.message }, context: context).items
        return items[0]
    }

    func generate(_ id: Int64) async throws -> Luma_Content_V1_ContentItem {
        try await service.generate(.with { $0.id = id }, context: context).items[0]
    }

    func assign(_ id: Int64, to creator: Int64) async throws -> Luma_Content_V1_ContentItem {
        try await service.assign(.with { $0.id = id; $0.creatorID = creator }, context: context)
    }

    func submit(_ id: Int64) async throws -> Luma_Content_V1_ContentItem {
        try await service.submit(.with {
            $0.id = id; $0.videoURL = "https://cdn.example.com/v/\(id).mp4"; $0.thumbnailURL = "https://cdn.example.com/t/\(id).jpg"
        }, context: context)
    }

    func snapshot() throws -> [Row] {
        try database.read { try Row.fetchAll($0, sql: "SELECT * FROM daily_content ORDER BY id") }
    }
}
