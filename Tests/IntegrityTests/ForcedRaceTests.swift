import ContentAPI
import ContentPipeline
import Foundation
import GRDB
import LumaRPC
import LumaTestSupport
import Testing
import VerseRegistry

/// Every race between a check, a write, a delete and a delivery of the cross-service foreign
/// keys, forced in each order with pause points (docs/integrity.md lists them). After each
/// order, the integrity checker must find nothing dangling.
@Suite("Cross-service references: forced races, both orders")
struct ForcedRaceTests {
    func code(_ body: () async throws -> Void) async -> RPCStatusCode {
        do {
            try await body()
            return .ok
        } catch {
            return (error as? RPCError)?.code ?? .unknown
        }
    }

    // MARK: used verse -> daily content (CASCADE)

    /// The claim checked that the item exists; then the item is deleted and its release is
    /// delivered; then the claim writes. The release's tombstone refuses the write.
    @Test func claimCheckedThenItemDeletedAndReleasedThenClaimWrites() async throws {
        let luma = try await InProcessLuma()
        let id = try await luma.planBible("2027-03-01")
        let held = luma.pauses.arm(VerseRegistryPausePoints.claimAfterContentCheck)
        let generate = Task { await code { _ = try await luma.generate(id) } }
        await held.reached()
        try await luma.delete(id)
        await luma.deliverAll()
        held.resume()
        #expect(await generate.value == .failedPrecondition)
        #expect(try luma.ledger(of: id).isEmpty)
        #expect(try await luma.integrity().orphans.isEmpty)
    }

    /// The other order: the claim writes first, then the item is deleted and released. The
    /// release deletes the row; generate finds the item gone.
    @Test func claimWritesThenItemDeletedAndReleased() async throws {
        let luma = try await InProcessLuma()
        let id = try await luma.planBible("2027-03-01")
        let held = luma.pauses.arm(ContentPipelinePausePoints.generateAfterClaim)
        let generate = Task { await code { _ = try await luma.generate(id) } }
        await held.reached()
        #expect(try !luma.ledger(of: id).isEmpty)
        try await luma.delete(id)
        await luma.deliverAll()
        #expect(try luma.ledger(of: id).isEmpty)
        held.resume()
        #expect(await generate.value == .notFound)
        #expect(try luma.ledger(of: id).isEmpty)
        #expect(try await luma.integrity().orphans.isEmpty)
    }

    /// Deleted but the release not yet delivered (verse-registry down, say): a claim asks and
    /// is told the item does not exist; the late release finds nothing to do.
    @Test func itemDeletedBeforeTheClaimChecksWithTheReleaseStillQueued() async throws {
        let luma = try await InProcessLuma()
        let id = try await luma.planBible("2027-03-01")
        try await luma.delete(id)
        let claimed = await code {
            _ = try await luma.verses.claimVerse(.with { $0.dailyContentID = id; $0.reference = "Ps 23:1"; $0.usedDate = "2027-03-01" }, context: .test)
        }
        #expect(claimed == .failedPrecondition)
        await luma.deliverAll()
        #expect(try luma.ledger(of: id).isEmpty)
        #expect(try await luma.integrity().orphans.isEmpty)
    }

    /// The release delivered, then a retried claim (a client that timed out and tries again)
    /// for the same item: refused by the tombstone even though nobody asks content-pipeline.
    @Test func aClaimAfterTheReleaseIsRefusedByTheTombstone() async throws {
        let luma = try await InProcessLuma()
        let id = try await luma.planBible("2027-03-01")
        _ = try await luma.generate(id)
        try await luma.delete(id)
        await luma.deliverAll()
        let again = await code {
            _ = try await luma.verses.claimNextUnused(.with {
                $0.dailyContentID = id; $0.category = "hope"; $0.usedDate = "2027-03-01"
            }, context: .test)
        }
        #expect(again == .failedPrecondition)
        #expect(try luma.ledger(of: id).isEmpty)
    }

    // MARK: daily content -> creator (SET NULL)

    /// Assign checked the creator; the creator is deleted and its SET NULL delivered; then
    /// assign writes. The SET NULL's tombstone refuses the write: no item points at it.
    @Test func assignCheckedThenCreatorDeletedAndDeliveredThenAssignWrites() async throws {
        let luma = try await InProcessLuma()
        let id = try await luma.planBible("2027-03-01")
        _ = try await luma.generate(id)
        let creator = try await luma.newCreator()
        let held = luma.pauses.arm(ContentPipelinePausePoints.assignAfterCreatorCheck)
        let assign = Task { await code { _ = try await luma.assign(id, to: creator.id) } }
        await held.reached()
        try await luma.deleteCreator(creator.id)
        await luma.deliverAll()
        held.resume()
        #expect(await assign.value == .notFound)
        let item = try await luma.item(id)
        #expect(item.status == .generated && item.creatorID == 0)
        #expect(try await luma.integrity().orphans.isEmpty)
    }

    /// The other order: assign writes, then the creator is deleted and its SET NULL delivered:
    /// the item goes back to generated with no creator.
    @Test func assignWritesThenCreatorDeletedAndDelivered() async throws {
        let luma = try await InProcessLuma()
        let id = try await luma.planBible("2027-03-01")
        _ = try await luma.generate(id)
        let creator = try await luma.newCreator()
        #expect(try await luma.assign(id, to: creator.id).status == .assigned)
        try await luma.deleteCreator(creator.id)
        #expect(try await luma.integrity().contentWithMissingCreator == [id])   // SET NULL still queued
        await luma.deliverAll()
        let item = try await luma.item(id)
        #expect(item.status == .generated && item.creatorID == 0)
        #expect(try await luma.integrity().orphans.isEmpty)
    }

    /// Deleted, SET NULL not yet delivered (content-pipeline down): assign asks
    /// creator-registry and is refused; the late SET NULL finds nothing.
    @Test func creatorDeletedBeforeAssignChecks() async throws {
        let luma = try await InProcessLuma()
        let id = try await luma.planBible("2027-03-01")
        _ = try await luma.generate(id)
        let creator = try await luma.newCreator()
        try await luma.deleteCreator(creator.id)
        #expect(await code { _ = try await luma.assign(id, to: creator.id) } == .notFound)
        await luma.deliverAll()
        #expect(try await luma.item(id).status == .generated)
        #expect(try await luma.integrity().orphans.isEmpty)
    }

    // MARK: creator -> user (RESTRICT, one database)

    /// Both rows live in creator-registry's database, so SQLite's own foreign key decides, in
    /// one transaction: either order leaves no creator without its user.
    @Test func creatorAndUserDeleteInEitherOrder() async throws {
        let luma = try await InProcessLuma()
        let creator = try await luma.newCreator()
        // Delete the user first: refused while the creator exists (RESTRICT).
        #expect(await code { _ = try await luma.creators.deleteUser(.with { $0.id = creator.userID }, context: .test) } == .failedPrecondition)
        // Delete the creator, then the user: both go.
        try await luma.deleteCreator(creator.id)
        #expect(try await luma.creators.deleteUser(.with { $0.id = creator.userID }, context: .test).deleted)
        // A creator for the deleted user: refused.
        let late = await code {
            _ = try await luma.creators.createCreator(.with {
                $0.userID = creator.userID; $0.displayName = "Late"; $0.canBible = true; $0.monthlyCapacity = 1
            }, context: .test)
        }
        #expect(late == .failedPrecondition)
        await luma.deliverAll()
        #expect(try await luma.integrity().orphans.isEmpty)
    }
}
