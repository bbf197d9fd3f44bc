import ContentAPI
import Foundation
import GRDB
import LumaRPC
import LumaValues
import LumaServiceKit

/// daily_content in SQL. Every transition is a compare-and-set on `status`: the UPDATE names
/// the status the caller saw, so of two concurrent transitions (in one process or several on
/// one file) exactly one changes the row; the other is told ABORTED.
enum ContentStore {
    static func item(_ db: Database, id: Int64) throws -> ContentRecord? {
        // Cached statements on the hot reads: preparing one runs GRDB's authorizer over every
        // column (a tenth of a Get's CPU when prepared per call; docs/benchmarks.md).
        try ContentRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM daily_content WHERE id = ?"), arguments: [id])
    }

    static func existing(_ db: Database, id: Int64) throws -> ContentRecord {
        guard let item = try item(db, id: id) else { throw RPCError.notFound("daily content \(id) does not exist", field: "id") }
        return item
    }

    /// Inserts the missing (date, mode, language) items; returns (created, existing).
    static func plan(_ db: Database, dates: [CalendarDate], modes: [ContentMode], languages: [String]) throws -> (Int, Int) {
        let now = Timestamp.now()
        let insert = try db.makeStatement(sql: """
            INSERT INTO daily_content (post_date, mode, language, status, created_at, updated_at)
            VALUES (?, ?, ?, 'empty', ?, ?) ON CONFLICT (post_date, mode, language) DO NOTHING
            """)
        var created = 0, existing = 0
        for date in dates {
            for mode in modes {
                for language in languages {
                    try insert.execute(arguments: [date.description, mode.rawValue, language, now, now])
                    if db.changesCount > 0 { created += 1 } else { existing += 1 }
                }
            }
        }
        return (created, existing)
    }

    /// Applies `changes` if the item is still in `from`. Throws ABORTED if another transition
    /// got there first, NOT_FOUND if it was deleted meanwhile.
    static func transition(_ db: Database, id: Int64, from: ContentStatus, to: ContentStatus,
                           set changes: [String: DatabaseValue]) throws -> ContentRecord {
        var columns = ["status = ?", "updated_at = ?"]
        var arguments: StatementArguments = [to.rawValue, Timestamp.now()]
        for (column, value) in changes.sorted(by: { $0.key < $1.key }) {
            columns.append("\(column) = ?")
            arguments += [value]
        }
        arguments += [id, from.rawValue]
        try db.execute(sql: "UPDATE daily_content SET \(columns.joined(separator: ", ")) WHERE id = ? AND status = ?", arguments: arguments)
        guard db.changesCount == 1 else {
            guard let now = try item(db, id: id) else {
                throw RPCError.notFound("daily content \(id) was deleted meanwhile", field: "id")
            }
            throw RPCError(.aborted, "item \(id) changed concurrently: it is now \(now.status.rawValue), not \(from.rawValue); reload and retry")
        }
        return try existing(db, id: id)
    }

