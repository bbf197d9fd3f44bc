import Foundation
import GRDB
import LumaRPC
import Testing
import VersesAPI
@testable import VerseRegistry

@Suite("Used-verse ledger (no socket)")
struct LedgerTests {
    let context = testContext()

    func claim(_ service: VerseRegistryService, _ content: Int64, _ reference: String, date: String = "2026-12-01") async throws -> Luma_Verses_V1_ClaimVerseResponse {
        try await service.claimVerse(.with {
            $0.dailyContentID = content
            $0.reference = reference
            $0.usedDate = date
        }, context: context)
    }

    @Test func claimWritesOneRowPerVerseAndADuplicateNamesItsOwner() async throws {
        let (service, pool) = try await makeService()
        let claimed = try await claim(service, 7, "1 Cor 13:4-7", date: "2026-12-03")
        #expect(claimed.reference == "1 Corinthians 13:4-7")
        #expect(claimed.claimed.map(\.verse) == [4, 5, 6, 7])
        #expect(claimed.claimed.allSatisfy { $0.dailyContentID == 7 && $0.usedDate == "2026-12-03" && $0.book == "1Cor" })

        let error = await #expect(throws: RPCError.self) { try await claim(service, 8, "1 Corinthians 13:7") }
        #expect(error?.code == .alreadyExists)
        #expect(error?.message == "1 Corinthians 13:7 was already used in 'en' by daily content 7 on 2026-12-03")
        #expect(try ledgerCount(pool) == 4)
    }

    @Test func aRangeOverlappingAUsedVerseClaimsNothing() async throws {
        let (service, pool) = try await makeService()
        _ = try await claim(service, 1, "John 3:16")
        let error = await #expect(throws: RPCError.self) { try await claim(service, 2, "John 3:14-18") }
        #expect(error?.code == .alreadyExists)
        #expect(try ledgerCount(pool) == 1)
        let free = try await service.isUsed(.with { $0.reference = "John 3:17" }, context: context)
        #expect(!free.used)
    }

    @Test func claimingAgainForTheSameContentIsANoOp() async throws {
        let (service, pool) = try await makeService()
        _ = try await claim(service, 3, "Ps 23")
        let again = try await claim(service, 3, "Psalm 23")
        #expect(again.claimed.count == 6)
        #expect(try ledgerCount(pool) == 6)
    }

