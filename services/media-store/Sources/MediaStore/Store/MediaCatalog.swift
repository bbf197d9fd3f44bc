import Foundation
import GRDB
import LumaRPC

/// The SQL of media-store: media rows and upload sessions.
enum MediaCatalog {
    static func media(_ db: Database, id: Int64) throws -> MediaRecord? {
        try MediaRecord.fetchOne(db, sql: "SELECT * FROM media WHERE id = ?", arguments: [id])
    }

    static func media(_ db: Database, owner: Int64, kind: MediaKind, sha256: String) throws -> MediaRecord? {
        try MediaRecord.fetchOne(db, sql: "SELECT * FROM media WHERE owner_creator_id = ? AND kind = ? AND sha256 = ?",
                                 arguments: [owner, kind.rawValue, sha256])
    }

    static func upload(_ db: Database, id: String) throws -> UploadRecord? {
        try UploadRecord.fetchOne(db, sql: "SELECT * FROM uploads WHERE id = ?", arguments: [id])
    }

    /// Bytes a creator holds: stored files plus what open uploads have announced.
    static func bytesHeld(_ db: Database, owner: Int64) throws -> Int64 {
        let stored = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(size), 0) FROM media WHERE owner_creator_id = ?", arguments: [owner]) ?? 0
        let pending = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(size), 0) FROM uploads WHERE owner_creator_id = ? AND state = 'open'",
                                         arguments: [owner]) ?? 0
        return stored + pending
    }

    static func insertUpload(_ db: Database, id: String, owner: Int64, kind: MediaKind, size: Int64, sha256: String, fileName: String,
                             state: UploadRecord.State, mediaID: Int64?, now: String) throws -> UploadRecord {
        try db.execute(sql: """
            INSERT INTO uploads (id, owner_creator_id, kind, size, sha256, file_name, next_offset, state, media_id, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, owner, kind.rawValue, size, sha256, fileName, state == .finished ? size : 0, state.rawValue, mediaID, now, now])
        return try upload(db, id: id)!
    }

    static func advance(_ db: Database, upload: String, to offset: Int64, now: String) throws {
        try db.execute(sql: "UPDATE uploads SET next_offset = ?, updated_at = ? WHERE id = ?", arguments: [offset, now, upload])
    }

    static func endUpload(_ db: Database, upload: String, state: UploadRecord.State, mediaID: Int64?, refusal: String?, now: String) throws {
        try db.execute(sql: "UPDATE uploads SET state = ?, media_id = ?, refusal = ?, updated_at = ? WHERE id = ?",
                       arguments: [state.rawValue, mediaID, refusal, now, upload])
    }

    /// The row for this owner's copy of a checked file: the existing one, or a new one.
    static func insertMedia(_ db: Database, owner: Int64, kind: MediaKind, sha256: String, size: Int64, accepted: MediaRules.Accepted,
                            thumbnail: Int64?, fileName: String, now: String) throws -> MediaRecord {
        if let existing = try media(db, owner: owner, kind: kind, sha256: sha256) { return existing }
        try db.execute(sql: """
            INSERT INTO media (kind, sha256, size, content_type, owner_creator_id, width, height, duration_ms, video_codec, audio_codec,
                               container, thumbnail_id, file_name, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [kind.rawValue, sha256, size, accepted.contentType, owner, accepted.width, accepted.height, accepted.durationMS,
                             accepted.videoCodec, accepted.audioCodec, accepted.container, thumbnail, fileName, now])
        return try media(db, id: db.lastInsertedRowID)!
    }

    static func existing(_ db: Database, ids: [Int64]) throws -> [Int64] {
        guard !ids.isEmpty else { return [] }
        return try Int64.fetchAll(db, sql: "SELECT id FROM media WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ","))) ORDER BY id",
                                  arguments: StatementArguments(ids))
    }

    // MARK: Clean-up

    /// Open sessions idle since before `cutoff`.
    static func idleUploads(_ db: Database, before cutoff: String) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT id FROM uploads WHERE state = 'open' AND updated_at < ?", arguments: [cutoff])
    }

    static func openUploads(_ db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db, sql: "SELECT id FROM uploads WHERE state = 'open'"))
    }

    static func deleteUploads(_ db: Database, ids: [String]) throws {
        for id in ids { try db.execute(sql: "DELETE FROM uploads WHERE id = ? AND state = 'open'", arguments: [id]) }
    }

    /// Media neither created nor seen held since `cutoff`: candidates for removal.
    static func unheldSince(_ db: Database, before cutoff: String, after id: Int64, limit: Int) throws -> [Int64] {
        try Int64.fetchAll(db, sql: """
            SELECT id FROM media WHERE id > ? AND created_at < ? AND (last_held_at IS NULL OR last_held_at < ?) ORDER BY id LIMIT ?
            """, arguments: [id, cutoff, cutoff, limit])
    }

    static func markHeld(_ db: Database, ids: [Int64], now: String) throws {
        for id in ids { try db.execute(sql: "UPDATE media SET last_held_at = ? WHERE id = ?", arguments: [now, id]) }
    }

    /// Deletes rows and returns the sha256s no row names any more (their blobs can go).
    static func deleteMedia(_ db: Database, ids: [Int64]) throws -> [String] {
        var orphaned: [String] = []
        for id in ids {
            guard let row = try media(db, id: id) else { continue }
            try db.execute(sql: "DELETE FROM media WHERE id = ?", arguments: [id])
            let others = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM media WHERE sha256 = ?", arguments: [row.sha256]) ?? 0
            if others == 0 { orphaned.append(row.sha256) }
        }
        return orphaned
    }

    static func isKnown(_ db: Database, sha256: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM media WHERE sha256 = ?)", arguments: [sha256]) ?? false
    }

    static func allMedia(_ db: Database) throws -> [MediaRecord] {
        try MediaRecord.fetchAll(db, sql: "SELECT * FROM media ORDER BY id")
    }
}