    /// Items assigned to a creator whose post date falls in `month` ("2026-12"): what the
    /// creator's monthly capacity is measured against.
    static func assignedCount(_ db: Database, creator: Int64, month: String) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM daily_content
            WHERE creator_id = ? AND post_date BETWEEN ? AND ? AND status IN (\(ContentStatus.holdingCreator.map { "'\($0.rawValue)'" }.joined(separator: ", ")))
            """, arguments: [creator, month + "-01", month + "-31"])!
    }

    struct Filter: Sendable {
        var from: String?
        var to: String?
        var statuses: [ContentStatus] = ContentStatus.allCases
        var modes: [ContentMode] = ContentMode.allCases
        var languages: [String]?
        var creatorID: Int64?
        /// Text the verse reference, topic or a script contains (case-insensitive for ASCII).
        var query: String?
        var order: Order = .postDate
    }

    enum Order: Sendable {
        /// By post date, then mode and language.
        case postDate
        /// Least recently changed first (a review queue: the longest waiting on top).
        case waiting
    }

    /// The WHERE clause for lists and the board. Status and mode always appear as IN lists so
    /// SQLite walks the (status, mode, post_date) index for the date range.
    static func whereClause(_ filter: Filter) -> (String, StatementArguments) {
        var terms = [
            "status IN (\(filter.statuses.map { _ in "?" }.joined(separator: ", ")))",
            "mode IN (\(filter.modes.map { _ in "?" }.joined(separator: ", ")))",
        ]
        var arguments: StatementArguments = StatementArguments(filter.statuses.map(\.rawValue) + filter.modes.map(\.rawValue))
        terms.append("post_date BETWEEN ? AND ?")
        arguments += [filter.from ?? "0000-00-00", filter.to ?? "9999-99-99"]
        if let languages = filter.languages, !languages.isEmpty {
            terms.append("language IN (\(languages.map { _ in "?" }.joined(separator: ", ")))")
            arguments += StatementArguments(languages)
        }
        if let creator = filter.creatorID {
            terms.append("creator_id = ?")
            arguments += [creator]
        }
        if let query = filter.query {
            // LIKE's own wildcards in the text are matched literally.
            let escaped = query.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            let columns = ["verse_reference", "category", "camera_script", "devotional_reflection", "meditation_script"]
            terms.append("(" + columns.map { "\($0) LIKE ? ESCAPE '\\'" }.joined(separator: " OR ") + ")")
            arguments += StatementArguments(Array(repeating: "%" + escaped + "%", count: columns.count))
        }
        return ("WHERE " + terms.joined(separator: " AND "), arguments)
    }

    static func list(_ db: Database, _ filter: Filter, limit: Int, offset: Int) throws -> [ContentRecord] {
        let (condition, arguments) = whereClause(filter)
        let order = filter.order == .waiting ? "updated_at, id" : "post_date, mode, language"
        return try ContentRecord.fetchAll(db.cachedStatement(sql: "SELECT * FROM daily_content \(condition) ORDER BY \(order) LIMIT ? OFFSET ?"),
                                          arguments: arguments + [limit, offset])
    }

    /// A channel's approved, not unpublished items in a date range (the feed), by date then mode.
    static func published(_ db: Database, language: String, from: String, to: String, limit: Int, offset: Int) throws -> [ContentRecord] {
        try ContentRecord.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM daily_content WHERE language = ? AND status = 'approved' AND post_date BETWEEN ? AND ? AND unpublished_at IS NULL
            ORDER BY post_date, mode LIMIT ? OFFSET ?
            """), arguments: [language, from, to, limit, offset])
    }

    static func counts(_ db: Database, _ filter: Filter) throws -> [(status: ContentStatus, mode: ContentMode, count: Int)] {
        let (condition, arguments) = whereClause(filter)
        return try Row.fetchAll(db, sql: "SELECT status, mode, COUNT(*) AS n FROM daily_content \(condition) GROUP BY status, mode",
                                arguments: arguments).compactMap { row in
            guard let status = ContentStatus(rawValue: row["status"]), let mode = ContentMode(rawValue: row["mode"]) else { return nil }
            return (status, mode, row["n"])
        }
    }

    static func delete(_ db: Database, id: Int64) throws -> ContentRecord? {
        guard let item = try item(db, id: id) else { return nil }
        try db.execute(sql: "DELETE FROM daily_content WHERE id = ?", arguments: [id])
        return item
    }

    /// ON DELETE SET NULL for a creator deleted in creator-registry: assigned work goes back to
    /// generated; submitted, approved and rejected items keep their history.
    /// Also leaves a tombstone, in the same transaction, which `requireCreatorNotDeleted` checks:
    /// an assignment that checked the creator before the delete cannot write it afterwards.
    static func detachCreator(_ db: Database, creator: Int64) throws -> (unassigned: Int, detached: Int) {
        let now = Timestamp.now()
        try db.execute(sql: "INSERT INTO deleted_creators (creator_id, deleted_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                       arguments: [creator, now])
        try db.execute(sql: """
            UPDATE daily_content SET status = 'generated', creator_id = NULL, updated_at = ? WHERE creator_id = ? AND status = 'assigned'
            """, arguments: [now, creator])
        let unassigned = db.changesCount
        // Their render jobs stop with them (a late video is not submitted).
        try db.execute(sql: """
            UPDATE render_jobs SET state = 'cancelled', last_error = 'the creator was deleted', retryable = 0, updated_at = ?
            WHERE creator_id = ? AND state NOT IN ('submitted', 'cancelled')
            """, arguments: [now, creator])
        try db.execute(sql: "UPDATE daily_content SET creator_id = NULL, updated_at = ? WHERE creator_id = ?", arguments: [now, creator])
        return (unassigned, db.changesCount)
    }

    /// Whether the SET NULL of this creator's deletion was delivered here (its tombstone).
    static func creatorIsDeleted(_ db: Database, creator: Int64) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM deleted_creators WHERE creator_id = ?", arguments: [creator]) == true
    }

    /// Refuses to point an item at a creator whose delete was already delivered here.
    static func requireCreatorNotDeleted(_ db: Database, creator: Int64) throws {
        if try creatorIsDeleted(db, creator: creator) {
            throw RPCError.notFound("creator \(creator) was deleted", field: "creator_id")
        }
    }

    // MARK: content -> media

    /// Refuses to point an item at media that media-store was allowed to remove.
    static func requireMediaNotReleased(_ db: Database, media: Int64, field: String) throws {
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM released_media WHERE media_id = ?", arguments: [media]) == true {
            throw RPCError.notFound("media \(media) was removed from media-store (no item held it); upload the file again", field: field)
        }
    }

    /// Of `ids`, those an item's current submission names (held), and the rest, which are
    /// released: tombstoned in this transaction, so a submit that checked one cannot land later.
    static func releaseUnheldMedia(_ db: Database, ids: [Int64]) throws -> (released: [Int64], held: [Int64]) {
        var released: [Int64] = [], held: [Int64] = []
        let now = Timestamp.now()
        for id in Set(ids).sorted() {
            let isHeld = try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM daily_content WHERE video_media_id = ?) OR EXISTS (SELECT 1 FROM daily_content WHERE thumbnail_media_id = ?)
                """, arguments: [id, id]) ?? false
            if isHeld {
                held.append(id)
            } else {
                try db.execute(sql: "INSERT INTO released_media (media_id, released_at) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [id, now])
                released.append(id)
            }
        }
        return (released, held)
    }

    /// Items whose submission names media, with the media ids (the integrity walk).
    static func mediaReferences(_ db: Database) throws -> [(item: Int64, media: [Int64])] {
        try Row.fetchAll(db, sql: """
            SELECT id, video_media_id, thumbnail_media_id FROM daily_content
            WHERE video_media_id IS NOT NULL OR thumbnail_media_id IS NOT NULL ORDER BY id
            """).map { row in
            (row["id"], [row["video_media_id"] as Int64?, row["thumbnail_media_id"] as Int64?].compactMap { $0 })
        }
    }

    static func creatorIDs(_ db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: "SELECT DISTINCT creator_id FROM daily_content WHERE creator_id IS NOT NULL ORDER BY creator_id")
    }

    static func itemIDs(_ db: Database, creator: Int64) throws -> [Int64] {
        try Int64.fetchAll(db, sql: "SELECT id FROM daily_content WHERE creator_id = ? ORDER BY id", arguments: [creator])
    }

    /// Bible items past `empty` with their verse: what verse-registry's ledger must hold.
    static func bibleClaims(_ db: Database) throws -> [(id: Int64, reference: String, postDate: String, language: String)] {
        try Row.fetchAll(db, sql: """
            SELECT id, verse_reference, post_date, language FROM daily_content
            WHERE mode = 'bible' AND status <> 'empty' AND verse_reference IS NOT NULL AND verse_reference <> ''
            ORDER BY id
            """).map { ($0["id"], $0["verse_reference"], $0["post_date"], $0["language"]) }
    }

    /// The first sentence of the camera script and of the reflection of the same language and
    /// mode's items in the `days` before `date`, newest first: what a free-writing generator
    /// is told not to repeat.
    static func recentOpenings(_ db: Database, before date: CalendarDate, days: Int, language: String, mode: ContentMode) throws -> [String] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT camera_script, devotional_reflection FROM daily_content
            WHERE language = ? AND mode = ? AND post_date < ? AND post_date >= ? AND camera_script IS NOT NULL
            ORDER BY post_date DESC
            """, arguments: [language, mode.rawValue, date.description, date.adding(days: -days).description])
        return rows.flatMap { row -> [String] in
            [row["camera_script"], row["devotional_reflection"]].compactMap { (text: String?) in
                text.map(ScriptRules.firstSentence).flatMap { $0.isEmpty ? nil : $0 }
            }
        }
    }

    static func ids(_ db: Database) throws -> Set<Int64> {
        Set(try Int64.fetchAll(db, sql: "SELECT id FROM daily_content"))
    }
}

/// Column values for `ContentStore.transition`; nil becomes NULL.
func columns(_ values: [String: (any DatabaseValueConvertible)?]) -> [String: DatabaseValue] {
    values.mapValues { $0?.databaseValue ?? .null }
}
