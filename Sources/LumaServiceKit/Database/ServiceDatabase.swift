import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GRDB
import LumaMetrics

/// Opens a service's SQLite database: a GRDB `DatabasePool` (WAL mode, so readers never block
/// the writer), foreign keys on, and a busy timeout so several instances of a service can share
/// one file (SQLite serialises their writes; a waiting writer retries for `busyTimeout`, then
/// the call fails with UNAVAILABLE, see `DatabaseStatus`).
public enum ServiceDatabase {
    public static let defaultBusyTimeout: TimeInterval = 10

    /// With `metrics`, every statement's time is recorded (see `recordStatementDurations`).
    public static func open(path: String, readonly: Bool = false, busyTimeout: TimeInterval = defaultBusyTimeout,
                            metrics: LumaMetrics? = nil) throws -> DatabasePool {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.readonly = readonly
        configuration.prepareDatabase { db in
            // WAL + NORMAL is durable across process crashes (only an OS crash can lose the
            // last transactions), and much faster than FULL.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            if let metrics { recordStatementDurations(db, path: path, metrics: metrics) }
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        if let metrics { PoolWaitTimers.register(pool, path: path, metrics: metrics) }
        return pool
    }

    /// `luma_sqlite_statement_duration_seconds{database,connection}`: each statement's time on
    /// the pool's writer connection (`writer`: the writes, and the time they waited for
    /// another instance's write lock, since SQLite's busy wait happens inside the statement) or
    /// on a reader (`reader`). GRDB's profile hook costs one callback per statement, so it is
    /// installed only when metrics are on. The time a call waits in this process for a
    /// connection is `luma_sqlite_pool_wait_seconds` (`MeasuredDatabase`).
    static func recordStatementDurations(_ db: Database, path: String, metrics: LumaMetrics) {
        let timer = metrics.timer("luma_sqlite_statement_duration_seconds", [
            ("database", URL(fileURLWithPath: path).lastPathComponent),
            ("connection", db.configuration.readonly ? "reader" : "writer"),
        ])
        db.trace(options: .profile) { event in
            if case .profile(_, let duration) = event { timer.recordNanoseconds(Int64(duration * 1_000_000_000)) }
        }
    }

    /// What a service does at start: under the start lock, opens the pool, refuses a corrupt
    /// database (`PRAGMA quick_check`) or one with migrations this binary does not know, then
    /// applies the pending migrations (or, with `migrate: false`, refuses if any is pending).
    /// Returns the pool and the migrations this call applied.
    public static func openForService(path: String, migrator: DatabaseMigrator, migrate: Bool = true,
                                      busyTimeout: TimeInterval = defaultBusyTimeout,
                                      metrics: LumaMetrics? = nil) throws -> (DatabasePool, applied: [String]) {
        try withStartLock(path: path) {
            let pool: DatabasePool
            do {
                pool = try open(path: path, busyTimeout: busyTimeout, metrics: metrics)
            } catch let error as DatabaseError {
                throw DatabaseStartupError.cannotOpen(path: path, reason: DatabaseStatus.describe(error))
            }
            try checkIntegrity(pool, path: path)
            let unknown = try unknownMigrations(pool, migrator: migrator)
            guard unknown.isEmpty else { throw DatabaseStartupError.newerSchema(path: path, unknown: unknown) }
            let pending = try migrator.status(of: pool).filter { !$0.applied }.map(\.identifier)
            guard migrate else {
                guard pending.isEmpty else { throw DatabaseStartupError.pendingMigrations(path: path, pending: pending) }
                return (pool, [])
            }
            do {
                try migrator.migrate(pool)
            } catch let error as DatabaseError {
                throw DatabaseStartupError.migrationFailed(path: path, reason: DatabaseStatus.describe(error))
            }
            return (pool, pending)
        }
    }

    /// `PRAGMA quick_check`: a database whose header is intact but whose pages are damaged
    /// opens fine and fails later, call by call; refuse it at start instead.
    static func checkIntegrity(_ pool: DatabasePool, path: String) throws {
        let problems: [String]
        do {
            problems = try pool.read { try String.fetchAll($0, sql: "PRAGMA quick_check(5)") }.filter { $0 != "ok" }
        } catch let error as DatabaseError {
            throw DatabaseStartupError.corrupt(path: path, details: [DatabaseStatus.describe(error)])
        }
        if !problems.isEmpty { throw DatabaseStartupError.corrupt(path: path, details: problems) }
    }

    /// Migrations recorded in the database that `migrator` does not define: the file was
    /// migrated by a newer version of the service.
    static func unknownMigrations(_ reader: some DatabaseReader, migrator: DatabaseMigrator) throws -> [String] {
        let known = Set(migrator.migrations)
        let recorded: [String] = try reader.read { db in
            guard try db.tableExists("grdb_migrations") else { return [] }
            return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
        }
        return recorded.filter { !known.contains($0) }
    }

    /// Serialises the start (open, check, migrate) of every process on one database file with
    /// an exclusive lock on `<path>.migrate-lock`: instances started together on a fresh file
    /// would otherwise race to switch it to WAL (`database is locked`) and to create the schema
    /// (GRDB's migrator checks and applies in separate steps).
    public static func withStartLock<T>(path: String, _ body: () throws -> T) throws -> T {
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        let lockPath = path + ".migrate-lock"
        let fd = Glibc.open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DatabaseStartupError.cannotOpen(path: lockPath, reason: String(cString: strerror(errno))) }
        defer { Glibc.close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw DatabaseStartupError.cannotOpen(path: lockPath, reason: String(cString: strerror(errno))) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// A database for tests: a pool on a fresh temporary file.
    public static func temporary(name: String = "test", busyTimeout: TimeInterval = defaultBusyTimeout) throws -> (DatabasePool, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("luma-\(UUID().uuidString)")
        let path = directory.appendingPathComponent("\(name).sqlite").path
        return (try open(path: path, busyTimeout: busyTimeout), path)
    }
}

/// Why a service or a migrations command refused a database at start. Each says which file
/// and what to do.
public enum DatabaseStartupError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case corrupt(path: String, details: [String])
    case newerSchema(path: String, unknown: [String])
    case pendingMigrations(path: String, pending: [String])
    case migrationFailed(path: String, reason: String)
    case missing(path: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open database \(path): \(reason)"
        case .corrupt(let path, let details):
            return "database \(path) is corrupt (PRAGMA quick_check: \(details.joined(separator: "; "))); "
                + "refusing to start: restore it from a backup"
        case .newerSchema(let path, let unknown):
            return "database \(path) has migrations this version does not know (\(unknown.joined(separator: ", "))): "
                + "it was migrated by a newer version; run that version, or restore a backup made before the upgrade"
        case .pendingMigrations(let path, let pending):
            return "database \(path) has pending migrations (\(pending.joined(separator: ", "))); run the migrate command first"
        case .migrationFailed(let path, let reason):
            return "migrating database \(path) failed, nothing of the failed migration was applied: \(reason)"
        case .missing(let path):
            return "no database at \(path) (nothing was created); pass --db PATH of an existing database"
        }
    }
}
