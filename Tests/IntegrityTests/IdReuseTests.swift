import ContentAPI
import ContentPipeline
import CreatorRegistry
import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import LumaTestSupport
import Testing

/// Ids other services refer to are never handed out again, so a late CASCADE or SET NULL names
/// exactly the row it was queued for. The two scenarios of issue #12, replayed in-process.
@Suite("Ids are never reused")
struct IdReuseTests {
    /// Delete the newest bible item while verse-registry is "down" (its release queued), plan
    /// and generate another day: it gets a new id, and the late release frees only the old
    /// item's verse.
    @Test func aQueuedReleaseNeverHitsANewItem() async throws {
        let luma = try await InProcessLuma()
        var ids: [Int64] = []
        for day in 1...3 { ids.append(try await luma.planBible("2027-01-0\(day)")) }
        for id in ids { _ = try await luma.generate(id) }
        try await luma.delete(ids[2])                 // release queued, not delivered
        let next = try await luma.planBible("2027-01-04")
        #expect(next > ids[2])
        let generated = try await luma.generate(next)
        await luma.deliverAll()
        #expect(try !luma.ledger(of: next).isEmpty)
        #expect(try luma.ledger(of: ids[2]).isEmpty)
        // The next claim does not take the new item's verse.
        let after = try await luma.generate(try await luma.planBible("2027-01-05"))
        #expect(after.verseReference != generated.verseReference)
        #expect(try await luma.integrity().orphans.isEmpty)
    }

    /// Delete a creator while content-pipeline is "down" (its SET NULL queued), create another:
    /// it gets a new id, and the late SET NULL leaves the new creator's assignment alone.
    @Test func aQueuedSetNullNeverUndoesANewCreatorsAssignment() async throws {
        let luma = try await InProcessLuma()
        let first = try await luma.planBible("2027-01-01"), second = try await luma.planBible("2027-01-02")
        for id in [first, second] { _ = try await luma.generate(id) }
        let old = try await luma.newCreator()
        _ = try await luma.assign(first, to: old.id)
        try await luma.deleteCreator(old.id)          // SET NULL queued
        let new = try await luma.newCreator()
        #expect(new.id > old.id)
        #expect(try await luma.assign(second, to: new.id).creatorID == new.id)
        await luma.deliverAll()
        #expect(try await luma.item(second).creatorID == new.id)
        #expect(try await luma.item(second).status == .assigned)
        #expect(try await luma.item(first).status == .generated)
        #expect(try await luma.integrity().orphans.isEmpty)
    }

    /// Users too (tokens and sessions name them).
    @Test func userIdsAreNotReusedEither() async throws {
        let luma = try await InProcessLuma()
        let creator = try await luma.newCreator()
        try await luma.deleteCreator(creator.id)
        _ = try await luma.creators.deleteUser(.with { $0.id = creator.userID }, context: .test)
        let again = try await luma.newCreator()
        #expect(again.userID > creator.userID && again.id > creator.id)
    }

    /// A database from before the change: its newest ids were deleted and a release for one of
    /// them is still queued. The migration starts the sequence above both.
    @Test func upgradingStartsTheSequenceAboveDeletedAndQueuedIds() throws {
        let (pool, _) = try ServiceDatabase.temporary(name: "content")
        try ContentPipelineSchema.migrator.migrate(pool, upTo: "002_outbox")
        try pool.write { db in
            for day in 1...5 {
                try db.execute(sql: """
                    INSERT INTO daily_content (post_date, mode, language, status, created_at, updated_at)
                    VALUES (?, 'bible', 'en', 'empty', 'now', 'now')
                    """, arguments: ["2027-01-0\(day)"])
            }
            try db.execute(sql: "DELETE FROM daily_content WHERE id IN (4, 5)")
            // As the binary of that time queued it (before 005 added trace_context).
            try db.execute(sql: """
                INSERT INTO outbox (kind, target, payload, created_at, created_at_epoch, next_attempt_at)
                VALUES (?, 'daily content 5', x'', 'now', 0, 0)
                """, arguments: [ContentPipelineOutbox.releaseVerses])
        }
        try ContentPipelineSchema.migrator.migrate(pool)
        let id = try pool.write { db -> Int64 in
            try db.execute(sql: """
                INSERT INTO daily_content (post_date, mode, language, status, created_at, updated_at)
                VALUES ('2027-02-01', 'bible', 'en', 'empty', 'now', 'now')
                """)
            return db.lastInsertedRowID
        }
        #expect(id == 6)
        #expect(try pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM daily_content") } == 4)
    }
}
