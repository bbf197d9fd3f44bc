import CoreMetrics
import Foundation
import GRDB
import LumaMetrics
import NIOConcurrencyHelpers

/// `luma_sqlite_pool_wait_seconds{database,connection}`: how long a call waited in this
/// process before GRDB ran its closure: for the pool's single writer (`writer`; writes are
/// serialised on one connection) or for a free reader connection (`reader`). GRDB exposes no
/// hook for that queue, so the services call through `database.measured.write { }` /
/// `.read { }`, which time from the call to the closure's first line. A pool opened without
/// metrics records nothing. (The wait for another process' write lock is inside the statement
/// time, `luma_sqlite_statement_duration_seconds`.)
public struct MeasuredDatabase: Sendable {
    let pool: DatabasePool

    public func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let timer = PoolWaitTimers.timer(pool, connection: "writer")
        let asked = DispatchTime.now().uptimeNanoseconds
        return try await pool.write { db in
            timer?.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - asked))
            return try updates(db)
        }
    }

    public func read<T: Sendable>(_ value: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let timer = PoolWaitTimers.timer(pool, connection: "reader")
        let asked = DispatchTime.now().uptimeNanoseconds
        return try await pool.read { db in
            timer?.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - asked))
            return try value(db)
        }
    }
}

extension DatabasePool {
    /// Reads and writes that record their wait for a connection (see `MeasuredDatabase`).
    public var measured: MeasuredDatabase { MeasuredDatabase(pool: self) }
}

/// The wait timers of each database opened with metrics, by file (a pool's identity could be
/// reused by a later pool; its path names the same database, and the same label).
enum PoolWaitTimers {
    private static let timers = NIOLockedValueBox<[String: (writer: CoreMetrics.Timer, reader: CoreMetrics.Timer)]>([:])

    static func register(_ pool: DatabasePool, path: String, metrics: LumaMetrics) {
        let database = URL(fileURLWithPath: path).lastPathComponent
        let pair = (metrics.timer("luma_sqlite_pool_wait_seconds", [("database", database), ("connection", "writer")]),
                    metrics.timer("luma_sqlite_pool_wait_seconds", [("database", database), ("connection", "reader")]))
        timers.withLockedValue { $0[pool.path] = pair }
    }

    static func timer(_ pool: DatabasePool, connection: String) -> CoreMetrics.Timer? {
        timers.withLockedValue { $0[pool.path] }.map { connection == "writer" ? $0.writer : $0.reader }
    }
}
