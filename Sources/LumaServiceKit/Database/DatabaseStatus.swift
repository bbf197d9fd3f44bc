import Foundation
import GRDB
import LumaRPC

/// SQLite's errors as statuses a caller can act on, naming the database:
///
/// | SQLite | status | why |
/// |---|---|---|
/// | BUSY, LOCKED (another connection or process holds the write lock past the busy timeout) | UNAVAILABLE | clears by itself: retry |
/// | FULL (disk or size limit), NOMEM | RESOURCE_EXHAUSTED | clears when space is freed: retry later |
/// | IOERR, CANTOPEN, READONLY, PERM | UNAVAILABLE | the file system is in trouble; may clear |
/// | CORRUPT, NOTADB | DATA_LOSS | will not clear: restore from a backup |
///
/// Anything else (a constraint the code should have checked first, a bug) stays INTERNAL.
public enum DatabaseStatus {
    public static func status(for error: DatabaseError, database: String) -> RPCError? {
        let name = "database \(database)"
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return RPCError.unavailable("\(name) is busy: another connection or process holds its write lock; retry")
        case .SQLITE_FULL:
            return RPCError(.resourceExhausted, "\(name) is full: the disk (or the database's size limit) has no room left; retry once space is freed")
        case .SQLITE_NOMEM:
            return RPCError(.resourceExhausted, "\(name): out of memory")
        case .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_PERM:
            return RPCError.unavailable("\(name) cannot be read or written (\(describe(error))); retry once the file system is fixed")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return RPCError(.dataLoss, "\(name) is corrupt (\(describe(error))); restore it from a backup")
        default:
            return nil
        }
    }

    /// "disk I/O error (SQLITE_IOERR_WRITE)" rather than GRDB's description with the SQL.
    public static func describe(_ error: DatabaseError) -> String {
        let message = error.message ?? "\(error.resultCode)"
        return "\(message) (\(error.extendedResultCode))"
    }
}

/// Maps a handler's SQLite errors to `DatabaseStatus` statuses, so that a busy, full or
/// corrupt database is UNAVAILABLE, RESOURCE_EXHAUSTED or DATA_LOSS rather than INTERNAL, and
/// a row a record refuses (`StoredRowError`) is DATA_LOSS naming it.
/// Install it innermost (after authentication).
public struct DatabaseStatusInterceptor: RPCServerInterceptor {
    let database: String

    /// `database`: how messages name it, e.g. the file name.
    public init(database: String) {
        self.database = database
    }

    public func intercept(request: Data, context: RPCServerContext,
                          next: @Sendable (Data, RPCServerContext) async throws -> Data) async throws -> Data {
        do {
            return try await next(request, context)
        } catch let error as DatabaseError {
            guard let status = DatabaseStatus.status(for: error, database: database) else { throw error }
            context.logger.warning("database error", metadata: ["error": "\(error)", "status": "\(status.code)"])
            throw status
        } catch let error as StoredRowError {
            context.logger.error("unreadable row", metadata: ["error": "\(error)"])
            throw error.status
        }
    }
}
