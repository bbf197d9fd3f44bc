index daily_content_board
CREATE INDEX daily_content_board ON daily_content(status, mode, post_date)

index daily_content_creator
CREATE INDEX daily_content_creator ON daily_content(creator_id, post_date)

index daily_content_published
CREATE INDEX daily_content_published ON daily_content(language, status, post_date)

index daily_content_thumbnail_media
CREATE INDEX daily_content_thumbnail_media ON daily_content(thumbnail_media_id) WHERE thumbnail_media_id IS NOT NULL

index daily_content_video_media
CREATE INDEX daily_content_video_media ON daily_content(video_media_id) WHERE video_media_id IS NOT NULL

index daily_content_waiting
CREATE INDEX daily_content_waiting ON daily_content(status, updated_at)

index outbox_due
CREATE INDEX outbox_due ON outbox(failed, next_attempt_at)

index render_jobs_due
CREATE INDEX render_jobs_due ON render_jobs(state, next_attempt_at)

index render_jobs_live
CREATE UNIQUE INDEX render_jobs_live ON render_jobs(daily_content_id) WHERE state NOT IN ('submitted', 'cancelled')

index review_events_item
CREATE INDEX review_events_item ON review_events(daily_content_id, id)

table daily_content
CREATE TABLE "daily_content" (
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
    updated_at TEXT NOT NULL, verse_note TEXT, video_media_id INTEGER, thumbnail_media_id INTEGER, video_duration_ms INTEGER, video_width INTEGER, video_height INTEGER, video_codecs TEXT, revision INTEGER NOT NULL DEFAULT 0, unpublished_at TEXT, unpublish_note TEXT,
    UNIQUE (post_date, mode, language)
)

table deleted_creators
CREATE TABLE deleted_creators (
    creator_id INTEGER PRIMARY KEY,
    deleted_at TEXT NOT NULL
)

table grdb_migrations
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)

table outbox
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
, trace_context TEXT NOT NULL DEFAULT '')

table released_media
CREATE TABLE released_media (
    media_id INTEGER PRIMARY KEY,
    released_at TEXT NOT NULL
)

table render_jobs
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
)

table review_events
CREATE TABLE "review_events" (
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
)

table sqlite_sequence
CREATE TABLE sqlite_sequence(name,seq)

