import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GRDB

/// Opens a service's SQLite database: a GRDB `DatabasePool` (WAL mode, so readers never block
/// the writer), foreign keys on, and a busy timeout so several instances of a service can share
/// one file (SQLite serialises their writes; a waiting writer retries for up to 10 s).
public enum ServiceDatabase {
    public static func open(path: String, readonly: Bool = false) throws -> DatabasePool {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.readonly = readonly
        configuration.prepareDatabase { db in
            // WAL + NORMAL is durable across process crashes (only an OS crash can lose the
            // last transactions), and much faster than FULL.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return try DatabasePool(path: path, configuration: configuration)
    }

    /// Applies pending migrations while holding an exclusive lock on `<path>.migrate-lock`, so
    /// instances starting together on a fresh file do not both try to create the schema
    /// (GRDB's migrator checks and applies in separate steps).
    public static func migrate(_ pool: DatabasePool, path: String, with migrator: DatabaseMigrator) throws {
        let lockPath = path + ".migrate-lock"
        let fd = Glibc.open(lockPath, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: lockPath]) }
        defer { Glibc.close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw CocoaError(.fileLocking, userInfo: [NSFilePathErrorKey: lockPath]) }
        defer { flock(fd, LOCK_UN) }
        try migrator.migrate(pool)
    }

    /// An in-memory-like database for tests: a pool on a fresh temporary file.
    public static func temporary(name: String = "test") throws -> (DatabasePool, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("luma-\(UUID().uuidString)")
        let path = directory.appendingPathComponent("\(name).sqlite").path
        return (try open(path: path), path)
    }
}
