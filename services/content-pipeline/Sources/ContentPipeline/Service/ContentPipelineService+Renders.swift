import ContentAPI
import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import LumaValues
import MediaAPI

/// AI creators' render jobs, as the API shows and drives them (the worker: `RenderWorker`).
extension ContentPipelineService {
    public func retryRender(_ request: Luma_Content_V1_RetryRenderRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentItem {
        let id = try Validate.id(request.id, field: "id")
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
        return try await withRender(item.message)
    }

    public func listRenders(_ request: Luma_Content_V1_ListRendersRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ListRendersResponse {
        let states = try request.states.map { raw in
            guard let state = RenderJobRecord.State(rawValue: raw) else {
                throw RPCError.invalidArgument(
                    "unknown render state '\(raw.prefix(20))'; known: \(RenderJobRecord.State.allCases.map(\.rawValue).joined(separator: ", "))",
                    field: "states")
            }
            return state
        }
        let size = try Validate.pageSize(request.pageSize)
        let offset = try Validate.pageOffset(request.pageToken)
        let jobs = try await database.measured.read { try RenderJobStore.list($0, states: states, limit: size + 1, offset: offset) }
        return .with {
            $0.jobs = jobs.prefix(size).map(\.message)
            if jobs.count > size { $0.nextPageToken = Validate.pageToken(offset: offset + size) }
        }
    }

    /// The worker's submission of a stored video: like a creator's (the media checked in
    /// media-store, the tombstone checked here), and in the same transaction the job moves from
    /// `storing` to `submitted`. False when the job was cancelled or the item moved on: a late
    /// result is dropped, never submitted.
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
            try ContentStore.recordReview(db, item: moved, action: "submitted")
            return true
        }
    }

    /// The item with its newest render job, if it has one.
    func withRender(_ item: Luma_Content_V1_ContentItem) async throws -> Luma_Content_V1_ContentItem {
        try await withRenders([item])[0]
    }

    func withRenders(_ items: [Luma_Content_V1_ContentItem]) async throws -> [Luma_Content_V1_ContentItem] {
        guard !items.isEmpty else { return items }
        return try await database.measured.read { db in try Self.withRenders(db, items) }
    }

    /// The same, inside a read the caller already holds (one trip to the reader pool per call).
    static func withRenders(_ db: Database, _ items: [Luma_Content_V1_ContentItem]) throws -> [Luma_Content_V1_ContentItem] {
        guard !items.isEmpty else { return items }
        let latest = try RenderJobStore.latest(db, items: items.map(\.id))
        return items.map { item in
            guard let job = latest[item.id] else { return item }
            var item = item
            item.render = job.message
            return item
        }
    }
}
