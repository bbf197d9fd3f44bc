import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import Testing
import VersesAPI
@testable import VerseRegistry

/// Issue 24: a verse is used once per language channel. English and Spanish each have the whole
/// Bible; within one language a verse is still never used twice.
@Suite("Used-verse ledger per language")
struct LanguageChannelTests {
    let context = testContext()

    func claim(_ service: VerseRegistryService, _ content: Int64, _ reference: String, language: String = "",
               date: String = "2027-01-04") async throws -> Luma_Verses_V1_ClaimVerseResponse {
        try await service.claimVerse(.with {
            $0.dailyContentID = content
            $0.reference = reference
            $0.usedDate = date
            $0.language = language
        }, context: context)
    }

    func next(_ service: VerseRegistryService, _ content: Int64, translation: String, language: String = "",
              date: String = "2027-01-04") async throws -> Luma_Verses_V1_ClaimNextUnusedResponse {
        try await service.claimNextUnused(.with {
            $0.dailyContentID = content
            $0.category = "hope"
            $0.usedDate = date
            $0.translation = translation
            $0.language = language
        }, context: context)
    }

    @Test func anEnglishAndASpanishItemOnTheSameDayHoldTheSameVerseButTwoEnglishItemsMayNot() async throws {
        let (service, pool) = try await makeService()
        let english = try await claim(service, 1, "John 3:16", language: "en")
        let spanish = try await claim(service, 2, "Juan 3:16", language: "es")
        #expect(english.claimed.map(\.language) == ["en"] && spanish.claimed.map(\.language) == ["es"])
        #expect(english.reference == spanish.reference)

        let secondEnglish = await #expect(throws: RPCError.self) { try await claim(service, 3, "John 3:14-16") }
        #expect(secondEnglish?.code == .alreadyExists)
        #expect(secondEnglish?.message == "John 3:16 was already used in 'en' by daily content 1 on 2027-01-04")
        let secondSpanish = await #expect(throws: RPCError.self) { try await claim(service, 4, "John 3:16", language: "es") }
        #expect(secondSpanish?.message == "John 3:16 was already used in 'es' by daily content 2 on 2027-01-04")
        #expect(try ledgerCount(pool) == 2)

        let used = try await service.isUsed(.with { $0.reference = "John 3:16" }, context: context)
        #expect(used.usages.map(\.language).sorted() == ["en", "es"])
        let listed = try await service.listUsed(.with { $0.fromDate = "2027-01-04"; $0.toDate = "2027-01-04" }, context: context)
        #expect(listed.verses.map { "\($0.language) \($0.dailyContentID)" } == ["en 1", "es 2"])
    }

    @Test func claimNextUnusedConsidersOnlyTheItemsLanguage() async throws {
        let (service, pool) = try await makeService()
        let english = try await next(service, 1, translation: "kjv", language: "en")
        let spanish = try await next(service, 2, translation: "rv1909", language: "es")
        #expect(english.reference == spanish.reference)
        #expect(english.claimed.allSatisfy { $0.language == "en" } && spanish.claimed.allSatisfy { $0.language == "es" })
        // The language defaults to the translation's.
        let secondEnglish = try await next(service, 3, translation: "kjv")
        #expect(secondEnglish.reference != english.reference)
        #expect(secondEnglish.claimed.allSatisfy { $0.language == "en" })
        let rows = try await pool.read { try Row.fetchAll($0, sql: "SELECT language, ordinal FROM used_bible_verses") }
        #expect(Set(rows.map { "\($0["language"] as String) \($0["ordinal"] as Int)" }).count == rows.count)

        let mismatch = await #expect(throws: RPCError.self) { try await next(service, 4, translation: "kjv", language: "es") }
        #expect(mismatch?.code == .invalidArgument && mismatch?.field == "language")
        let bad = await #expect(throws: RPCError.self) { try await claim(service, 4, "John 3:16", language: "english!") }
        #expect(bad?.code == .invalidArgument && bad?.field == "language")
    }

    @Test func verifyClaimsJudgesHeldByAnotherItemPerLanguage() async throws {
        let (service, _) = try await makeService()
        _ = try await claim(service, 1, "John 3:16", language: "en")
        _ = try await claim(service, 2, "John 3:16", language: "es")
        let verdicts = try await service.verifyClaims(.with {
            $0.claims = [
                .with { $0.dailyContentID = 1; $0.reference = "John 3:16"; $0.language = "en" },
                .with { $0.dailyContentID = 2; $0.reference = "Juan 3:16"; $0.language = "es" },
                .with { $0.dailyContentID = 3; $0.reference = "John 3:16" },                      // en by default
                .with { $0.dailyContentID = 4; $0.reference = "Juan 3:16"; $0.language = "es" },
                .with { $0.dailyContentID = 5; $0.reference = "Juan 3:16"; $0.language = "fr" },
            ]
        }, context: context).verdicts
        #expect(verdicts.map(\.outcome) == [.held, .held, .heldByOther, .heldByOther, .missing])
        #expect(verdicts[2].holders == [1] && verdicts[3].holders == [2])
        #expect(verdicts[3].detail == "John 3:16 is held by daily content 2 in 'es'")
    }

