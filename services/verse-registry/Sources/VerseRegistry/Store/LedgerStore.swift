import GRDB
import LumaRPC
import LumaValues
import LumaServiceKit

/// One row of `used_bible_verses`.
public struct LedgerRow: Sendable, Equatable {
    /// The language channel the verse is used in: a verse is used once per language.
    public let language: String
    public let book: String
    public let chapter: Int
    public let verse: Int
    public let ordinal: Int
    public let dailyContentID: Int64
    public let usedDate: String
    public let createdAt: String

    init(row: Row) {
        language = row["language"]
        book = row["book"]
        chapter = row["chapter"]
        verse = row["verse"]
        ordinal = row["ordinal"]
        dailyContentID = row["daily_content_id"]
        usedDate = row["used_date"]
        createdAt = row["created_at"]
    }
}

/// The used-verse ledger. Every write runs inside one IMMEDIATE transaction (GRDB's default
/// for writes), which SQLite serialises across connections and processes sharing the file, so
/// "pick an unused verse, then insert it" cannot interleave with another claimer; the UNIQUE
/// constraints are the last line of defence.
enum LedgerStore {
    static let columns = "language, book, chapter, verse, ordinal, daily_content_id, used_date, created_at"

    /// The rows of a range of verses in one language, or in every language (`nil`).
    static func rows(_ db: Database, first: Int, last: Int, language: String?) throws -> [LedgerRow] {
        try Row.fetchAll(db, sql: """
            SELECT \(columns) FROM used_bible_verses
            WHERE ordinal BETWEEN ? AND ? AND (? IS NULL OR language = ?) ORDER BY ordinal, language
            """, arguments: [first, last, language, language]).map(LedgerRow.init)
    }

    static func rows(_ db: Database, content: Int64) throws -> [LedgerRow] {
        try Row.fetchAll(db, sql: "SELECT \(columns) FROM used_bible_verses WHERE daily_content_id = ? ORDER BY ordinal",
                         arguments: [content]).map(LedgerRow.init)
    }

    /// Claims every verse of `reference` for `content` in `language`, all or none. Only rows of
    /// that language make a verse taken: a verse is used once per language channel.
    static func claim(_ db: Database, reference: Reference, content: Int64, language: String, usedDate: String, canon: Canon) throws -> [LedgerRow] {
        try requireNotReleased(db, content: content)
        let existing = try rows(db, first: reference.first, last: reference.last, language: language)
        if let taken = existing.first(where: { $0.dailyContentID != content }) {
            let others = existing.filter { $0.dailyContentID != content }.count
            let more = others > 1 ? " (and \(others - 1) more verse\(others == 2 ? "" : "s") of \(reference.canonical))" : ""
            let name = canon.reference(first: taken.ordinal, last: taken.ordinal).canonical
            throw RPCError.alreadyExists(
                "\(name) was already used in '\(language)' by daily content \(taken.dailyContentID) on \(taken.usedDate)\(more)",
                field: "reference")
        }
        let held = Set(existing.map(\.ordinal))
        try insert(db, ordinals: (reference.first...reference.last).filter { !held.contains($0) },
                   content: content, language: language, usedDate: usedDate, canon: canon)
        return try rows(db, first: reference.first, last: reference.last, language: language)
    }

    private static func insert(_ db: Database, ordinals: [Int], content: Int64, language: String, usedDate: String, canon: Canon) throws {
        let now = Timestamp.now()
        let statement = try db.makeStatement(sql: """
            INSERT INTO used_bible_verses (language, book, chapter, verse, ordinal, daily_content_id, used_date, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for ordinal in ordinals {
            let location = canon.location(ofOrdinal: ordinal)
            try statement.execute(arguments: [language, location.book.osis, location.chapter, location.verse, ordinal, content, usedDate, now])
        }
    }

    /// The CASCADE of a deleted item: deletes its rows and leaves a tombstone, both in the
    /// caller's transaction, so no claim for that item can be written afterwards.
    static func release(_ db: Database, content: Int64) throws -> Int {
        try db.execute(sql: "DELETE FROM used_bible_verses WHERE daily_content_id = ?", arguments: [content])
        let released = db.changesCount
        try db.execute(sql: "INSERT INTO released_content (daily_content_id, released_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                       arguments: [content, Timestamp.now()])
        return released
    }

    /// Releases only the item's rows of these passages (ordinal ranges): a regenerated item's
    /// old verse. The item lives on, so no tombstone.
    static func release(_ db: Database, content: Int64, passages: [(first: Int, last: Int)]) throws -> Int {
        var released = 0
        for passage in passages {
            try db.execute(sql: "DELETE FROM used_bible_verses WHERE daily_content_id = ? AND ordinal BETWEEN ? AND ?",
                           arguments: [content, passage.first, passage.last])
            released += db.changesCount
        }
        return released
    }

    /// Refuses a claim for an item whose release was already delivered: the item is gone, even
    /// if the claimer saw it exist a moment ago. Call in the claim's write transaction.
    static func requireNotReleased(_ db: Database, content: Int64) throws {
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM released_content WHERE daily_content_id = ?", arguments: [content]) == true {
            throw RPCError.failedPrecondition(
                "daily content \(content) was deleted (its verses were released); nothing is claimed for it", field: "daily_content_id")
        }
    }

    static func list(_ db: Database, from: String?, to: String?, limit: Int, offset: Int) throws -> [LedgerRow] {
        try Row.fetchAll(db, sql: """
            SELECT \(columns) FROM used_bible_verses
            WHERE (? IS NULL OR used_date >= ?) AND (? IS NULL OR used_date <= ?)
            ORDER BY used_date, ordinal, language LIMIT ? OFFSET ?
            """, arguments: [from, from, to, to, limit, offset]).map(LedgerRow.init)
    }

    static func summary(_ db: Database) throws -> (used: Int, items: Int, first: String, last: String) {
        let row = try Row.fetchOne(db, sql: """
            SELECT COUNT(*) AS used, COUNT(DISTINCT daily_content_id) AS items,
                   COALESCE(MIN(used_date), '') AS first, COALESCE(MAX(used_date), '') AS last
            FROM used_bible_verses
            """)!
        return (row["used"], row["items"], row["first"], row["last"])
    }

    static func usedByBook(_ db: Database) throws -> [String: Int] {
        let rows = try Row.fetchAll(db, sql: "SELECT book, COUNT(*) AS used FROM used_bible_verses GROUP BY book")
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["book"] as String, $0["used"] as Int) })
    }

    static func contentIDs(_ db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: "SELECT DISTINCT daily_content_id FROM used_bible_verses ORDER BY daily_content_id")
    }
}
