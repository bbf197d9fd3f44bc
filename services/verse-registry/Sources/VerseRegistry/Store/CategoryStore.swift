import GRDB
import LumaRPC
import LumaValues
import LumaServiceKit

/// Devotional categories: their sources (Nave topics, references) and materialised verses.
enum CategoryStore {
    /// Creates or replaces a category: its sources, verses, fallbacks and ranked picks. Unknown
    /// topics and bad references are INVALID_ARGUMENT naming them; nothing is written then.
    static func upsert(_ db: Database, _ definition: DefaultCategories.Definition, canon: Canon, context: RankingContext? = nil) throws {
        let id = try writeSources(db, definition, canon: canon)
        try db.execute(sql: "DELETE FROM category_fallbacks WHERE category_id = ?", arguments: [id])
        for (position, neighbour) in definition.fallbacks.enumerated() {
            try db.execute(sql: "INSERT INTO category_fallbacks (category_id, position, neighbour) VALUES (?, ?, ?)",
                           arguments: [id, position, neighbour])
        }
        try PickStore.rebuild(db, categoryID: id, canon: canon, context: context ?? RankingContext.load(db, canon: canon))
    }

    /// The category row, its sources and its materialised verses (all a category had before
    /// ranking: migration 004 writes only these).
    @discardableResult
    static func writeSources(_ db: Database, _ definition: DefaultCategories.Definition, canon: Canon) throws -> Int64 {
        let parser = ReferenceParser(canon: canon)
        var ordinals = Set<Int>()
        for topic in definition.topics {
            guard let topicID = try Int64.fetchOne(db, sql: "SELECT id FROM nave_topics WHERE name = ? COLLATE NOCASE", arguments: [topic]) else {
                throw RPCError.invalidArgument("unknown Nave topic '\(topic.prefix(60))'", field: "category.nave_topics")
            }
            let ranges = try Row.fetchAll(db, sql: "SELECT first_ordinal, last_ordinal FROM nave_references WHERE topic_id = ?", arguments: [topicID])
            for range in ranges {
                let first: Int = range[0], last: Int = range[1]
                ordinals.formUnion(first...last)
            }
        }
        for text in definition.references {
            do {
                let reference = try parser.parse(text)
                ordinals.formUnion(reference.first...reference.last)
            } catch {
                throw RPCError.invalidArgument("reference '\(ReferenceParser.shown(text))': \(error.message)", field: "category.references")
            }
        }
        let now = Timestamp.now()
        try db.execute(sql: """
            INSERT INTO categories (name, description, created_at, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(name) DO UPDATE SET description = excluded.description, updated_at = excluded.updated_at
            """, arguments: [definition.name, definition.description, now, now])
        let id = try Int64.fetchOne(db, sql: "SELECT id FROM categories WHERE name = ?", arguments: [definition.name])!
        try db.execute(sql: "DELETE FROM category_sources WHERE category_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM category_verses WHERE category_id = ?", arguments: [id])
        let sources = definition.topics.map { ("topic", $0.uppercased()) } + definition.references.map { ("reference", $0) }
        for (position, source) in sources.enumerated() {
            try db.execute(sql: "INSERT INTO category_sources (category_id, position, kind, value) VALUES (?, ?, ?, ?)",
                           arguments: [id, position, source.0, source.1])
        }
        let insert = try db.makeStatement(sql: "INSERT INTO category_verses (category_id, ordinal) VALUES (?, ?)")
        for ordinal in ordinals.sorted() {
            try insert.execute(arguments: [id, ordinal])
        }
        return id
    }

    struct CategoryRow {
        let id: Int64
        let name: String
        let description: String
        let topics: [String]
        let references: [String]
        let fallbacks: [String]
        let verseCount: Int
        let unusedCount: Int
        let pickCount: Int
        let unusedPickCount: Int
    }

    static func all(_ db: Database, named name: String? = nil) throws -> [CategoryRow] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT c.id, c.name, c.description,
                   (SELECT COUNT(*) FROM category_verses cv WHERE cv.category_id = c.id) AS verses,
                   (SELECT COUNT(*) FROM category_verses cv WHERE cv.category_id = c.id
                      AND NOT EXISTS (SELECT 1 FROM used_bible_verses u WHERE u.ordinal = cv.ordinal)) AS unused,
                   (SELECT COUNT(*) FROM category_picks p WHERE p.category_id = c.id) AS picks,
                   (SELECT COUNT(*) FROM category_picks p WHERE p.category_id = c.id AND NOT EXISTS (
                      SELECT 1 FROM used_bible_verses u WHERE u.ordinal BETWEEN p.first_ordinal AND p.last_ordinal)) AS unused_picks
            FROM categories c WHERE (? IS NULL OR c.name = ?) ORDER BY c.name
            """, arguments: [name, name])
        return try rows.map { row in
            let sources = try Row.fetchAll(db, sql: "SELECT kind, value FROM category_sources WHERE category_id = ? ORDER BY position",
                                           arguments: [row["id"] as Int64])
            return CategoryRow(
                id: row["id"], name: row["name"], description: row["description"],
                topics: sources.filter { $0["kind"] == "topic" }.map { $0["value"] },
                references: sources.filter { $0["kind"] == "reference" }.map { $0["value"] },
                fallbacks: try PickStore.fallbacks(db, categoryID: row["id"]),
                verseCount: row["verses"], unusedCount: row["unused"],
                pickCount: row["picks"], unusedPickCount: row["unused_picks"])
        }
    }

    static func id(_ db: Database, name: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT id FROM categories WHERE name = ?", arguments: [name])
    }

    static func delete(_ db: Database, name: String) throws -> Bool {
        try db.execute(sql: "DELETE FROM categories WHERE name = ?", arguments: [name])
        return db.changesCount > 0
    }
}
