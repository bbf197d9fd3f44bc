import ContentAPI
import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import LumaValues

/// One row of render_jobs.
public struct RenderJobRecord: Sendable, Equatable, FetchableRecord {
    public enum State: String, Sendable, CaseIterable {
        case queued, starting, rendering, storing, submitted, failed, cancelled

        /// The worker still has something to do.
        var isLive: Bool { [.queued, .starting, .rendering, .storing].contains(self) }
    }

    public var id: Int64
    public var itemID: Int64
    public var creatorID: Int64
    public var vendor: String
    public var avatarID: String
    public var voiceID: String
    public var script: String
    public var state: State
    public var vendorVideoID: String?
    public var videoURL: String?
    public var thumbnailURL: String?
    public var videoMediaID: Int64?
    public var attempts: Int
    public var polls: Int
    public var lastError: String?
    public var retryable: Bool
    public var nextAttemptAt: Double
    public var renderingSince: Double?
    public var createdAt: String
    public var updatedAt: String

    public init(row: Row) throws {
        id = row["id"]
        let stored: String = row["state"]
        guard let state = State(rawValue: stored) else {
            throw StoredRowError(table: "render_jobs", id: id, problem: "unknown state '\(stored)'")
        }
        self.state = state
        itemID = row["daily_content_id"]
        creatorID = row["creator_id"]
        vendor = row["vendor"]
        avatarID = row["avatar_id"]
        voiceID = row["voice_id"]
        script = row["script"]
        vendorVideoID = row["vendor_video_id"]
        videoURL = row["video_url"]
        thumbnailURL = row["thumbnail_url"]
        videoMediaID = row["video_media_id"]
        attempts = row["attempts"]
        polls = row["polls"]
        lastError = row["last_error"]
        retryable = row["retryable"]
        nextAttemptAt = row["next_attempt_at"]
        renderingSince = row["rendering_since"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }

    /// The key sent to the vendor with the render (HeyGen's callback_id), to find the video
    /// again if its id was lost.
    public var reference: String { "luma-render-\(id)" }

    var message: Luma_Content_V1_RenderJob {
        .with {
            $0.id = id
            $0.dailyContentID = itemID
            $0.creatorID = creatorID
            $0.state = state.rawValue
            $0.vendor = vendor
            $0.vendorVideoID = vendorVideoID ?? ""
            $0.attempts = UInt32(attempts)
            $0.lastError = lastError ?? ""
            $0.retryable = retryable
            if state.isLive { $0.nextAttemptAt = Date(timeIntervalSince1970: nextAttemptAt).formatted(Date.ISO8601FormatStyle()) }
            $0.createdAt = createdAt
            $0.updatedAt = updatedAt
            $0.videoMediaID = videoMediaID ?? 0
        }
    }
}

/// The SQL of render jobs. Every change is a compare-and-set on the job's state, so a job
/// cancelled (unassigned, deleted) while the worker was at the vendor is never moved on.
enum RenderJobStore {
    static func job(_ db: Database, id: Int64) throws -> RenderJobRecord? {
        try RenderJobRecord.fetchOne(db, sql: "SELECT * FROM render_jobs WHERE id = ?", arguments: [id])
    }

