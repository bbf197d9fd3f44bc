import ContentAPI
import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import MediaAPI

/// Handing in a video, and the review: submit, approve, reject; an AI creator's render.
extension ContentWorkflow {
    /// What a submission hands in: an external CDN's https URLs, or media-store's media.
    enum Submission: Sendable {
        case urls(video: String, thumbnail: String)
        case media(video: Int64, thumbnail: Int64?)
    }

    /// assigned -> submitted, rejected -> submitted. `scope`: the creator a creator token is
    /// limited to (checked in the transaction).
    func submit(id: Int64, _ submission: Submission, scope: Int64?, by actor: WorkflowActor) async throws -> ContentRecord {
        let actor = await named(actor)
        switch submission {
        case .urls(let video, let thumbnail):
            return try await move(id, .submit, by: actor, scope: scope, set: columns([
                "creator_video_url": video, "creator_video_thumbnail": thumbnail, "rejection_note": nil,
                "video_media_id": nil, "thumbnail_media_id": nil, "video_duration_ms": nil, "video_width": nil, "video_height": nil,
                "video_codecs": nil,
            ]), event: .submitted)
        case .media(let videoID, let thumbnail):
            return try await submitMedia(id: id, video: videoID, thumbnail: thumbnail, scope: scope, by: actor)
        }
    }

    /// A submission of media held by media-store: the reference is checked there (exists, is a
    /// checked video, belongs to the item's creator), then written in a transaction that
    /// refuses media media-store has since been allowed to remove (docs/integrity.md).
    func submitMedia(id: Int64, video videoID: Int64, thumbnail: Int64?, scope: Int64?, by actor: WorkflowActor) async throws -> ContentRecord {
        let item = try await database.measured.read { try ContentStore.existing($0, id: id) }
        if let scope, item.creatorID != scope {
            throw RPCError(.permissionDenied, "item \(id) is not assigned to creator \(scope)", field: "id")
        }
        try Self.require(.submit, item)
        let video = try await checkedMedia(videoID, kind: .video, for: item, field: "video_media_id")
        let thumbnailID = thumbnail ?? video.thumbnailID
        if thumbnail != nil {
            _ = try await checkedMedia(thumbnailID, kind: .image, for: item, field: "thumbnail_media_id")
        }
        await pausePoints.reached(ContentPipelinePausePoints.submitAfterMediaCheck)
        let checkedCreator = item.creatorID
        return try await move(id, .submit, by: actor, scope: scope, set: columns([
            "video_media_id": videoID, "thumbnail_media_id": thumbnailID == 0 ? nil : thumbnailID,
            "video_duration_ms": Int(video.durationMs), "video_width": Int(video.width), "video_height": Int(video.height),
            "video_codecs": video.audioCodec.isEmpty ? video.videoCodec : "\(video.videoCodec)/\(video.audioCodec)",
            "creator_video_url": nil, "creator_video_thumbnail": nil, "rejection_note": nil,
        ]), event: .submitted) { db, current in
            // Reassigned since the ownership check: the media may be another creator's.
            guard current.creatorID == checkedCreator else {
                throw RPCError(.aborted, "item \(id) was reassigned while its video was checked; submit again")
            }
            try ContentStore.requireMediaNotReleased(db, media: videoID, field: "video_media_id")
            if thumbnailID != 0 { try ContentStore.requireMediaNotReleased(db, media: thumbnailID, field: "thumbnail_media_id") }
        }
    }

    /// The media, if media-store has it, of the right kind, and the item's creator's (or an
    /// admin's upload).
    func checkedMedia(_ id: Int64, kind: Luma_Media_V1_MediaKind, for item: ContentRecord, field: String) async throws -> Luma_Media_V1_Media {
        guard let found = try await media.media(id) else {
            throw RPCError.notFound("media \(id) does not exist in media-store", field: field)
        }
        guard found.kind == kind else {
            throw RPCError.failedPrecondition(
                "media \(id) is \(found.kind == .image ? "an image" : "a video"), not \(kind == .image ? "an image" : "a video")", field: field)
        }
        guard found.ownerCreatorID == 0 || found.ownerCreatorID == item.creatorID else {
            throw RPCError(.permissionDenied, "media \(id) was uploaded by another creator, not item \(item.id)'s", field: field)
        }
        return found
    }

