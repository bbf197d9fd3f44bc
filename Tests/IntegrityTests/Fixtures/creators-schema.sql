index luma_short_creators_eligibility
CREATE INDEX luma_short_creators_eligibility ON luma_short_creators(active, can_bible, can_positivity)

index luma_short_creators_user
CREATE INDEX luma_short_creators_user ON luma_short_creators(user_id)

index outbox_due
CREATE INDEX outbox_due ON outbox(failed, next_attempt_at)

table grdb_migrations
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)

table luma_short_creators
CREATE TABLE "luma_short_creators" (
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
    updated_at TEXT NOT NULL, avatar_voice_id TEXT,
    CHECK ((is_ai = 1 AND heygen_avatar_id IS NOT NULL AND heygen_avatar_id <> '')
        OR (is_ai = 0 AND heygen_avatar_id IS NULL))
)

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

table sign_in_failures
CREATE TABLE sign_in_failures (
    email TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    locked_until TEXT
)

table sqlite_sequence
CREATE TABLE sqlite_sequence(name,seq)

table users
CREATE TABLE "users" (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'creator')),
    created_at TEXT NOT NULL
, password_hash TEXT)