    @Test func missingContentIsFailedPreconditionAndUnreachableIsUnavailable() async throws {
        let stub = StubContentDirectory([1])
        let (service, pool) = try await makeService(content: stub)
        let missing = await #expect(throws: RPCError.self) { try await claim(service, 99, "John 3:16") }
        #expect(missing?.code == .failedPrecondition)
        #expect(missing?.message == "daily content 99 does not exist")
        #expect(missing?.field == "daily_content_id")

        stub.reachable.withLockedValue { $0 = false }
        let down = await #expect(throws: RPCError.self) { try await claim(service, 1, "John 3:16") }
        #expect(down?.code == .unavailable)
        let next = await #expect(throws: RPCError.self) {
            try await service.claimNextUnused(.with { $0.dailyContentID = 1; $0.category = "hope"; $0.usedDate = "2026-12-01" }, context: context)
        }
        #expect(next?.code == .unavailable)
        #expect(try ledgerCount(pool) == 0)
    }

    @Test(arguments: [
        (Int64(1), "John 0:1", "2026-12-01", "reference"),
        (Int64(1), "John -3:16", "2026-12-01", "reference"),
        (Int64(1), String(repeating: "x", count: 10_240), "2026-12-01", "reference"),
        (Int64(1), "John 3:16", "2026-02-30", "used_date"),
        (Int64(1), "John 3:16", "26-12-01", "used_date"),
        (Int64(1), "John 3:16", String(repeating: "9", count: 10_240), "used_date"),
        (Int64(1), "John 3:16", "", "used_date"),
        (Int64(0), "John 3:16", "2026-12-01", "daily_content_id"),
        (Int64(-5), "John 3:16", "2026-12-01", "daily_content_id"),
    ])
    func badInputIsInvalidArgumentAndWritesNothing(content: Int64, reference: String, date: String, field: String) async throws {
        let (service, pool) = try await makeService()
        let error = await #expect(throws: RPCError.self) { try await claim(service, content, reference, date: date) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.field == field)
        #expect((error?.message.count ?? 0) < 200)
        #expect(try ledgerCount(pool) == 0)
    }

    @Test func claimNextUnusedNeverRepeatsAndKeepsAnItemsClaim() async throws {
        let (service, pool) = try await makeService()
        var seen = Set<String>()
        for content in Int64(1)...20 {
            let claim = try await service.claimNextUnused(.with {
                $0.dailyContentID = content
                $0.category = "hope"
                $0.usedDate = "2026-12-01"
            }, context: context)
            #expect(!claim.text.isEmpty)
            #expect(claim.translation == "kjv")
            #expect(seen.insert(claim.reference).inserted)
        }
        // Asking again for item 5 returns its verse rather than a new one.
        let first = try await service.isUsed(.with { $0.reference = "Rom 15:13" }, context: context)
        let again = try await service.claimNextUnused(.with { $0.dailyContentID = 5; $0.category = "hope"; $0.usedDate = "2026-12-01" }, context: context)
        #expect(seen.contains(again.reference))
        let items = try await pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(DISTINCT daily_content_id) FROM used_bible_verses") }
        #expect(items == 20)
        #expect(first.used)
    }

    /// Only when no verse with text in the translation is left anywhere does a claim fail.
    @Test func noVerseLeftAnywhereIsResourceExhaustedNamingTheCategory() async throws {
        let (service, _) = try await makeService()
        _ = try await service.importTranslation(.with {
            $0.id = "tiny"; $0.name = "Two verses"; $0.language = "en"
            $0.lines = ["43\tJohn\t3\t16\tFor God so loved the world.", "19\tPs\t23\t1\tThe LORD is my shepherd."]
        }, context: context)
        for (content, category) in [(Int64(1), "love"), (2, "hope")] {
            _ = try await service.claimNextUnused(.with {
                $0.dailyContentID = content; $0.category = category; $0.usedDate = "2026-12-01"; $0.translation = "tiny"
            }, context: context)
        }
        let error = await #expect(throws: RPCError.self) {
            try await service.claimNextUnused(.with {
                $0.dailyContentID = 3; $0.category = "hope"; $0.usedDate = "2026-12-02"; $0.translation = "tiny"
            }, context: context)
        }
        #expect(error?.code == .resourceExhausted)
        #expect(error?.message.contains("'hope'") == true)
        #expect(error?.field == "category")
        let unknown = await #expect(throws: RPCError.self) {
            try await service.claimNextUnused(.with { $0.dailyContentID = 2; $0.category = "nope"; $0.usedDate = "2026-12-02" }, context: context)
        }
        #expect(unknown?.code == .notFound)
    }

    @Test func releaseMakesVersesClaimableAgainAndIsIdempotent() async throws {
        let (service, pool) = try await makeService()
        _ = try await claim(service, 4, "John 3:16-17")
        let released = try await service.releaseForContent(.with { $0.dailyContentID = 4 }, context: context)
        #expect(released.released == 2)
        let twice = try await service.releaseForContent(.with { $0.dailyContentID = 4 }, context: context)
        #expect(twice.released == 0)
        let unknown = try await service.releaseForContent(.with { $0.dailyContentID = 999 }, context: context)
        #expect(unknown.released == 0)
        _ = try await claim(service, 5, "John 3:16")
        #expect(try ledgerCount(pool) == 1)
    }

    @Test func theLedgerIsAppendOnly() async throws {
        let (service, pool) = try await makeService()
        _ = try await claim(service, 4, "John 3:16")
        #expect(throws: DatabaseError.self) {
            try pool.write { try $0.execute(sql: "UPDATE used_bible_verses SET daily_content_id = 5") }
        }
    }

    @Test func listUsedIsOrderedByDateAndPaged() async throws {
        let (service, _) = try await makeService()
        _ = try await claim(service, 1, "John 3:16", date: "2026-12-03")
        _ = try await claim(service, 2, "Gen 1:1-2", date: "2026-12-01")
        _ = try await claim(service, 3, "Rev 22:21", date: "2026-12-02")
        let page1 = try await service.listUsed(.with { $0.pageSize = 2 }, context: context)
        #expect(page1.verses.map(\.usedDate) == ["2026-12-01", "2026-12-01"])
        let page2 = try await service.listUsed(.with { $0.pageSize = 2; $0.pageToken = page1.nextPageToken }, context: context)
        #expect(page2.verses.map(\.usedDate) == ["2026-12-02", "2026-12-03"])
        #expect(page2.nextPageToken.isEmpty)
        let ranged = try await service.listUsed(.with { $0.fromDate = "2026-12-02"; $0.toDate = "2026-12-02" }, context: context)
        #expect(ranged.verses.map(\.book) == ["Rev"])
        let stats = try await service.usageStats(.init(), context: context)
        #expect(stats.usedVerses == 4 && stats.contentItems == 3 && stats.totalVerses == 31102)
        #expect(stats.firstUsedDate == "2026-12-01" && stats.lastUsedDate == "2026-12-03")
        let badToken = await #expect(throws: RPCError.self) { try await service.listUsed(.with { $0.pageToken = "!!" }, context: context) }
        #expect(badToken?.field == "page_token")
    }
}