    /// submitted -> approved.
    func approve(id: Int64, by actor: WorkflowActor) async throws -> ContentRecord {
        try await move(id, .approve, by: await named(actor), set: columns(["rejection_note": nil]), event: .approved)
    }

    /// submitted -> rejected, with the note the creator sees.
    func reject(id: Int64, note: String, by actor: WorkflowActor) async throws -> ContentRecord {
        try await move(id, .reject, by: await named(actor), set: columns(["rejection_note": note]), event: .rejected, note: note)
    }

    // MARK: AI creators' renders

    /// Starts a failed render job again. FAILED_PRECONDITION unless the item is assigned to an
    /// AI creator and its job failed.
    func retryRender(id: Int64) async throws -> ContentRecord {
        let now = Date().timeIntervalSince1970
        let item = try await database.measured.write { db -> ContentRecord in
            let item = try ContentStore.existing(db, id: id)
            guard item.status == .assigned else {
                throw RPCError.failedPrecondition(
                    "item \(id) is \(item.status.rawValue); only an assigned item's render can be retried (assign it to the AI creator again)", field: "id")
            }
            guard let latest = try RenderJobStore.latest(db, item: id), latest.creatorID == item.creatorID else {
                throw RPCError.failedPrecondition("item \(id) is assigned to a person, not rendered", field: "id")
            }
            guard latest.state == .failed else {
                throw RPCError.failedPrecondition("item \(id)'s render is \(latest.state.rawValue), not failed: nothing to retry", field: "id")
            }
            _ = try RenderJobStore.retry(db, item: id, now: now)
            return item
        }
        rendering.wake()
        return item
    }

    /// The render worker's submission of a stored video: like a creator's (the media checked
    /// in media-store, the tombstone checked here), and in the same transaction the job moves
    /// from `storing` to `submitted`. False when the job was cancelled or the item moved on: a
    /// late result is dropped, never submitted.
    func submitRendered(_ job: RenderJobRecord, video: Luma_Media_V1_Media, thumbnail: Int64?) async throws -> Bool {
        let item = try await database.measured.read { try ContentStore.item($0, id: job.itemID) }
        guard let item, item.status == .assigned, item.creatorID == job.creatorID else {
            try await database.measured.write { db in
                if try RenderJobStore.job(db, id: job.id)?.state == .storing {
                    _ = try RenderJobStore.move(db, job.id, from: .storing, to: .cancelled, set: ["last_error": "the item is no longer assigned to the AI creator"])
                }
            }
            return false
        }
        let checked = try await checkedMedia(video.id, kind: .video, for: item, field: "video_media_id")
        let thumbnailID = thumbnail ?? (checked.thumbnailID == 0 ? nil : checked.thumbnailID)
        return try await database.measured.write { db -> Bool in
            guard try RenderJobStore.move(db, job.id, from: .storing, to: .submitted, set: ["video_media_id": video.id]) else { return false }
            let current = try ContentStore.existing(db, id: job.itemID)
            guard current.status == .assigned, current.creatorID == job.creatorID else {
                throw RPCError(.aborted, "item \(job.itemID) moved while its video was stored")
            }
            try ContentStore.requireMediaNotReleased(db, media: video.id, field: "video_media_id")
            let moved = try ContentStore.transition(db, id: job.itemID, from: .assigned, to: ContentTransition.submit.to, set: columns([
                "video_media_id": video.id, "thumbnail_media_id": thumbnailID,
                "video_duration_ms": Int(checked.durationMs), "video_width": Int(checked.width), "video_height": Int(checked.height),
                "video_codecs": checked.audioCodec.isEmpty ? checked.videoCodec : "\(checked.videoCodec)/\(checked.audioCodec)",
                "creator_video_url": nil, "creator_video_thumbnail": nil, "rejection_note": nil,
            ]))
            try HistoryStore.record(db, item: moved, .submitted, by: .service("content-pipeline render worker (\(job.vendor))"))
            return true
        }
    }
}
