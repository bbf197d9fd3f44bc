import ContentAPI
import CreatorsAPI
import Foundation
import GRDB
import LumaRPC
import LumaServiceKit

/// Assigning an item to a creator, and whom it may be assigned to.
extension ContentWorkflow {
    /// Whom `assign` is asked for: a given creator, or the least-loaded eligible one.
    enum Assignee: Sendable {
        case creator(Int64)
        case leastLoaded
    }

    /// generated -> assigned (or rejected -> assigned, to another creator). An AI creator's
    /// render job is written in the same transaction; capacity is re-counted there.
    func assign(id: Int64, to assignee: Assignee, by actor: WorkflowActor) async throws -> ContentRecord {
        let item = try await database.measured.read { try ContentStore.existing($0, id: id) }
        try Self.require(.assign, item)
        let month = String(item.postDate.prefix(7))
        let creator: Luma_Creators_V1_Creator
        switch assignee {
        case .creator(let creatorID):
            guard let found = try await creators.check(creatorID) else {
                throw RPCError.notFound("creator \(creatorID) does not exist", field: "creator_id")
            }
            if let why = Self.ineligibility(found, for: item) { throw RPCError.failedPrecondition(why, field: "creator_id") }
            creator = found
        case .leastLoaded:
            creator = try await leastLoaded(for: item, month: month)
        }
        // An AI creator's video is rendered: refused here, before anything is written, when it
        // cannot be.
        let renderer = creator.isAi ? try rendering.renderer(for: creator, language: item.language) : nil
        await pausePoints.reached(ContentPipelinePausePoints.assignAfterCreatorCheck)
        let script = item.cameraScript ?? ""
        let now = Date().timeIntervalSince1970
        let actor = await named(actor)
        let updated = try await database.measured.write { db -> ContentRecord in
            // The creator may have been deleted since the check: if its SET NULL already arrived,
            // its tombstone refuses the write; if it arrives later, it undoes this one.
            try ContentStore.requireCreatorNotDeleted(db, creator: creator.id)
            // Capacity is re-counted inside the write transaction, which SQLite serialises, so
            // two concurrent assignments cannot both take the last slot.
            let used = try ContentStore.assignedCount(db, creator: creator.id, month: month)
            guard used < Int(creator.monthlyCapacity) else {
                throw RPCError.failedPrecondition(
                    "creator \(creator.id) capacity \(used) of \(creator.monthlyCapacity) used in \(month)", field: "creator_id")
            }
            let assigned = try ContentStore.transition(db, id: id, from: item.status, to: ContentTransition.assign.to, set: columns(["creator_id": creator.id]))
            if let renderer {
                _ = try RenderJobStore.ensure(db, item: id, creator: creator.id, vendor: renderer.vendor, avatar: renderer.avatar,
                                              voice: renderer.voice, script: script, now: now)
            } else {
                try RenderJobStore.cancel(db, item: id, reason: "the item was assigned to a person")
            }
            try HistoryStore.record(db, item: assigned, .assigned, by: actor)
            return assigned
        }
        if renderer != nil { rendering.wake() }
        return updated
    }

    /// assigned -> generated; the render job is cancelled in the same transaction, so a late
    /// result is not submitted.
    func unassign(id: Int64, by actor: WorkflowActor) async throws -> ContentRecord {
        let actor = await named(actor)
        return try await move(id, .unassign, by: actor, set: columns(["creator_id": nil]), event: .unassigned) { db, item in
            try RenderJobStore.cancel(db, item: item.id, reason: "the item was unassigned")
        }
    }

    /// Why `creator` cannot film `item`, or nil if it can (capacity aside).
    static func ineligibility(_ creator: Luma_Creators_V1_Creator, for item: ContentRecord) -> String? {
        if !creator.active { return "creator \(creator.id) is inactive" }
        if !(item.mode == .bible ? creator.canBible : creator.canPositivity) {
            return "creator \(creator.id) cannot film \(item.mode.rawValue)"
        }
        if !creator.languages.contains(item.language) {
            return "creator \(creator.id) does not speak \(item.language) (speaks \(creator.languages.joined(separator: ", ")))"
        }
        return nil
    }

    /// A creator the item could go to, with its load in the item's month.
    struct Candidate: Sendable {
        let creator: Luma_Creators_V1_Creator
        let assigned: Int
        /// Why Assign would refuse it now; nil if it would not.
        let refusal: String?

        var remaining: Int { max(0, Int(creator.monthlyCapacity) - assigned) }
    }

    /// The eligible creators of the item (active, its mode, its language), each with its load
    /// that month and whether Assign would take it now: assignable ones first, then by room
    /// left, then by name.
    func assignableCreators(for id: Int64) async throws -> (month: String, candidates: [Candidate]) {
        let item = try await database.measured.read { try ContentStore.existing($0, id: id) }
        let month = String(item.postDate.prefix(7))
        let eligible = try await creators.eligible(mode: item.mode, language: item.language)
        let movable = ContentTransition.assign.from.contains(item.status)
        let candidates = try await database.measured.read { db in
            try eligible.map { creator -> Candidate in
                let assigned = try ContentStore.assignedCount(db, creator: creator.id, month: month)
                let refusal: String?
                if !movable {
                    refusal = "item \(item.id) is \(item.status.rawValue): only generated or rejected items are assigned"
                } else if try ContentStore.creatorIsDeleted(db, creator: creator.id) {
                    refusal = "creator \(creator.id) was deleted"
                } else if let why = Self.ineligibility(creator, for: item) {
                    refusal = why
                } else if assigned >= Int(creator.monthlyCapacity) {
                    refusal = "no capacity left in \(month) (\(assigned) of \(creator.monthlyCapacity) used)"
                } else if creator.isAi, let why = rendering.cannotRender(creator, language: item.language) {
                    refusal = why
                } else {
                    refusal = nil
                }
                return Candidate(creator: creator, assigned: assigned, refusal: refusal)
            }
        }
        return (month, candidates.sorted {
            ($0.refusal == nil ? 0 : 1, -$0.remaining, $0.creator.displayName, $0.creator.id)
                < ($1.refusal == nil ? 0 : 1, -$1.remaining, $1.creator.displayName, $1.creator.id)
        })
    }

    /// The eligible creator with the fewest assignments that month and room left.
    func leastLoaded(for item: ContentRecord, month: String) async throws -> Luma_Creators_V1_Creator {
        // Without a vendor an AI creator cannot make the video: not a candidate.
        let eligible = try await creators.eligible(mode: item.mode, language: item.language)
            .filter { !$0.isAi || rendering.vendor != nil }
        // A creator whose deletion already reached us is no candidate, even if the registry
        // listed it a moment before.
        let loads = try await database.measured.read { db in
            try eligible.filter { try !ContentStore.creatorIsDeleted(db, creator: $0.id) }
                .map { (creator: $0, used: try ContentStore.assignedCount(db, creator: $0.id, month: month)) }
        }
        guard let pick = loads.filter({ $0.used < Int($0.creator.monthlyCapacity) })
            .min(by: { ($0.used, $0.creator.id) < ($1.used, $1.creator.id) }) else {
            throw RPCError.failedPrecondition(
                "no eligible creator with capacity left for \(item.mode.rawValue)/\(item.language) in \(month) (\(eligible.count) eligible)",
                field: "creator")
        }
        return pick.creator
    }
}
