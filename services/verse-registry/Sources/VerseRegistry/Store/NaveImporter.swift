import LumaValues
import GRDB
import LumaServiceKit

/// Imports Nave's Topical Bible references ("topic<TAB>subtopic<TAB>osisRef<TAB>start<TAB>end
/// <TAB>n_verses<TAB>valid_kjv"). References that fail KJV validation are skipped and counted
/// in `data_imports`; cross-references ("See CARE") carry no verses and are not in the file.
enum NaveImporter {
    static func importTopics(_ db: Database, tsv: String, canon: Canon) throws {
        let parser = ReferenceParser(canon: canon)
        var topicIDs: [String: Int64] = [:]
        var imported = 0
        var skipped: [String] = []
        let insertTopic = try db.makeStatement(sql: "INSERT INTO nave_topics (name) VALUES (?)")
        let insertReference = try db.makeStatement(sql: """
            INSERT INTO nave_references (topic_id, subtopic, first_ordinal, last_ordinal) VALUES (?, ?, ?, ?)
            """)
        for line in tsv.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 7 else { skipped.append(String(line.prefix(60))); continue }
            let (topic, subtopic, osisRef) = (fields[0], fields[1], fields[2])
            // Validate ourselves rather than trusting the file's valid_kjv column.
            guard let reference = try? parser.parse(osisRef) else {
                skipped.append("\(topic): \(osisRef)")
                continue
            }
            let topicID: Int64
            if let known = topicIDs[topic] {
                topicID = known
            } else {
                try insertTopic.execute(arguments: [topic])
                topicID = db.lastInsertedRowID
                topicIDs[topic] = topicID
            }
            try insertReference.execute(arguments: [topicID, subtopic, reference.first, reference.last])
            imported += 1
        }
        try db.execute(sql: """
            INSERT OR REPLACE INTO data_imports (name, imported, skipped, details, imported_at) VALUES (?, ?, ?, ?, ?)
            """, arguments: ["naves_topical_bible", imported, skipped.count, skipped.joined(separator: "\n"), Timestamp.now()])
    }
}