    /// The item's newest job (live or not).
    /// The newest job of each of `items` that has one (a cached statement per list length:
    /// a page of items is at most 100).
    static func latest(_ db: Database, items: [Int64]) throws -> [Int64: RenderJobRecord] {
        guard !items.isEmpty else { return [:] }
        let jobs = try RenderJobRecord.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM render_jobs WHERE id IN (SELECT MAX(id) FROM render_jobs WHERE daily_content_id IN (\(items.map { _ in "?" }.joined(separator: ",")))
            GROUP BY daily_content_id)
            """), arguments: StatementArguments(items))
        return Dictionary(uniqueKeysWithValues: jobs.map { ($0.itemID, $0) })
    }

    static func latest(_ db: Database, item: Int64) throws -> RenderJobRecord? {
        try RenderJobRecord.fetchOne(db, sql: "SELECT * FROM render_jobs WHERE daily_content_id = ? ORDER BY id DESC LIMIT 1", arguments: [item])
    }

    /// The item's live (or failed) job for this creator, or a new queued one: a retried or
    /// duplicate assignment resumes the job instead of starting another.
    static func ensure(_ db: Database, item: Int64, creator: Int64, vendor: String, avatar: String, voice: String, script: String,
                       now: Double) throws -> RenderJobRecord {
        if let current = try RenderJobRecord.fetchOne(db, sql: """
            SELECT * FROM render_jobs WHERE daily_content_id = ? AND state NOT IN ('submitted', 'cancelled')
            """, arguments: [item]) {
            if current.creatorID == creator { return current }
            try cancel(db, item: item, reason: "the item was assigned to another creator")
        }
        let stamp = Timestamp.now()
        try db.execute(sql: """
            INSERT INTO render_jobs (daily_content_id, creator_id, vendor, avatar_id, voice_id, script, state, next_attempt_at, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)
            """, arguments: [item, creator, vendor, avatar, voice, script, now, stamp, stamp])
        return try job(db, id: db.lastInsertedRowID)!
    }

    /// Cancels the item's live or failed job (unassign, delete, the creator deleted).
    @discardableResult
    static func cancel(_ db: Database, item: Int64, reason: String) throws -> Int {
        try db.execute(sql: """
            UPDATE render_jobs SET state = 'cancelled', last_error = ?, retryable = 0, updated_at = ?
            WHERE daily_content_id = ? AND state NOT IN ('submitted', 'cancelled')
            """, arguments: [reason, Timestamp.now(), item])
        return db.changesCount
    }

    /// Leases jobs that are due, so two instances never work one job at once.
    static func leaseDue(_ db: Database, now: Double, lease: Double, limit: Int) throws -> [RenderJobRecord] {
        let jobs = try RenderJobRecord.fetchAll(db, sql: """
            SELECT * FROM render_jobs WHERE state IN ('queued', 'starting', 'rendering', 'storing')
            AND next_attempt_at <= ? AND lease_until <= ? ORDER BY next_attempt_at LIMIT ?
            """, arguments: [now, now, limit])
        for job in jobs {
            try db.execute(sql: "UPDATE render_jobs SET lease_until = ? WHERE id = ?", arguments: [now + lease, job.id])
        }
        return jobs
    }

    /// Extends this instance's lease on a live job; false when the lease is no longer `held`
    /// (released by the step, or lapsed and taken by another instance) or the job is not live.
    static func renewLease(_ db: Database, _ id: Int64, from held: Double, to until: Double) throws -> Bool {
        try db.execute(sql: """
            UPDATE render_jobs SET lease_until = ?
            WHERE id = ? AND lease_until = ? AND state IN ('queued', 'starting', 'rendering', 'storing')
            """, arguments: [until, id, held])
        return db.changesCount == 1
    }

    /// Moves a job from `from` to `to` with `changes`; false when it is no longer in `from`
    /// (cancelled or moved by another instance meanwhile).
    @discardableResult
    static func move(_ db: Database, _ id: Int64, from: RenderJobRecord.State, to: RenderJobRecord.State,
                     set changes: [String: (any DatabaseValueConvertible)?] = [:]) throws -> Bool {
        var columns = ["state = ?", "updated_at = ?"]
        var arguments: StatementArguments = [to.rawValue, Timestamp.now()]
        for (column, value) in changes.sorted(by: { $0.key < $1.key }) {
            columns.append("\(column) = ?")
            arguments += [value?.databaseValue ?? .null]
        }
        arguments += [id, from.rawValue]
        try db.execute(sql: "UPDATE render_jobs SET \(columns.joined(separator: ", ")) WHERE id = ? AND state = ?", arguments: arguments)
        return db.changesCount == 1
    }

    /// A live job waits for another attempt, in whatever live state it is (a cancelled one stays
    /// cancelled).
    static func retryLater(_ db: Database, _ id: Int64, attempts: Int, error: String, at next: Double) throws {
        try db.execute(sql: """
            UPDATE render_jobs SET attempts = ?, last_error = ?, retryable = 1, next_attempt_at = ?, lease_until = 0, updated_at = ?
            WHERE id = ? AND state IN ('queued', 'starting', 'rendering', 'storing')
            """, arguments: [attempts, error, next, Timestamp.now(), id])
    }

    /// A live job fails, saying why; false when it was no longer live.
    @discardableResult
    static func failLive(_ db: Database, _ id: Int64, error: String, retryable: Bool, attempts: Int) throws -> Bool {
        try db.execute(sql: """
            UPDATE render_jobs SET state = 'failed', attempts = ?, last_error = ?, retryable = ?, lease_until = 0, updated_at = ?
            WHERE id = ? AND state IN ('queued', 'starting', 'rendering', 'storing')
            """, arguments: [attempts, error, retryable, Timestamp.now(), id])
        return db.changesCount == 1
    }

    /// A failed job goes again (the admin's retry): storing a video the vendor finished,
    /// polling one that was still rendering, ordering again one the vendor could not make (as
    /// a new job, so the vendor sees a new reference), or asking the vendor for one it was never
    /// given (after checking it has none under the job's reference).
    static func retry(_ db: Database, item: Int64, now: Double) throws -> RenderJobRecord? {
        guard let job = try RenderJobRecord.fetchOne(db, sql: "SELECT * FROM render_jobs WHERE daily_content_id = ? AND state = 'failed'",
                                                     arguments: [item]) else { return nil }
        if job.videoURL == nil, job.vendorVideoID != nil, !job.retryable {
            try db.execute(sql: "UPDATE render_jobs SET state = 'cancelled', last_error = ?, updated_at = ? WHERE id = ?",
                           arguments: ["\(job.lastError ?? "failed"); ordered again", Timestamp.now(), job.id])
            return try ensure(db, item: item, creator: job.creatorID, vendor: job.vendor, avatar: job.avatarID, voice: job.voiceID,
                              script: job.script, now: now)
        }
        let next: RenderJobRecord.State = job.videoURL != nil ? .storing : (job.vendorVideoID != nil ? .rendering : .starting)
        try db.execute(sql: """
            UPDATE render_jobs SET state = ?, attempts = 0, last_error = NULL, retryable = 0, next_attempt_at = ?, lease_until = 0,
                rendering_since = CASE WHEN ? = 'rendering' THEN ? ELSE rendering_since END, updated_at = ?
            WHERE id = ?
            """, arguments: [next.rawValue, now, next.rawValue, now, Timestamp.now(), job.id])
        return try self.job(db, id: job.id)
    }

    static func list(_ db: Database, states: [RenderJobRecord.State], limit: Int, offset: Int) throws -> [RenderJobRecord] {
        let filter = states.isEmpty ? "" : "WHERE state IN (\(states.map { _ in "?" }.joined(separator: ",")))"
        return try RenderJobRecord.fetchAll(db, sql: "SELECT * FROM render_jobs \(filter) ORDER BY id DESC LIMIT ? OFFSET ?",
                                            arguments: StatementArguments(states.map(\.rawValue)) + [limit, offset])
    }

    /// Jobs by state, and the oldest live one's creation (for metrics).
    static func counts(_ db: Database) throws -> [String: Int] {
        Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM render_jobs GROUP BY state")
            .map { ($0["state"] as String, $0["n"] as Int) })
    }

    static func oldestLiveCreatedAt(_ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT MIN(created_at) FROM render_jobs WHERE state IN ('queued', 'starting', 'rendering', 'storing')")
    }
}
