import GRDB

/// Nave's topics.
enum TopicStore {
    struct TopicRow: Sendable {
        let name: String
        let references: Int
        let verses: Int
    }

    /// Topics whose name contains `query` (case-insensitive; % and _ match literally).
    static func search(_ db: Database, query: String, limit: Int) throws -> [TopicRow] {
        let escaped = query.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        return try Row.fetchAll(db, sql: """
            SELECT t.name, COUNT(r.id) AS refs, COALESCE(SUM(r.last_ordinal - r.first_ordinal + 1), 0) AS verses
            FROM nave_topics t JOIN nave_references r ON r.topic_id = t.id
            WHERE t.name LIKE '%' || ? || '%' ESCAPE '\\' GROUP BY t.id ORDER BY t.name LIMIT ?
            """, arguments: [escaped, limit])
        .map { TopicRow(name: $0["name"], references: $0["refs"], verses: $0["verses"]) }
    }
}
