import GRDB

/// Helpers for tables whose ids other services refer to: declared `AUTOINCREMENT`, so SQLite
/// never hands out an id again once it was used, even after the newest row is deleted.
public enum IDSequence {
    /// Raises `table`'s AUTOINCREMENT sequence to at least the largest id still named by an
    /// outbox entry whose target is "<prefix><id>" (deliveries queued before the table became
    /// AUTOINCREMENT may name ids deleted from the top of the table). Call in a migration,
    /// after the table was rebuilt with AUTOINCREMENT.
    public static func raise(_ db: Database, table: String, outboxTargetPrefix prefix: String) throws {
        let fromOutbox = try Int64.fetchOne(db, sql: """
            SELECT MAX(CAST(substr(target, ?) AS INTEGER)) FROM outbox WHERE target LIKE ? || '%'
            """, arguments: [prefix.count + 1, prefix]) ?? 0
        let fromTable = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM \(table)") ?? 0
        let floor = max(fromOutbox, fromTable)
        guard floor > 0 else { return }
        try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = ?", arguments: [table])
        try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", arguments: [table, floor])
    }
}
