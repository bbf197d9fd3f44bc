import GRDB
import LumaServiceKit

/// content-pipeline's numbered migrations.
public enum ContentPipelineSchema: ServiceSchema {
    public static let defaultDatabasePath = ".luma/content-pipeline.sqlite"

    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        // The seed's daily_content, extended for production.
        migrator.registerMigration("001_daily_content") { db in
            try db.execute(sql: """
                CREATE TABLE daily_content (
                    id INTEGER PRIMARY KEY,
                    post_date TEXT NOT NULL,
                    mode TEXT NOT NULL CHECK (mode IN ('bible', 'positivity')),
                    language TEXT NOT NULL DEFAULT 'en',
                    status TEXT NOT NULL DEFAULT 'empty'
                        CHECK (status IN ('empty', 'generated', 'assigned', 'submitted', 'approved', 'rejected')),
                    -- Points into creator-registry (SET NULL on creator delete), enforced by the
                    -- services through RPC and the outbox: no single database can.
                    creator_id INTEGER,
                    category TEXT,
                    verse_reference TEXT,
                    verse_text TEXT,
                    camera_script TEXT,
                    devotional_reflection TEXT,
                    meditation_script TEXT,
                    background_prompt TEXT,
                    rejection_note TEXT,
                    creator_video_url TEXT,
                    creator_video_thumbnail TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    UNIQUE (post_date, mode, language)
                );
                -- The board: counts by status x mode over a date range.
                CREATE INDEX daily_content_board ON daily_content(status, mode, post_date);
                -- Capacity counts and the SET NULL of a deleted creator.
                CREATE INDEX daily_content_creator ON daily_content(creator_id, post_date);
                """)
        }
        migrator.registerMigration("002_outbox") { db in
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
        // Ids are never reused: verse-registry's ledger and the outbox name items by id, so a
        // deleted item's id handed to a new item would let a late CASCADE hit the wrong row.
        // And the SET NULL of a deleted creator leaves a tombstone that assignment checks.
        migrator.registerMigration("003_ids_never_reused") { db in
            try db.execute(sql: """
                CREATE TABLE daily_content_v3 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    post_date TEXT NOT NULL,
                    mode TEXT NOT NULL CHECK (mode IN ('bible', 'positivity')),
                    language TEXT NOT NULL DEFAULT 'en',
                    status TEXT NOT NULL DEFAULT 'empty'
                        CHECK (status IN ('empty', 'generated', 'assigned', 'submitted', 'approved', 'rejected')),
                    creator_id INTEGER,
                    category TEXT,
                    verse_reference TEXT,
                    verse_text TEXT,
                    camera_script TEXT,
                    devotional_reflection TEXT,
                    meditation_script TEXT,
                    background_prompt TEXT,
                    rejection_note TEXT,
                    creator_video_url TEXT,
                    creator_video_thumbnail TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    UNIQUE (post_date, mode, language)
                );
                INSERT INTO daily_content_v3 SELECT * FROM daily_content;
                DROP TABLE daily_content;
                ALTER TABLE daily_content_v3 RENAME TO daily_content;
                CREATE INDEX daily_content_board ON daily_content(status, mode, post_date);
                CREATE INDEX daily_content_creator ON daily_content(creator_id, post_date);
                """)
            // Ids deleted before this migration may still be named by queued releases
            // ("daily content N"): start the sequence above them too.
            try IDSequence.raise(db, table: "daily_content", outboxTargetPrefix: "daily content ")
            try db.execute(sql: """
                -- creator-registry's SET NULL was delivered for these creators: an assignment
                -- that checked the creator before the delete must not write it afterwards.
                CREATE TABLE deleted_creators (
                    creator_id INTEGER PRIMARY KEY,
                    deleted_at TEXT NOT NULL
                );
                """)
        }
        // Every submission and review, so a resubmitted or approved item keeps its rejection
        // notes as history instead of one stale note.
        migrator.registerMigration("004_review_history") { db in
            try db.execute(sql: """
                CREATE TABLE review_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    daily_content_id INTEGER NOT NULL REFERENCES daily_content(id) ON DELETE CASCADE,
                    at TEXT NOT NULL,
                    action TEXT NOT NULL CHECK (action IN ('submitted', 'approved', 'rejected')),
                    creator_id INTEGER,
                    note TEXT,
                    video_url TEXT
                );
                CREATE INDEX review_events_item ON review_events(daily_content_id, id);
                """)
        }
        // Outbox entries remember the trace of the call that queued them (see LumaTracing).
        migrator.registerMigration("005_outbox_trace_context") { db in
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN trace_context TEXT NOT NULL DEFAULT ''")
        }
        // Why an item's verse came from a fallback category (verse-registry says so on claim).
        migrator.registerMigration("006_verse_note") { db in
            try db.execute(sql: "ALTER TABLE daily_content ADD COLUMN verse_note TEXT")
        }
        // Submissions of videos held by media-store (content -> media, checked over RPC), what
        // media-store measured of them, and the tombstones of media it was allowed to remove.
        migrator.registerMigration("007_media") { db in
            try db.execute(sql: """
                ALTER TABLE daily_content ADD COLUMN video_media_id INTEGER;
                ALTER TABLE daily_content ADD COLUMN thumbnail_media_id INTEGER;
                ALTER TABLE daily_content ADD COLUMN video_duration_ms INTEGER;
                ALTER TABLE daily_content ADD COLUMN video_width INTEGER;
                ALTER TABLE daily_content ADD COLUMN video_height INTEGER;
                ALTER TABLE daily_content ADD COLUMN video_codecs TEXT;
                CREATE INDEX daily_content_video_media ON daily_content(video_media_id) WHERE video_media_id IS NOT NULL;
                CREATE INDEX daily_content_thumbnail_media ON daily_content(thumbnail_media_id) WHERE thumbnail_media_id IS NOT NULL;
                ALTER TABLE review_events ADD COLUMN video_media_id INTEGER;
                -- media-store asked to remove these (no item held them) and was allowed: a submit
                -- that checked one just before must not write it afterwards.
                CREATE TABLE released_media (
                    media_id INTEGER PRIMARY KEY,
                    released_at TEXT NOT NULL
                );
                """)
        }
        // AI creators' render jobs (docs/rendering.md): written before the vendor is called, the
        // vendor's video id stored as soon as it answers, so a restart resumes, never re-orders.
        migrator.registerMigration("008_render_jobs") { db in
            try db.execute(sql: """
                CREATE TABLE render_jobs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    daily_content_id INTEGER NOT NULL,
                    creator_id INTEGER NOT NULL,
                    vendor TEXT NOT NULL,
                    avatar_id TEXT NOT NULL,
                    voice_id TEXT NOT NULL,
                    script TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('queued', 'starting', 'rendering', 'storing', 'submitted', 'failed', 'cancelled')),
                    vendor_video_id TEXT,
                    video_url TEXT,
                    thumbnail_url TEXT,
                    video_media_id INTEGER,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    polls INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    retryable INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL NOT NULL,
                    lease_until REAL NOT NULL DEFAULT 0,
                    rendering_since REAL,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                -- One live job per item: a retried or duplicate assignment finds it.
                CREATE UNIQUE INDEX render_jobs_live ON render_jobs(daily_content_id) WHERE state NOT IN ('submitted', 'cancelled');
                CREATE INDEX render_jobs_due ON render_jobs(state, next_attempt_at);
                """)
        }
        // The workflow's whole history (ContentWorkflow): generation, regeneration, assignment
        // and unassignment join submissions and reviews, each with who made the move. The
        // action CHECK widens, which SQLite does only by rebuilding the table. `revision`
        // counts regenerations, so a rewritten item gets other skeletons than it had; an
        // approved item may be pulled from the feed and put back (unpublished_at).
        migrator.registerMigration("009_workflow_history") { db in
            try db.execute(sql: """
                CREATE TABLE review_events_v9 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    daily_content_id INTEGER NOT NULL REFERENCES daily_content(id) ON DELETE CASCADE,
                    at TEXT NOT NULL,
                    action TEXT NOT NULL CHECK (action IN
                        ('generated', 'regenerated', 'assigned', 'unassigned', 'submitted', 'approved', 'rejected',
                         'unpublished', 'republished')),
                    creator_id INTEGER,
                    note TEXT,
                    video_url TEXT,
                    video_media_id INTEGER,
                    verse_reference TEXT,
                    actor_role TEXT NOT NULL DEFAULT '',
                    actor_user_id INTEGER,
                    actor_name TEXT NOT NULL DEFAULT '',
                    actor_subject TEXT NOT NULL DEFAULT ''
                );
                INSERT INTO review_events_v9 (id, daily_content_id, at, action, creator_id, note, video_url, video_media_id)
                    SELECT id, daily_content_id, at, action, creator_id, note, video_url, video_media_id FROM review_events;
                DROP TABLE review_events;
                ALTER TABLE review_events_v9 RENAME TO review_events;
                CREATE INDEX review_events_item ON review_events(daily_content_id, id);
                ALTER TABLE daily_content ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
                -- An approved item an admin pulled from the feed (docs/content.md, "Publishing").
                ALTER TABLE daily_content ADD COLUMN unpublished_at TEXT;
                ALTER TABLE daily_content ADD COLUMN unpublish_note TEXT;
                -- The feed: a channel's approved items by date.
                CREATE INDEX daily_content_published ON daily_content(language, status, post_date);
                -- The review queue: submitted items, least recently changed first.
                CREATE INDEX daily_content_waiting ON daily_content(status, updated_at);
                """)
        }
        return migrator
    }
}