    @Test func releasingAnItemFreesOnlyItsOwnLanguagesRows() async throws {
        let (service, pool) = try await makeService()
        _ = try await claim(service, 1, "Ps 23:1", language: "en")
        _ = try await claim(service, 2, "Ps 23:1", language: "es")
        _ = try await service.releaseForContent(.with { $0.dailyContentID = 2 }, context: context)
        #expect(try ledgerCount(pool) == 1)
        _ = try await claim(service, 3, "Ps 23:1", language: "es")
        let tombstoned = await #expect(throws: RPCError.self) { try await claim(service, 2, "Ps 23:2", language: "es") }
        #expect(tombstoned?.code == .failedPrecondition)
    }
}

@Suite("Upgrading to a ledger per language")
struct LedgerPerLanguageMigrationTests {
    /// 009 keeps every row, its id and its tombstones; the rows become English; the unique key
    /// becomes (language, book, chapter, verse) and the ledger stays append-only.
    @Test func theUpgradeKeepsEveryRowAndTombstone() async throws {
        let (pool, _) = try ServiceDatabase.temporary(name: "verses-language-upgrade")
        try VerseRegistryMigrations.migrator.migrate(pool, upTo: "008_rv1909_text")
        let parser = ReferenceParser()
        let john = try parser.parse("John 3:16").first, psalm = try parser.parse("Ps 23:1").first
        try await pool.write { db in
            for (id, book, chapter, verse, ordinal, content) in [
                (5, "John", 3, 16, john, 11), (9, "Ps", 23, 1, psalm, 12), (12, "Ps", 23, 2, psalm + 1, 12),
            ] as [(Int, String, Int, Int, Int, Int)] {
                try db.execute(sql: """
                    INSERT INTO used_bible_verses (id, book, chapter, verse, ordinal, daily_content_id, used_date, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, '2026-12-01', '2026-12-01T00:00:00Z')
                    """, arguments: [id, book, chapter, verse, ordinal, content])
            }
            try db.execute(sql: "INSERT INTO released_content (daily_content_id, released_at) VALUES (13, '2026-12-02T00:00:00Z')")
        }
        let before = try await pool.read { try Row.fetchAll($0, sql: "SELECT id, book, chapter, verse, ordinal, daily_content_id, used_date, created_at FROM used_bible_verses ORDER BY id") }
        try VerseRegistryMigrations.migrator.migrate(pool)
        let after = try await pool.read { try Row.fetchAll($0, sql: "SELECT id, book, chapter, verse, ordinal, daily_content_id, used_date, created_at FROM used_bible_verses ORDER BY id") }
        #expect(after == before)
        let languages = try await pool.read { try String.fetchAll($0, sql: "SELECT DISTINCT language FROM used_bible_verses") }
        #expect(languages == ["en"])

        let service = VerseRegistryService(database: pool, content: StubContentDirectory())
        let context = testContext()
        // English: still used by item 11. Spanish: free.
        let english = await #expect(throws: RPCError.self) {
            try await service.claimVerse(.with { $0.dailyContentID = 20; $0.reference = "John 3:16"; $0.usedDate = "2027-01-04"; $0.language = "en" }, context: context)
        }
        #expect(english?.code == .alreadyExists)
        let spanish = try await service.claimVerse(.with { $0.dailyContentID = 21; $0.reference = "John 3:16"; $0.usedDate = "2027-01-04"; $0.language = "es" }, context: context)
        #expect(spanish.claimed.count == 1)
        // A new row gets an id above the kept ones; the tombstone still refuses a claim.
        let newID = try await pool.read { try Int.fetchOne($0, sql: "SELECT id FROM used_bible_verses WHERE daily_content_id = 21") }
        #expect((newID ?? 0) > 12)
        let tombstoned = await #expect(throws: RPCError.self) {
            try await service.claimVerse(.with { $0.dailyContentID = 13; $0.reference = "Gen 1:1"; $0.usedDate = "2027-01-04"; $0.language = "es" }, context: context)
        }
        #expect(tombstoned?.code == .failedPrecondition)
        // Still append-only, and still unique per language.
        #expect(throws: (any Error).self) { try pool.write { try $0.execute(sql: "UPDATE used_bible_verses SET daily_content_id = 5") } }
        #expect(throws: (any Error).self) {
            try pool.write { try $0.execute(sql: """
                INSERT INTO used_bible_verses (language, book, chapter, verse, ordinal, daily_content_id, used_date, created_at)
                VALUES ('en', 'Ps', 23, 1, ?, 30, '2027-01-05', '2027-01-05T00:00:00Z')
                """, arguments: [psalm]) }
        }
    }
}
