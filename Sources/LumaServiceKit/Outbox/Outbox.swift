import Foundation
import GRDB
import LumaMetrics
import LumaRPC
import LumaTracing
import LumaValues

/// The transactional outbox: a side effect on another service (release this item's verses,
/// detach this creator's content) is recorded as a row in the same transaction as the local
/// change, then delivered by `OutboxDeliverer` with retries until the receiver confirms.
/// A peer that is down, or this process being killed between the commit and the call, loses
/// nothing: the row is still there. Receivers are idempotent, so delivering twice is harmless.
public enum Outbox {
    // The table itself is created by each service's own migrations, whose SQL is frozen there
    // (`outbox`, then `trace_context`); the columns below are what they made.

    /// Records a delivery in the caller's transaction, with the current trace context. The
    /// context is a task-local: it is still there because GRDB runs an async write's closure in
    /// the calling task (on its writer actor), and a sync write's on the calling thread.
    public static func enqueue(_ db: Database, kind: String, target: String, payload: Data) throws {
        let now = Date().timeIntervalSince1970
        try db.execute(sql: """
            INSERT INTO outbox (kind, target, payload, created_at, created_at_epoch, next_attempt_at, trace_context)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [kind, target, payload, Timestamp.now(), now, now, StoredTraceContext.capture()])
    }

    public struct Entry: Sendable {
        public let id: Int64
        public let kind: String
        public let target: String
        public let payload: Data
        public let attempts: Int
        public let lastError: String
        public let createdAt: String
        public let createdAtEpoch: Double
        public let nextAttemptAt: Double
        public let failed: Bool
        /// JSON of W3C trace headers, "" when the call that queued it was not traced.
        public let traceContext: String

        init(row: Row) {
            id = row["id"]
            kind = row["kind"]
            target = row["target"]
            payload = row["payload"]
            attempts = row["attempts"]
            lastError = row["last_error"]
            createdAt = row["created_at"]
            createdAtEpoch = row["created_at_epoch"]
            nextAttemptAt = row["next_attempt_at"]
            failed = row["failed"]
            traceContext = row["trace_context"]
        }
    }

    /// Leases up to `limit` due entries for `lease` seconds.
    static func leaseDue(_ db: Database, now: Double, lease: Double, limit: Int) throws -> [Entry] {
        try Row.fetchAll(db, sql: """
            UPDATE outbox SET leased_until = ?
            WHERE id IN (SELECT id FROM outbox WHERE failed = 0 AND next_attempt_at <= ? AND leased_until <= ?
                         ORDER BY next_attempt_at LIMIT ?)
            RETURNING *
            """, arguments: [now + lease, now, now, limit]).map(Entry.init)
    }

    static func delivered(_ db: Database, id: Int64) throws {
        try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id])
    }

    static func retryLater(_ db: Database, id: Int64, error: String, at: Double, permanent: Bool) throws {
        try db.execute(sql: """
            UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, leased_until = 0, failed = ?
            WHERE id = ?
            """, arguments: [String(error.prefix(500)), at, permanent, id])
    }

    /// Puts failed entries back in the queue, due now; `ids` empty means every failed entry.
    /// All or nothing: an id that is not a failed entry throws and changes nothing. Returns the
    /// ids re-queued. Call inside a write transaction.
    static func requeueFailed(_ db: Database, ids: [Int64], now: Double = Date().timeIntervalSince1970) throws -> [Int64] {
        let wanted = Array(Set(ids)).sorted()
        if !wanted.isEmpty {
            let placeholders = databaseQuestionMarks(count: wanted.count)
            let found = try Row.fetchAll(db, sql: "SELECT id, failed FROM outbox WHERE id IN (\(placeholders))",
                                         arguments: StatementArguments(wanted))
            let failed = Dictionary(uniqueKeysWithValues: found.map { ($0["id"] as Int64, $0["failed"] as Bool) })
            for id in wanted {
                guard let isFailed = failed[id] else {
                    throw RPCError.notFound("outbox entry \(id) does not exist (delivered, or never queued)", field: "ids")
                }
                guard isFailed else {
                    throw RPCError.failedPrecondition("outbox entry \(id) is pending, not failed: it is retried already", field: "ids")
                }
            }
        }
        let filter = wanted.isEmpty ? "" : " AND id IN (\(databaseQuestionMarks(count: wanted.count)))"
        return try Int64.fetchAll(db, sql: """
            UPDATE outbox SET failed = 0, next_attempt_at = ?, leased_until = 0
            WHERE failed = 1\(filter)
            RETURNING id
            """, arguments: StatementArguments([now]) + StatementArguments(wanted)).sorted()
    }

    /// Pending and failed counts, the oldest pending entry's age, and optionally the entries.
    public static func status(_ db: Database, includeEntries: Bool, now: Double = Date().timeIntervalSince1970) throws
        -> (pending: Int, failed: Int, oldestPendingAge: Double, entries: [Entry]) {
        let row = try Row.fetchOne(db, sql: """
            SELECT COALESCE(SUM(failed = 0), 0) AS pending, COALESCE(SUM(failed = 1), 0) AS failed,
                   MIN(CASE WHEN failed = 0 THEN created_at_epoch END) AS oldest
            FROM outbox
            """)!
        let oldest: Double? = row["oldest"]
        let entries = includeEntries ? try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY id LIMIT 1000").map(Entry.init) : []
        return (row["pending"], row["failed"], oldest.map { max(0, now - $0) } ?? 0, entries)
    }
}

extension Outbox {
    /// `luma_outbox_pending`, `luma_outbox_failed` and `luma_outbox_oldest_pending_seconds`,
    /// per target service, read from the outbox table at scrape time.
    public static func metricsCollector(database: DatabasePool, target: String) -> LumaMetrics.Collector {
        { metrics in
            guard let status = try? await database.measured.read({ try Outbox.status($0, includeEntries: false) }) else { return }
            metrics.gauge("luma_outbox_pending", [("target", target)]).record(Double(status.pending))
            metrics.gauge("luma_outbox_failed", [("target", target)]).record(Double(status.failed))
            metrics.gauge("luma_outbox_oldest_pending_seconds", [("target", target)]).record(status.oldestPendingAge)
        }
    }
}
