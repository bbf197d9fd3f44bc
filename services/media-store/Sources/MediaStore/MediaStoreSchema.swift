import GRDB
import LumaServiceKit

/// media-store's numbered migrations. The files themselves live in the blob directory
/// (`BlobDirectory`); these tables say what each one is and who uploaded it.
public enum MediaStoreSchema: ServiceSchema {
    public static let defaultDatabasePath = ".luma/media-store.sqlite"

    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("001_media") { db in
            try db.execute(sql: """
                -- One row per (owner, kind, file): two creators uploading the same bytes get a
                -- row each (each counts against its own quota) over one blob.
                -- Ids are never reused: content-pipeline's items name media by id.
                CREATE TABLE media (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL CHECK (kind IN ('video', 'image')),
                    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                    size INTEGER NOT NULL CHECK (size > 0),
                    content_type TEXT NOT NULL,
                    owner_creator_id INTEGER NOT NULL DEFAULT 0,
                    width INTEGER NOT NULL,
                    height INTEGER NOT NULL,
                    duration_ms INTEGER NOT NULL DEFAULT 0,
                    video_codec TEXT NOT NULL,
                    audio_codec TEXT NOT NULL DEFAULT '',
                    container TEXT NOT NULL,
                    thumbnail_id INTEGER REFERENCES media(id) ON DELETE SET NULL,
                    file_name TEXT NOT NULL DEFAULT '',
                    created_at TEXT NOT NULL,
                    -- When the clean-up last found an item holding it; the grace period runs
                    -- from the later of this and created_at.
                    last_held_at TEXT,
                    UNIQUE (owner_creator_id, kind, sha256)
                );
                CREATE INDEX media_sha256 ON media(sha256);
                CREATE INDEX media_owner ON media(owner_creator_id);

                CREATE TABLE uploads (
                    id TEXT PRIMARY KEY,
                    owner_creator_id INTEGER NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('video', 'image')),
                    size INTEGER NOT NULL CHECK (size > 0),
                    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                    file_name TEXT NOT NULL DEFAULT '',
                    next_offset INTEGER NOT NULL DEFAULT 0 CHECK (next_offset >= 0 AND next_offset <= size),
                    state TEXT NOT NULL CHECK (state IN ('open', 'finished', 'refused')),
                    media_id INTEGER REFERENCES media(id) ON DELETE SET NULL,
                    -- Why the file was refused (state 'refused'), as FinishUpload answered it.
                    refusal TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE INDEX uploads_owner_state ON uploads(owner_creator_id, state);
                CREATE INDEX uploads_updated ON uploads(state, updated_at);
                """)
        }
        return migrator
    }
}
