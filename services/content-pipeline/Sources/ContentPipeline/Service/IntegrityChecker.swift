import ContentAPI
import GRDB
import Logging
import LumaRPC
import LumaServiceKit
import VersesAPI

/// Walks the references that cross services, in every direction, and reports what dangles:
/// - ledger rows in verse-registry whose daily content is gone (CASCADE missed);
/// - bible items whose verse has no ledger row (a lost claim: the verse could be taken again),
///   or whose verse's row belongs to another item (the verse is used twice);
/// - content here whose creator is gone from creator-registry (SET NULL missed);
/// - creators whose user is gone (RESTRICT bypassed);
/// - items whose submitted video or thumbnail is gone from media-store (its clean-up removes
///   only what this service released, so this is a restore from different moments);
/// plus outbox work still pending here and in creator-registry (a pending delivery explains an
/// orphan that will heal by itself). With `repair`, applies each foreign key's semantics and
/// says, per kind, what it did.
///
/// Reads are ordered so that concurrent writes cannot fake an orphan: the ledger is read before
/// the items (a ledger row is only written for an item that exists, and ids are never reused,
/// so an id in the ledger but not among the items was deleted), and the items' creators before
/// the creator list (an item only gets a creator that exists).
struct IntegrityChecker {
    let database: DatabasePool
    let verses: any VerseSource
    let creators: any CreatorDirectory
    let media: any MediaLibrary

