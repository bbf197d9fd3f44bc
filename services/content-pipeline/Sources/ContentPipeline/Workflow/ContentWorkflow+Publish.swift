import ContentAPI
import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import LumaValues

/// Publishing: approved items reach the feed at midnight of their date in their channel's
/// zone; an admin may pull one (and put it back), each an audited move.
extension ContentWorkflow {
    /// Pulls an approved item from the feed (scheduled or published). The note says why and
    /// stays in the history.
    func unpublish(id: Int64, note: String, by actor: WorkflowActor) async throws -> ContentRecord {
        let actor = await named(actor)
        return try await database.measured.write { db in
            let item = try ContentStore.existing(db, id: id)
            guard item.status == .approved else {
                throw RPCError.failedPrecondition("item \(id) is \(item.status.rawValue): only an approved item is published or pulled", field: "id")
            }
            guard item.unpublishedAt == nil else {
                throw RPCError.failedPrecondition("item \(id) is already unpublished (\(item.unpublishNote ?? "")); republish it first", field: "id")
            }
            let pulled = try ContentStore.transition(db, id: id, from: .approved, to: .approved, set: columns([
                "unpublished_at": Timestamp.rfc3339(publication.now()), "unpublish_note": note,
            ]))
            try HistoryStore.record(db, item: pulled, .unpublished, by: actor, note: note)
            return pulled
        }
    }

    /// Puts an unpublished item back on the feed (published again if its date has come).
    func republish(id: Int64, by actor: WorkflowActor) async throws -> ContentRecord {
        let actor = await named(actor)
        return try await database.measured.write { db in
            let item = try ContentStore.existing(db, id: id)
            guard item.status == .approved, item.unpublishedAt != nil else {
                throw RPCError.failedPrecondition(
                    "item \(id) is \(item.status == .approved ? "published or scheduled" : item.status.rawValue): only an unpublished item is republished",
                    field: "id")
            }
            let back = try ContentStore.transition(db, id: id, from: .approved, to: .approved, set: columns([
                "unpublished_at": nil, "unpublish_note": nil,
            ]))
            try HistoryStore.record(db, item: back, .republished, by: actor)
            return back
        }
    }

    /// A channel's published items of one date (today in its zone when nil). A date still to
    /// come is NOT_FOUND: nothing of it is public yet.
    func publishedDay(language: String, date requested: CalendarDate?) async throws -> Luma_Content_V1_PublishedDay {
        let today = publication.today(language)
        let date = requested ?? today
        guard date <= today else {
            throw RPCError.notFound(
                "\(date) is not published yet in '\(language)' (it is \(today) in \(publication.zone(language).identifier)); "
                    + "it publishes at \(Timestamp.rfc3339(publication.publishedAt(date, language: language)))", field: "date")
        }
        let items = try await database.measured.read { db in
            try ContentStore.published(db, language: language, from: date.description, to: date.description, limit: 10, offset: 0)
        }
        return .with {
            $0.language = language
            $0.date = date.description
            $0.timeZone = publication.zone(language).identifier
            $0.items = items.map(published)
            $0.nextPublicationAt = Timestamp.rfc3339(publication.nextPublication(language))
        }
    }

    /// Published items from `from` to `to` (dates after the channel's today left out).
    func published(language: String, from: CalendarDate, to: CalendarDate, limit: Int, offset: Int) async throws -> [Luma_Content_V1_PublishedItem] {
        let last = min(to, publication.today(language))
        guard from <= last else { return [] }
        return try await database.measured.read { db in
            try ContentStore.published(db, language: language, from: from.description, to: last.description, limit: limit, offset: offset)
        }.map(published)
    }

    /// The public fields of an item.
    func published(_ item: ContentRecord) -> Luma_Content_V1_PublishedItem {
        .with {
            $0.id = item.id
            $0.postDate = item.postDate
            $0.language = item.language
            $0.mode = item.mode.message
            let category = item.category ?? ""
            $0.topic = LanguagePack.bundled[item.language].map { $0.phrase(for: category, mode: item.mode) } ?? category
            $0.verseReference = item.verseReference ?? ""
            $0.verseText = item.verseText ?? ""
            $0.devotionalReflection = item.devotionalReflection ?? ""
            $0.meditationScript = item.meditationScript ?? ""
            $0.videoURL = item.creatorVideoURL ?? ""
            $0.thumbnailURL = item.creatorVideoThumbnail ?? ""
            $0.videoMediaID = item.videoMediaID ?? 0
            $0.thumbnailMediaID = item.thumbnailMediaID ?? 0
            $0.videoDurationMs = UInt32(item.videoDurationMS ?? 0)
            if let date = CalendarDate(item.postDate) {
                $0.publishedAt = Timestamp.rfc3339(publication.publishedAt(date, language: item.language))
            }
            $0.updatedAt = item.updatedAt
        }
    }
}
