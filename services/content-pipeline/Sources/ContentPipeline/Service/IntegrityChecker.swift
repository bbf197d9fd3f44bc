import ContentAPI
import GRDB
import Logging
import LumaServiceKit

/// Walks the references that cross services and reports what dangles:
/// - ledger rows in verse-registry whose daily content is gone (CASCADE missed);
/// - content here whose creator is gone from creator-registry (SET NULL missed);
/// - creators whose user is gone (RESTRICT bypassed);
/// plus outbox work still pending here and in creator-registry (a pending delivery explains an
/// orphan that will heal by itself). With `repair`, applies each foreign key's semantics.
struct IntegrityChecker {
    let database: DatabasePool
    let verses: any VerseSource
    let creators: any CreatorDirectory

    func run(repair: Bool, logger: Logger) async throws -> Luma_Content_V1_IntegrityReport {
        let (localIDs, localCreators, outbox) = try await database.read { db in
            (try ContentStore.ids(db), try ContentStore.creatorIDs(db), try Outbox.status(db, includeEntries: false))
        }
        let ledgerIDs = try await verses.ledgerContentIDs()
        let (creatorIDs, missingUser) = try await creators.integrity()
        let remoteOutbox = try await creators.outboxStatus()

        let ledgerOrphans = ledgerIDs.filter { !localIDs.contains($0) }
        let knownCreators = Set(creatorIDs)
        let contentWithMissingCreator = try await database.read { db in
            try localCreators.filter { !knownCreators.contains($0) }.flatMap { try ContentStore.itemIDs(db, creator: $0) }
        }
        var report = Luma_Content_V1_IntegrityReport.with {
            $0.ledgerOrphanContentIds = ledgerOrphans
            $0.contentWithMissingCreator = contentWithMissingCreator
            $0.creatorsWithMissingUser = missingUser
            $0.outboxPending = UInt32(outbox.pending + remoteOutbox.pending)
            $0.outboxFailed = UInt32(outbox.failed + remoteOutbox.failed)
        }
        if outbox.pending + remoteOutbox.pending > 0 {
            report.notes.append("\(outbox.pending + remoteOutbox.pending) outbox deliveries are pending; orphans they cover heal when delivered")
        }
        guard repair else { return report }

        for content in ledgerOrphans {
            try await verses.release(content: content)      // CASCADE
        }
        for creator in localCreators where !knownCreators.contains(creator) {
            _ = try await database.write { try ContentStore.detachCreator($0, creator: creator) }   // SET NULL
        }
        if !missingUser.isEmpty {
            report.notes.append("creators \(missingUser.map(String.init).joined(separator: ", ")) point at deleted users; "
                + "RESTRICT has no automatic repair: restore the users or delete those creators")
        }
        report.repaired = true
        logger.notice("integrity repair applied", metadata: [
            "ledger_orphans": "\(ledgerOrphans.count)", "content_missing_creator": "\(contentWithMissingCreator.count)"])
        return report
    }
}