    func run(repair: Bool, logger: Logger) async throws -> Luma_Content_V1_IntegrityReport {
        let ledgerIDs = try await verses.ledgerContentIDs()
        let (localIDs, localCreators, bibleClaims, outbox) = try await database.measured.read { db in
            (try ContentStore.ids(db), try ContentStore.creatorIDs(db), try ContentStore.bibleClaims(db),
             try Outbox.status(db, includeEntries: false))
        }
        let (creatorIDs, missingUser) = try await creators.integrity()
        let remoteOutbox = try await creators.outboxStatus()

        let ledgerOrphans = ledgerIDs.filter { !localIDs.contains($0) }
        let knownCreators = Set(creatorIDs)
        let missingCreators = localCreators.filter { !knownCreators.contains($0) }
        let contentWithMissingCreator = try await database.measured.read { db in
            try missingCreators.flatMap { try ContentStore.itemIDs(db, creator: $0) }
        }
        var verdicts: [Luma_Verses_V1_ClaimVerdict] = []
        for start in stride(from: 0, to: bibleClaims.count, by: 1000) {
            let chunk = bibleClaims[start..<min(start + 1000, bibleClaims.count)]
            verdicts += try await verses.verifyClaims(chunk.map { ($0.id, $0.reference, $0.language) })
        }
        // An item deleted while we looked is not an orphan: its release is queued.
        let stillThere = try await database.measured.read { try ContentStore.ids($0) }
        let lost = verdicts.filter { $0.outcome == .missing && stillThere.contains($0.dailyContentID) }
        let doubled = verdicts.filter { $0.outcome == .heldByOther && stillThere.contains($0.dailyContentID) }
        // Passages an item holds beside its verse: a regeneration's release still queued heals
        // by itself; one that was never queued (a stop between the claim and the rewrite) is
        // an orphan claim.
        let holders = verdicts.filter { !$0.alsoHeld.isEmpty }.map(\.dailyContentID)
        let queued = try await database.measured.read { db in
            try Set(holders.filter { !(try ContentWorkflow.pendingReleases(db, item: $0)).isEmpty })
        }
        let holdingOthers = verdicts.filter { !$0.alsoHeld.isEmpty && stillThere.contains($0.dailyContentID) && !queued.contains($0.dailyContentID) }

        let missingMedia = try await itemsWithMissingMedia()

        var report = Luma_Content_V1_IntegrityReport.with {
            $0.contentWithMissingMedia = missingMedia
            $0.ledgerOrphanContentIds = ledgerOrphans
            $0.bibleItemsWithoutLedgerRow = lost.map(\.dailyContentID)
            $0.bibleItemsWithForeignLedgerRow = doubled.map(\.dailyContentID)
            $0.bibleItemsHoldingOtherVerses = holdingOthers.map(\.dailyContentID)
            $0.contentWithMissingCreator = contentWithMissingCreator
            $0.creatorsWithMissingUser = missingUser
            $0.outboxPending = UInt32(outbox.pending + remoteOutbox.pending)
            $0.outboxFailed = UInt32(outbox.failed + remoteOutbox.failed)
        }
        for verdict in holdingOthers {
            report.notes.append("item \(verdict.dailyContentID) also holds \(verdict.alsoHeld.joined(separator: ", ")), which it does not show")
        }
        for verdict in verdicts where verdict.outcome == .invalidReference {
            report.notes.append("item \(verdict.dailyContentID): \(verdict.detail)")
        }
        if outbox.pending + remoteOutbox.pending > 0 {
            report.notes.append("\(outbox.pending + remoteOutbox.pending) outbox deliveries are pending; orphans they cover heal when delivered")
        }
        if !missingMedia.isEmpty {
            report.notes.append("items \(list(missingMedia)) name media media-store no longer has; "
                + "no automatic repair: restore media-store's files, or reject the items so their creators upload again")
        }
        guard repair else { return report }

        // CASCADE: the items are gone for good (ids are never reused), so their rows go too.
        for content in ledgerOrphans {
            try await verses.release(content: content, references: [])
        }
        if !ledgerOrphans.isEmpty {
            report.notes.append("ledger orphans: released the verses of deleted items \(list(ledgerOrphans))")
        }
        // The passages a regeneration gave up go back to the pool.
        for verdict in holdingOthers {
            try await verses.release(content: verdict.dailyContentID, references: verdict.alsoHeld)
        }
        if !holdingOthers.isEmpty {
            report.notes.append("bible items holding other verses: released them for items \(list(holdingOthers.map(\.dailyContentID)))")
        }
        // SET NULL, as creator-registry's outbox would have (and leaving its tombstone).
        for creator in missingCreators {
            _ = try await database.measured.write { try ContentStore.detachCreator($0, creator: creator) }
        }
        if !contentWithMissingCreator.isEmpty {
            report.notes.append("content with a deleted creator: creator set to null on items \(list(contentWithMissingCreator)) "
                + "(assigned ones went back to generated)")
        }
        // A lost claim is claimed again, if the verse is still free; a verse held by an item
        // that was just released above is free now too.
        let releasedHolders = Set(ledgerOrphans)
        let reclaimable = lost + doubled.filter { Set($0.holders).isSubset(of: releasedHolders) }
        let claims = Dictionary(uniqueKeysWithValues: bibleClaims.map { ($0.id, $0) })
        var reclaimed: [Int64] = []
        for verdict in reclaimable {
            guard let claim = claims[verdict.dailyContentID] else { continue }
            do {
                try await verses.claim(reference: claim.reference, content: claim.id, date: claim.postDate, language: claim.language)
                reclaimed.append(claim.id)
            } catch let error as RPCError where error.code != .unavailable {
                report.notes.append("item \(claim.id): could not claim \(claim.reference) again: \(error.message)")
            }
        }
        if !reclaimed.isEmpty {
            report.notes.append("bible items without a ledger row: claimed their verses again for items \(list(reclaimed))")
        }
        let unresolved = doubled.filter { !reclaimed.contains($0.dailyContentID) }
        for verdict in unresolved {
            report.notes.append("item \(verdict.dailyContentID): \(verdict.detail); not repaired automatically: "
                + "delete one of the items (its verse is released) and plan and generate the day again")
        }
        if !missingUser.isEmpty {
            report.notes.append("creators \(list(missingUser)) point at deleted users; "
                + "RESTRICT has no automatic repair: restore the users or delete those creators")
        }
        report.repaired = true
        logger.notice("integrity repair applied", metadata: [
            "ledger_orphans": "\(ledgerOrphans.count)", "content_missing_creator": "\(contentWithMissingCreator.count)",
            "reclaimed": "\(reclaimed.count)", "doubled": "\(unresolved.count)"])
        return report
    }

    /// Media are read here first, then asked of media-store: media-store removes only media this
    /// service released (none an item names), so a media missing there for an item that still
    /// names it after the check is a real orphan.
    func itemsWithMissingMedia() async throws -> [Int64] {
        let references = try await database.measured.read { try ContentStore.mediaReferences($0) }
        let ids = Array(Set(references.flatMap(\.media))).sorted()
        var existing = Set<Int64>()
        for start in stride(from: 0, to: ids.count, by: 1000) {
            existing.formUnion(try await media.existing(Array(ids[start..<min(start + 1000, ids.count)])))
        }
        let suspects = references.filter { !$0.media.allSatisfy(existing.contains) }
        guard !suspects.isEmpty else { return [] }
        let now = Dictionary(uniqueKeysWithValues: try await database.measured.read { try ContentStore.mediaReferences($0) }.map { ($0.item, $0.media) })
        return suspects.filter { now[$0.item] == $0.media }.map(\.item)
    }

    private func list(_ ids: [Int64]) -> String {
        ids.map(String.init).joined(separator: ", ")
    }
}
