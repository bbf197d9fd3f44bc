import GRDB

/// What ranking needs from the database, read once per transaction: KJV text by ordinal and
/// how many short Nave references cite each verse.
struct RankingContext {
    let scorer: PassageScorer

    static func load(_ db: Database, canon: Canon) throws -> RankingContext {
        var texts = [String?](repeating: nil, count: canon.verseCount + 2)
        let rows = try Row.fetchCursor(db, sql: "SELECT ordinal, text FROM verse_texts WHERE translation_id = 'kjv'")
        while let row = try rows.next() {
            let ordinal: Int = row[0]
            if ordinal > 0 && ordinal < texts.count { texts[ordinal] = row[1] }
        }
        var popularity: [Int: Int] = [:]
        let references = try Row.fetchCursor(db, sql: """
            SELECT first_ordinal, last_ordinal FROM nave_references WHERE last_ordinal - first_ordinal < \(PassageScorer.maxVerses)
            """)
        while let row = try references.next() {
            let first: Int = row[0], last: Int = row[1]
            for ordinal in first...last { popularity[ordinal, default: 0] += 1 }
        }
        let lookup = texts
        return RankingContext(scorer: PassageScorer(
            canon: canon, text: { $0 > 0 && $0 < lookup.count ? lookup[$0] : nil }, popularity: popularity))
    }
}
