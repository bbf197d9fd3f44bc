import ContentAPI
import GRDB
import LumaServiceKit
import LumaValues

/// review_events: every move of an item, with who made it, oldest first.
enum HistoryStore {
    /// The moves the history records (the table's CHECK lists the same).
    enum Event: String {
        case generated, regenerated, assigned, unassigned, submitted, approved, rejected, unpublished, republished
    }

    /// Records a move in the transition's own transaction. `creator`: the creator the move
    /// concerns (default the item's).
    static func record(_ db: Database, item: ContentRecord, _ event: Event, by actor: WorkflowActor,
                       creator: Int64? = nil, note: String? = nil) throws {
        try db.execute(sql: """
            INSERT INTO review_events (daily_content_id, at, action, creator_id, note, video_url, video_media_id, verse_reference,
                                       actor_role, actor_user_id, actor_name, actor_subject)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [item.id, Timestamp.now(), event.rawValue, creator ?? item.creatorID, note,
                             event == .submitted ? item.creatorVideoURL : nil, event == .submitted ? item.videoMediaID : nil,
                             event == .generated || event == .regenerated ? item.verseReference : nil,
                             actor.role, actor.userID, actor.name, actor.subject])
    }

    /// The item's moves, oldest first.
    static func history(_ db: Database, item: Int64) throws -> [Luma_Content_V1_ReviewEvent] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM review_events WHERE daily_content_id = ? ORDER BY id"), arguments: [item]).map { row in
            .with {
                $0.at = row["at"]
                $0.action = row["action"]
                $0.creatorID = row["creator_id"] ?? 0
                $0.note = row["note"] ?? ""
                $0.videoURL = row["video_url"] ?? ""
                $0.videoMediaID = row["video_media_id"] ?? 0
                $0.verseReference = row["verse_reference"] ?? ""
                let role: String = row["actor_role"] ?? ""
                if !role.isEmpty {
                    $0.actor = .with {
                        $0.role = role
                        $0.userID = row["actor_user_id"] ?? 0
                        $0.name = row["actor_name"] ?? ""
                        $0.subject = row["actor_subject"] ?? ""
                    }
                }
            }
        }
    }
}
