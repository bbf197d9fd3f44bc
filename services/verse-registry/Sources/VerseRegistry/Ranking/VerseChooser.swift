import GRDB

/// Chooses the passage a claim takes: the category's best available pick, else its fallback
/// neighbours' in order, else every category's curated picks, else the best verse left in any
/// category. A day is never failed for a thin category; the note says where the verse came
/// from instead.
struct VerseChooser {
    let translation: String

    struct Choice {
        let first: Int
        let last: Int
        /// The category the passage was picked from.
        let category: String
        /// Empty when it came from the category asked for.
        let note: String
    }

    func choose(_ db: Database, categoryID: Int64, categoryName: String) throws -> Choice? {
        if let pick = try PickStore.firstAvailable(db, in: .category(categoryID), translation: translation) {
            return Choice(first: pick.first, last: pick.last, category: categoryName, note: "")
        }
        let dry = "'\(categoryName)' has no unused verse with \(translation) text left"
        for neighbour in try PickStore.fallbacks(db, categoryID: categoryID) {
            guard let neighbourID = try CategoryStore.id(db, name: neighbour),
                  let pick = try PickStore.firstAvailable(db, in: .category(neighbourID), translation: translation) else { continue }
            return Choice(first: pick.first, last: pick.last, category: neighbour,
                          note: "\(dry); picked from its neighbour '\(neighbour)'")
        }
        for (pool, wording) in [(PickStore.Pool.curated, "the general curated list"), (.everything, "the best verse left in any category")] {
            guard let pick = try PickStore.firstAvailable(db, in: pool, translation: translation) else { continue }
            let category = try String.fetchOne(db, sql: "SELECT name FROM categories WHERE id = ?", arguments: [pick.categoryID]) ?? categoryName
            return Choice(first: pick.first, last: pick.last, category: category,
                          note: "\(dry); picked from \(wording) ('\(category)')")
        }
        return nil
    }
}
