import ContentAPI
import Foundation
import GRDB
import LumaRPC
import Testing

/// The checker sees every direction of every reference, and `repair` says what it did per kind.
/// Orphans are planted straight into the databases (what a restore from different moments,
/// or a bug, would leave).
@Suite("Integrity checker: every direction, repair per kind")
struct IntegrityCheckerTests {
    @Test func findsAndRepairsEachKindOfDanglingReference() async throws {
        let luma = try await InProcessLuma()
        var planned: [Int64] = []
        for day in 1...6 { planned.append(try await luma.planBible("2027-05-0\(day)")) }
        var generated: [Luma_Content_V1_ContentItem] = []
        for id in planned { generated.append(try await luma.generate(id)) }
        let ids = planned, items = generated
        let creator = try await luma.newCreator()
        _ = try await luma.assign(ids[4], to: creator.id)
        #expect(try await luma.integrity().orphans.isEmpty)

        // 1. A ledger row whose content is gone: delete item 0 behind the outbox's back.
        try await luma.contentDB.write { try $0.execute(sql: "DELETE FROM daily_content WHERE id = ?", arguments: [ids[0]]) }
        // 2. A bible item whose verse has no ledger row: item 1's row vanishes.
        try await luma.versesDB.write { try $0.execute(sql: "DELETE FROM used_bible_verses WHERE daily_content_id = ?", arguments: [ids[1]]) }
        // 3. A bible item whose verse belongs to another item: item 2 records item 3's verse.
        try await luma.contentDB.write {
            try $0.execute(sql: "UPDATE daily_content SET verse_reference = ? WHERE id = ?", arguments: [items[3].verseReference, ids[2]])
        }
        // 4. Content whose creator is gone: item 4 points at a creator that never existed.
        try await luma.contentDB.write { try $0.execute(sql: "UPDATE daily_content SET creator_id = 9999 WHERE id = ?", arguments: [ids[4]]) }
        // 5. A creator whose user is gone (foreign keys off, as a bad restore would).
        try await luma.creatorsDB.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "UPDATE luma_short_creators SET user_id = 8888 WHERE id = ?", arguments: [creator.id])
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }

        let report = try await luma.integrity()
        #expect(report.ledgerOrphanContentIds == [ids[0]])
        #expect(report.bibleItemsWithoutLedgerRow == [ids[1]])
        #expect(report.bibleItemsWithForeignLedgerRow == [ids[2]])
        #expect(report.contentWithMissingCreator == [ids[4]])
        #expect(report.creatorsWithMissingUser == [creator.id])
        #expect(!report.repaired)

        let repaired = try await luma.integrity(repair: true)
        #expect(repaired.repaired)
        let notes = repaired.notes.joined(separator: "\n")
        #expect(notes.contains("ledger orphans: released the verses of deleted items \(ids[0])"))
        #expect(notes.contains("claimed their verses again for items \(ids[1])"))
        #expect(notes.contains("item \(ids[2]): \(items[3].verseReference) is held by daily content \(ids[3])"))
        #expect(notes.contains("creator set to null on items \(ids[4])"))
        #expect(notes.contains("creators \(creator.id) point at deleted users"))

        let after = try await luma.integrity()
        #expect(after.ledgerOrphanContentIds.isEmpty && after.bibleItemsWithoutLedgerRow.isEmpty && after.contentWithMissingCreator.isEmpty)
        // What has no automatic repair is still reported.
        #expect(after.bibleItemsWithForeignLedgerRow == [ids[2]] && after.creatorsWithMissingUser == [creator.id])
        #expect(try luma.ledger(of: ids[1]).count == 1)
        #expect(try await luma.item(ids[4]).status == .generated)
    }

    /// A verse held by an item that is gone is freed by the CASCADE repair, then claimed for
    /// the item that records it.
    @Test func aVerseHeldByADeletedItemGoesToTheItemThatRecordsIt() async throws {
        let luma = try await InProcessLuma()
        let a = try await luma.planBible("2027-05-01"), b = try await luma.planBible("2027-05-02")
        let itemA = try await luma.generate(a)
        _ = try await luma.generate(b)
        try await luma.versesDB.write { try $0.execute(sql: "DELETE FROM used_bible_verses WHERE daily_content_id = ?", arguments: [b]) }
        try await luma.contentDB.write { db in
            try db.execute(sql: "UPDATE daily_content SET verse_reference = ? WHERE id = ?", arguments: [itemA.verseReference, b])
            try db.execute(sql: "DELETE FROM daily_content WHERE id = ?", arguments: [a])
        }
        let report = try await luma.integrity()
        #expect(report.ledgerOrphanContentIds == [a] && report.bibleItemsWithForeignLedgerRow == [b])
        _ = try await luma.integrity(repair: true)
        #expect(try await luma.integrity().orphans.isEmpty)
        #expect(try !luma.ledger(of: b).isEmpty)
    }
}
