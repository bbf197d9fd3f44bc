import ContentAPI
import Foundation
import GRDB
import LumaRPC
import Testing

/// Issue 24: a verse is used once per language channel. The generate path claims in the item's
/// language, and the checker judges "held by another item" in it.
@Suite("Integrity checker: a verse once per language")
struct LanguageChannelIntegrityTests {
    func planBible(_ luma: InProcessLuma, _ date: String, _ language: String) async throws -> Int64 {
        _ = try await luma.content.plan(.with { $0.fromDate = date; $0.toDate = date; $0.modes = [.bible]; $0.languages = [language] }, context: .test)
        return try await luma.content.list(.with { $0.fromDate = date; $0.toDate = date; $0.mode = .bible; $0.language = language },
                                           context: .test).items[0].id
    }

    @Test func anEnglishAndASpanishItemOnTheSameDayShareAVerseAndTheCheckerJudgesPerLanguage() async throws {
        let luma = try await InProcessLuma()
        let en1 = try await planBible(luma, "2027-06-01", "en"), es1 = try await planBible(luma, "2027-06-01", "es")
        _ = try await luma.generate(en1)
        let spanish = try await luma.generate(es1)
        // The same day and category: the same first pick, once in each channel.
        #expect(try luma.ledger(of: en1) == luma.ledger(of: es1))
        #expect(!spanish.verseReference.isEmpty)
        #expect(try await luma.integrity().orphans.isEmpty)

        let en2 = try await planBible(luma, "2027-06-02", "en"), es2 = try await planBible(luma, "2027-06-02", "es")
        let english2 = try await luma.generate(en2)
        _ = try await luma.generate(es2)
        // Two English items never hold one verse.
        #expect(try luma.ledger(of: en2) != luma.ledger(of: en1))
        // en2 records en1's verse: held by another English item.
        try await luma.contentDB.write {
            try $0.execute(sql: "UPDATE daily_content SET verse_reference = (SELECT verse_reference FROM daily_content WHERE id = ?) WHERE id = ?",
                           arguments: [en1, en2])
        }
        // es2 loses its rows and records en2's original verse, which only English holds: a lost
        // claim in Spanish, not a verse held by another item.
        try await luma.versesDB.write { try $0.execute(sql: "DELETE FROM used_bible_verses WHERE daily_content_id = ?", arguments: [es2]) }
        try await luma.contentDB.write {
            try $0.execute(sql: "UPDATE daily_content SET verse_reference = ? WHERE id = ?", arguments: [english2.verseReference, es2])
        }
        let report = try await luma.integrity()
        #expect(report.bibleItemsWithForeignLedgerRow == [en2])
        #expect(report.bibleItemsWithoutLedgerRow == [es2])

        let repaired = try await luma.integrity(repair: true)
        let notes = repaired.notes.joined(separator: "\n")
        #expect(notes.contains("claimed their verses again for items \(es2)"))
        #expect(notes.contains("item \(en2): ") && notes.contains("is held by daily content \(en1) in 'en'"))
        let languages = try await luma.versesDB.read {
            try String.fetchAll($0, sql: "SELECT DISTINCT language FROM used_bible_verses WHERE daily_content_id = ?", arguments: [es2])
        }
        #expect(languages == ["es"])
        let after = try await luma.integrity()
        #expect(after.bibleItemsWithoutLedgerRow.isEmpty && after.bibleItemsWithForeignLedgerRow == [en2])
    }
}
