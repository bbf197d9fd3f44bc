import ContentAPI
import Foundation
import GRDB
import LumaRPC
import LumaServiceKit

/// Deleting an item, and the foreign keys that point here from other services.
extension ContentWorkflow {
    /// Deletes the item and, in the same transaction, queues the CASCADE to verse-registry's
    /// ledger; the outbox delivers it however long verse-registry is down. An approved item is
    /// published and kept, so its verse is never used again. False when there was no item.
    func delete(id: Int64) async throws -> Bool {
        let deleted = try await database.measured.write { db -> Bool in
            if let item = try ContentStore.item(db, id: id), !ContentAction.delete.from.contains(item.status) {
                throw RPCError.failedPrecondition(
                    "daily content \(id) is approved (published) and is kept, so its verse is never used again", field: "id")
            }
            guard let item = try ContentStore.delete(db, id: id) else { return false }
            try RenderJobStore.cancel(db, item: id, reason: "the item was deleted")
            if item.mode == .bible { try Self.queueRelease(db, item: id) }
            return true
        }
        if deleted { outboxWritten() }
        return deleted
    }

    /// The SET NULL of a creator deleted in creator-registry: assigned items go back to
    /// generated (their history says they were unassigned, and by whom: the registry's
    /// delivery), later ones keep their status with creator_id null.
    func creatorDeleted(_ creator: Int64, by actor: WorkflowActor) async throws -> (unassigned: Int, detached: Int) {
        try await database.measured.write { db in
            let assigned = try ContentStore.list(db, ContentStore.Filter(statuses: [.assigned], creatorID: creator), limit: 100_000, offset: 0)
            let outcome = try ContentStore.detachCreator(db, creator: creator)
            for item in assigned {
                try HistoryStore.record(db, item: try ContentStore.existing(db, id: item.id), .unassigned, by: actor, creator: creator,
                                        note: "creator \(creator) was deleted")
            }
            return outcome
        }
    }
}
