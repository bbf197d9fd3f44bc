import ContentAPI
import Foundation
import GRDB
import LumaRPC
import Testing

/// Regenerate across the real verse-registry and content-pipeline: the old verse is held until
/// its release is delivered, and a claim left behind by a stop between the new claim and the
/// rewrite is found and released by the integrity repair.
@Suite("Integrity: regenerated items")
struct RegenerationIntegrityTests {
    @Test func aRegeneratedItemsOldVerseIsReleasedAndTheLedgerIsClean() async throws {
        let luma = try await InProcessLuma()
        let id = try await luma.planBible("2027-09-01")
        let first = try await luma.generate(id)
        let again = try await luma.content.regenerate(.with { $0.id = id }, context: .test)
        #expect(again.id == id && again.verseReference != first.verseReference)
        // Before the delivery: both held, and the checker says the release is on its way.
        let before = try await luma.integrity()
        #expect(before.orphans.isEmpty && before.outboxPending == 1)
        await luma.deliverAll()
        let after = try await luma.integrity()
        #expect(after.orphans.isEmpty && after.outboxPending == 0)
        let used = try await luma.verses.isUsed(.with { $0.reference = first.verseReference }, context: .test)
        #expect(!used.used)
    }

    @Test func aClaimLeftByAStopBeforeTheRewriteIsFoundAndReleased() async throws {
        let luma = try await InProcessLuma()
        let id = try await luma.planBible("2027-09-02")
        let item = try await luma.generate(id)
        // What Regenerate's first step leaves if content-pipeline stops before the rewrite.
        let extra = try await luma.verses.claimNextUnused(.with {
            $0.dailyContentID = id; $0.category = item.category; $0.usedDate = item.postDate; $0.language = "en"
            $0.replacing = [item.verseReference]
        }, context: .test)
        let report = try await luma.integrity()
        #expect(report.bibleItemsHoldingOtherVerses == [id])
        #expect(report.notes.contains { $0.contains("also holds \(extra.reference)") })
        let repaired = try await luma.integrity(repair: true)
        #expect(repaired.repaired && repaired.notes.contains { $0.contains("released them for items \(id)") })
        #expect(try await luma.integrity().orphans.isEmpty)
        #expect(!(try await luma.verses.isUsed(.with { $0.reference = extra.reference }, context: .test)).used)
        #expect(try await luma.verses.isUsed(.with { $0.reference = item.verseReference }, context: .test).used)
    }
}
