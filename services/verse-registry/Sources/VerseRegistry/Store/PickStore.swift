import GRDB
import LumaRPC
import LumaValues

/// A category's ranked picks (`category_picks`): the editor's pins first, then the curated
/// list (the category's references, in order), then the scored verses best first, less what
/// the editor excluded. Rebuilt whenever one of those changes; claims walk it in rank order.
enum PickStore {
    enum Source: String {
        case pinned, curated, scored
    }

    struct Pick: Equatable {
        let first: Int
        let last: Int
        let source: Source
        let score: Double?
    }

    /// Recomputes the category's picks from its sources and overrides.
    static func rebuild(_ db: Database, categoryID: Int64, canon: Canon, context: RankingContext) throws {
        let parser = ReferenceParser(canon: canon)
        let overrides = try Row.fetchAll(db, sql: """
            SELECT first_ordinal, last_ordinal, action FROM category_overrides WHERE category_id = ?
            ORDER BY position, created_at, first_ordinal
            """, arguments: [categoryID])
        let excluded = overrides.filter { $0["action"] == "exclude" }.map { ($0["first_ordinal"] as Int)...($0["last_ordinal"] as Int) }
        func isExcluded(_ first: Int, _ last: Int) -> Bool { excluded.contains { $0.overlaps(first...last) } }

        var picks: [Pick] = overrides.filter { $0["action"] == "pin" }
            .map { Pick(first: $0["first_ordinal"], last: $0["last_ordinal"], source: .pinned, score: nil) }
        var taken = Set(picks.map { [$0.first, $0.last] })
        let references = try String.fetchAll(db, sql: """
            SELECT value FROM category_sources WHERE category_id = ? AND kind = 'reference' ORDER BY position
            """, arguments: [categoryID])
        for text in references {
            guard let reference = try? parser.parse(text), !isExcluded(reference.first, reference.last),
                  taken.insert([reference.first, reference.last]).inserted else { continue }
            picks.append(Pick(first: reference.first, last: reference.last, source: .curated, score: nil))
        }
        let candidates = try Int.fetchAll(db, sql: "SELECT ordinal FROM category_verses WHERE category_id = ? ORDER BY ordinal",
                                          arguments: [categoryID])
        for passage in context.scorer.rank(candidates) where !isExcluded(passage.first, passage.last) {
            guard taken.insert([passage.first, passage.last]).inserted else { continue }
            picks.append(Pick(first: passage.first, last: passage.last, source: .scored, score: passage.score))
        }
        try db.execute(sql: "DELETE FROM category_picks WHERE category_id = ?", arguments: [categoryID])
        let insert = try db.makeStatement(sql: """
            INSERT INTO category_picks (category_id, rank, first_ordinal, last_ordinal, source, score) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for (rank, pick) in picks.enumerated() {
            try insert.execute(arguments: [categoryID, rank + 1, pick.first, pick.last, pick.source.rawValue, pick.score])
        }
    }

    static func rebuildAll(_ db: Database, canon: Canon) throws {
        let context = try RankingContext.load(db, canon: canon)
        for id in try Int64.fetchAll(db, sql: "SELECT id FROM categories ORDER BY id") {
            try rebuild(db, categoryID: id, canon: canon, context: context)
        }
    }

    // MARK: Choosing

    /// Where a claim may look, in order.
    enum Pool {
        case category(Int64)
        /// Every category's pinned and curated picks.
        case curated
        /// Every pick of every category, best score first.
        case everything
    }

    /// The first pick of the pool that is wholly unused in the translation's language (a verse
    /// is used once per language channel), has text in `translation` for every verse, and whose
    /// text in that translation ends a sentence (and, for a scored pick in a language other than
    /// English, stands alone in it: `PassageScorer.standsAlone`).
    static func firstAvailable(_ db: Database, in pool: Pool, translation: String) throws -> (first: Int, last: Int, categoryID: Int64)? {
        let (condition, order, arguments): (String, String, StatementArguments) = switch pool {
        case .category(let id): ("p.category_id = ?", "p.rank", [id])
        case .curated: ("p.source IN ('pinned', 'curated')", "p.rank, p.category_id", [])
        case .everything: ("1", "p.score DESC, p.first_ordinal", [])
        }
        let language = try String.fetchOne(db, sql: "SELECT language FROM translations WHERE id = ?", arguments: [translation]) ?? "en"
        func fits(_ row: Row) throws -> Bool {
            guard PassageScorer.endsSentence(row["last_text"] ?? "") else { return false }
            // The scorer read the KJV; a scored pick's opening in another language is checked here.
            guard language != "en", row["source"] == PickStore.Source.scored.rawValue else { return true }
            let texts = try TranslationStore.texts(db, translation: translation, first: row["first_ordinal"], last: row["last_ordinal"])
            return PassageScorer.standsAlone(texts.sorted { $0.key < $1.key }.map(\.value).joined(separator: " "), language: language)
        }
        var offset = 0
        while true {
            let rows = try Row.fetchAll(db, sql: """
                SELECT p.first_ordinal, p.last_ordinal, p.category_id, p.source,
                       (SELECT t.text FROM verse_texts t WHERE t.translation_id = ? AND t.ordinal = p.last_ordinal) AS last_text
                FROM category_picks p
                WHERE \(condition)
                  AND NOT EXISTS (SELECT 1 FROM used_bible_verses u WHERE u.ordinal BETWEEN p.first_ordinal AND p.last_ordinal
                                  AND u.language = (SELECT l.language FROM translations l WHERE l.id = ?))
                  AND (SELECT COUNT(*) FROM verse_texts t WHERE t.translation_id = ? AND t.ordinal BETWEEN p.first_ordinal AND p.last_ordinal)
                      = p.last_ordinal - p.first_ordinal + 1
                ORDER BY \(order) LIMIT 64 OFFSET ?
                """, arguments: [translation] + arguments + [translation, translation, offset])
            if rows.isEmpty { return nil }
            if let row = try rows.first(where: fits) {
                return (row["first_ordinal"], row["last_ordinal"], row["category_id"])
            }
            offset += rows.count
        }
    }

    // MARK: Editing

    struct ListedPick {
        let rank: Int
        let first: Int
        let last: Int
        let source: Source
        let score: Double?
        let usedBy: Int64?
    }

    static func list(_ db: Database, categoryID: Int64, limit: Int, offset: Int, unusedOnly: Bool) throws -> [ListedPick] {
        try Row.fetchAll(db, sql: """
            SELECT p.rank, p.first_ordinal, p.last_ordinal, p.source, p.score,
                   (SELECT u.daily_content_id FROM used_bible_verses u WHERE u.ordinal BETWEEN p.first_ordinal AND p.last_ordinal LIMIT 1) AS used_by
            FROM category_picks p WHERE p.category_id = ?
              AND (? = 0 OR NOT EXISTS (SELECT 1 FROM used_bible_verses u WHERE u.ordinal BETWEEN p.first_ordinal AND p.last_ordinal))
            ORDER BY p.rank LIMIT ? OFFSET ?
            """, arguments: [categoryID, unusedOnly ? 1 : 0, limit, offset]).map { row in
            ListedPick(rank: row["rank"], first: row["first_ordinal"], last: row["last_ordinal"],
                       source: Source(rawValue: row["source"]) ?? .scored, score: row["score"], usedBy: row["used_by"])
        }
    }

    /// Pins a passage at `position` among the pins (1 = first; past the end = last), or moves
    /// it there if already pinned. Excluding it again is undone.
    static func pin(_ db: Database, categoryID: Int64, reference: Reference, position: Int?) throws {
        let pins = try Row.fetchAll(db, sql: """
            SELECT first_ordinal, last_ordinal FROM category_overrides WHERE category_id = ? AND action = 'pin'
            ORDER BY position, created_at, first_ordinal
            """, arguments: [categoryID]).map { [$0["first_ordinal"] as Int, $0["last_ordinal"] as Int] }
        var order = pins.filter { $0 != [reference.first, reference.last] }
        let index = min(max((position ?? order.count + 1) - 1, 0), order.count)
        order.insert([reference.first, reference.last], at: index)
        let now = Timestamp.now()
        try db.execute(sql: """
            INSERT INTO category_overrides (category_id, first_ordinal, last_ordinal, action, position, created_at)
            VALUES (?, ?, ?, 'pin', 0, ?)
            ON CONFLICT (category_id, first_ordinal, last_ordinal) DO UPDATE SET action = 'pin'
            """, arguments: [categoryID, reference.first, reference.last, now])
        for (position, range) in order.enumerated() {
            try db.execute(sql: "UPDATE category_overrides SET position = ? WHERE category_id = ? AND first_ordinal = ? AND last_ordinal = ?",
                           arguments: [position + 1, categoryID, range[0], range[1]])
        }
    }

    /// Excludes every pick that overlaps the passage (a pin of exactly it is replaced).
    static func exclude(_ db: Database, categoryID: Int64, reference: Reference) throws {
        try db.execute(sql: """
            INSERT INTO category_overrides (category_id, first_ordinal, last_ordinal, action, position, created_at)
            VALUES (?, ?, ?, 'exclude', NULL, ?)
            ON CONFLICT (category_id, first_ordinal, last_ordinal) DO UPDATE SET action = 'exclude', position = NULL
            """, arguments: [categoryID, reference.first, reference.last, Timestamp.now()])
    }

    /// Removes a pin or exclusion of exactly this passage; false if there was none.
    static func clearOverride(_ db: Database, categoryID: Int64, reference: Reference) throws -> Bool {
        try db.execute(sql: "DELETE FROM category_overrides WHERE category_id = ? AND first_ordinal = ? AND last_ordinal = ?",
                       arguments: [categoryID, reference.first, reference.last])
        return db.changesCount > 0
    }

    static func fallbacks(_ db: Database, categoryID: Int64) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT neighbour FROM category_fallbacks WHERE category_id = ? ORDER BY position",
                            arguments: [categoryID])
    }

    static let schema = """
        -- Categories to pick from, in order, when a category has no unused verse left.
        CREATE TABLE category_fallbacks (
            category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            neighbour TEXT NOT NULL,
            PRIMARY KEY (category_id, position)
        ) WITHOUT ROWID;
        -- Editors' pins (ordered by position) and exclusions, per category.
        CREATE TABLE category_overrides (
            category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
            first_ordinal INTEGER NOT NULL,
            last_ordinal INTEGER NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('pin', 'exclude')),
            position INTEGER,
            created_at TEXT NOT NULL,
            PRIMARY KEY (category_id, first_ordinal, last_ordinal)
        ) WITHOUT ROWID;
        -- The ranked picks claims walk: pinned, then curated, then scored.
        CREATE TABLE category_picks (
            category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
            rank INTEGER NOT NULL,
            first_ordinal INTEGER NOT NULL,
            last_ordinal INTEGER NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('pinned', 'curated', 'scored')),
            score REAL,
            PRIMARY KEY (category_id, rank)
        ) WITHOUT ROWID;
        CREATE INDEX category_picks_source ON category_picks(source, rank);
        """
}
