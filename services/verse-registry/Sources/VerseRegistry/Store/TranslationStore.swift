import LumaValues
import GRDB
import LumaServiceKit

/// Translations and verse text.
enum TranslationStore {
    /// The canon's own text: references are validated against it, picks are shown in it, and
    /// it is what a request naming no translation gets. It cannot be deleted.
    static let canonTranslation = "kjv"

    static func upsertTranslation(_ db: Database, id: String, name: String, language: String) throws {
        try db.execute(sql: """
            INSERT INTO translations (id, name, language, created_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET name = excluded.name, language = excluded.language
            """, arguments: [id, name, language, Timestamp.now()])
    }

    static func insert(_ db: Database, translation: String, rows: [(ordinal: Int, text: String)]) throws {
        let statement = try db.makeStatement(sql: "INSERT OR REPLACE INTO verse_texts (translation_id, ordinal, text) VALUES (?, ?, ?)")
        for row in rows {
            try statement.execute(arguments: [translation, row.ordinal, row.text])
        }
    }

    /// Adds a batch to the staged import of `translation`; returns the verses staged so far.
    static func stage(_ db: Database, translation: String, rows: [(ordinal: Int, text: String)]) throws -> Int {
        let statement = try db.makeStatement(sql: "INSERT OR REPLACE INTO translation_staging (translation_id, ordinal, text) VALUES (?, ?, ?)")
        for row in rows { try statement.execute(arguments: [translation, row.ordinal, row.text]) }
        return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM translation_staging WHERE translation_id = ?", arguments: [translation])!
    }

    static func discardStaged(_ db: Database, translation: String) throws {
        try db.execute(sql: "DELETE FROM translation_staging WHERE translation_id = ?", arguments: [translation])
    }

    /// The last batch: the staged rows and `rows` become the translation's whole text.
    static func replace(_ db: Database, translation: String, rows: [(ordinal: Int, text: String)]) throws {
        try db.execute(sql: "DELETE FROM verse_texts WHERE translation_id = ?", arguments: [translation])
        try db.execute(sql: """
            INSERT INTO verse_texts (translation_id, ordinal, text)
            SELECT translation_id, ordinal, text FROM translation_staging WHERE translation_id = ?
            """, arguments: [translation])
        try insert(db, translation: translation, rows: rows)
        try discardStaged(db, translation: translation)
    }

    static func delete(_ db: Database, translation: String) throws -> Bool {
        try discardStaged(db, translation: translation)
        try db.execute(sql: "DELETE FROM translations WHERE id = ?", arguments: [translation])
        return db.changesCount > 0
    }

    struct TranslationRow {
        let id: String
        let name: String
        let language: String
        let verseCount: Int
    }

    static func all(_ db: Database) throws -> [TranslationRow] {
        try Row.fetchAll(db, sql: """
            SELECT t.id, t.name, t.language, (SELECT COUNT(*) FROM verse_texts v WHERE v.translation_id = t.id) AS verses
            FROM translations t ORDER BY t.id
            """).map { TranslationRow(id: $0["id"], name: $0["name"], language: $0["language"], verseCount: $0["verses"]) }
    }

    static func exists(_ db: Database, _ id: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM translations WHERE id = ?)", arguments: [id]) ?? false
    }

    /// The translation's language ("en", "es"), or nil if there is no such translation.
    static func language(_ db: Database, _ id: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT language FROM translations WHERE id = ?"), arguments: [id])
    }

    /// Text by ordinal for a range, as shown (GetPassage, ClaimNextUnused, picks); absent
    /// ordinals have no text in this translation. The translations in
    /// `ModernSpanishSpelling.translations` are shown in modern spelling; the stored text stays.
    static func texts(_ db: Database, translation: String, first: Int, last: Int) throws -> [Int: String] {
        var texts: [Int: String] = [:]
        let modern = ModernSpanishSpelling.translations.contains(translation)
        // A cached statement: preparing one per call ran GRDB's authorizer every time (the hot
        // read of GetPassage; docs/benchmarks.md).
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT ordinal, text FROM verse_texts WHERE translation_id = ? AND ordinal BETWEEN ? AND ? ORDER BY ordinal
            """), arguments: [translation, first, last])
        while let row = try rows.next() {
            let text: String = row["text"]
            texts[row["ordinal"]] = modern ? ModernSpanishSpelling.apply(text) : text
        }
        return texts
    }
}
