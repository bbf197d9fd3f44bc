import GRDB
import LumaServiceKit

/// creator-registry's numbered migrations.
public enum CreatorRegistrySchema: ServiceSchema {
    public static let defaultDatabasePath = ".luma/creator-registry.sqlite"

    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("001_users") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    id INTEGER PRIMARY KEY,
                    email TEXT NOT NULL UNIQUE,
                    display_name TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'creator')),
                    created_at TEXT NOT NULL
                );
                """)
        }
        // The seed's luma_short_creators.
        migrator.registerMigration("002_luma_short_creators") { db in
            try db.execute(sql: """
                CREATE TABLE luma_short_creators (
                    id INTEGER PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
                    display_name TEXT NOT NULL,
                    languages TEXT NOT NULL DEFAULT '["en"]' CHECK (json_valid(languages) AND json_type(languages) = 'array'),
                    monthly_capacity INTEGER NOT NULL DEFAULT 0 CHECK (monthly_capacity >= 0),
                    can_bible INTEGER NOT NULL DEFAULT 0 CHECK (can_bible IN (0, 1)),
                    can_positivity INTEGER NOT NULL DEFAULT 0 CHECK (can_positivity IN (0, 1)),
                    is_ai INTEGER NOT NULL DEFAULT 0 CHECK (is_ai IN (0, 1)),
                    heygen_avatar_id TEXT,
                    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    CHECK ((is_ai = 1 AND heygen_avatar_id IS NOT NULL AND heygen_avatar_id <> '')
                        OR (is_ai = 0 AND heygen_avatar_id IS NULL))
                );
                CREATE INDEX luma_short_creators_user ON luma_short_creators(user_id);
                -- Backs FindEligible and the filtered list.
                CREATE INDEX luma_short_creators_eligibility ON luma_short_creators(active, can_bible, can_positivity);
                """)
        }
        migrator.registerMigration("003_outbox") { db in
            // Frozen: the outbox table as LumaServiceKit's Outbox created it when this migration
            // was written (a migration never calls code that may change later).
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
                    -- A delivering instance leases a row until this time, so instances sharing the
                    -- database do not all deliver it at once.
                    leased_until REAL NOT NULL DEFAULT 0,
                    -- The receiver refused it for good (not a transient failure): an operator must look.
                    failed INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX outbox_due ON outbox(failed, next_attempt_at);
                """)
        }
        // Ids are never reused: content-pipeline names creators by id (daily_content.creator_id,
        // creator tokens, the SET NULL in the outbox), so a deleted creator's id handed to a new
        // one would let a late SET NULL undo the new creator's assignments. Users get the same,
        // for the tokens and sessions that name them.
        migrator.registerMigration("004_ids_never_reused") { db in
            try db.execute(sql: """
                CREATE TABLE users_v4 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    email TEXT NOT NULL UNIQUE,
                    display_name TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'creator')),
                    created_at TEXT NOT NULL
                );
                INSERT INTO users_v4 SELECT * FROM users;
                CREATE TABLE luma_short_creators_v4 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
                    display_name TEXT NOT NULL,
                    languages TEXT NOT NULL DEFAULT '["en"]' CHECK (json_valid(languages) AND json_type(languages) = 'array'),
                    monthly_capacity INTEGER NOT NULL DEFAULT 0 CHECK (monthly_capacity >= 0),
                    can_bible INTEGER NOT NULL DEFAULT 0 CHECK (can_bible IN (0, 1)),
                    can_positivity INTEGER NOT NULL DEFAULT 0 CHECK (can_positivity IN (0, 1)),
                    is_ai INTEGER NOT NULL DEFAULT 0 CHECK (is_ai IN (0, 1)),
                    heygen_avatar_id TEXT,
                    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    CHECK ((is_ai = 1 AND heygen_avatar_id IS NOT NULL AND heygen_avatar_id <> '')
                        OR (is_ai = 0 AND heygen_avatar_id IS NULL))
                );
                INSERT INTO luma_short_creators_v4 SELECT * FROM luma_short_creators;
                DROP TABLE luma_short_creators;
                DROP TABLE users;
                ALTER TABLE users_v4 RENAME TO users;
                ALTER TABLE luma_short_creators_v4 RENAME TO luma_short_creators;
                CREATE INDEX luma_short_creators_user ON luma_short_creators(user_id);
                CREATE INDEX luma_short_creators_eligibility ON luma_short_creators(active, can_bible, can_positivity);
                """)
            try IDSequence.raise(db, table: "luma_short_creators", outboxTargetPrefix: "creator ")
            try IDSequence.raise(db, table: "users", outboxTargetPrefix: "user ")
        }
        // Outbox entries remember the trace of the call that queued them (see LumaTracing).
        migrator.registerMigration("005_outbox_trace_context") { db in
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN trace_context TEXT NOT NULL DEFAULT ''")
        }
        // Passwords for the studio's sign-in (bcrypt hashes) and the failed attempts per email
        // that slow a guesser down.
        migrator.registerMigration("006_passwords") { db in
            try db.execute(sql: """
                ALTER TABLE users ADD COLUMN password_hash TEXT;
                CREATE TABLE sign_in_failures (
                    email TEXT PRIMARY KEY,
                    failures INTEGER NOT NULL,
                    locked_until TEXT
                );
                """)
        }
        // The vendor voice an AI creator's videos speak with (content-pipeline's render worker).
        migrator.registerMigration("007_avatar_voice") { db in
            try db.execute(sql: "ALTER TABLE luma_short_creators ADD COLUMN avatar_voice_id TEXT")
        }
        return migrator
    }
}
