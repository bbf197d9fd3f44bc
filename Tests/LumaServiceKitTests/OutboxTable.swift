import GRDB

/// The outbox table as the services' migrations create it (their SQL, copied), for the tests
/// of Outbox and OutboxDeliverer on a bare database.
enum OutboxTable {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                target TEXT NOT NULL,
                payload BLOB NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL,
                created_at_epoch REAL NOT NULL,
                next_attempt_at REAL NOT NULL,
                leased_until REAL NOT NULL DEFAULT 0,
                failed INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX outbox_due ON outbox(failed, next_attempt_at);
            ALTER TABLE outbox ADD COLUMN trace_context TEXT NOT NULL DEFAULT '';
            """)
    }
}
