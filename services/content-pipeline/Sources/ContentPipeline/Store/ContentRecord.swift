import ContentAPI
import GRDB
import LumaServiceKit

/// One row of daily_content. A row with a mode or status this version does not know is refused
/// (`StoredRowError`), never read as a default.
public struct ContentRecord: Sendable, Equatable, FetchableRecord {
    public var id: Int64
    public var postDate: String
    public var mode: ContentMode
    public var language: String
    public var status: ContentStatus
    public var creatorID: Int64?
    public var category: String?
    public var verseReference: String?
    public var verseText: String?
    public var verseNote: String?
    public var cameraScript: String?
    public var devotionalReflection: String?
    public var meditationScript: String?
    public var backgroundPrompt: String?
    public var rejectionNote: String?
    public var creatorVideoURL: String?
    public var creatorVideoThumbnail: String?
    public var videoMediaID: Int64?
    public var thumbnailMediaID: Int64?
    public var videoDurationMS: Int?
    public var videoWidth: Int?
    public var videoHeight: Int?
    public var videoCodecs: String?
    public var createdAt: String
    public var updatedAt: String
    /// How many times the item was regenerated (its scripts' variant).
    public var revision: Int
    /// Set while an admin has pulled the approved item from the feed, with why.
    public var unpublishedAt: String?
    public var unpublishNote: String?

    public init(row: Row) throws {
        id = row["id"]
        postDate = row["post_date"]
        let storedMode: String = row["mode"], storedStatus: String = row["status"]
        guard let mode = ContentMode(rawValue: storedMode) else {
            throw StoredRowError(table: "daily_content", id: id, problem: "unknown mode '\(storedMode)'")
        }
        guard let status = ContentStatus(rawValue: storedStatus) else {
            throw StoredRowError(table: "daily_content", id: id, problem: "unknown status '\(storedStatus)'")
        }
        self.mode = mode
        language = row["language"]
        self.status = status
        creatorID = row["creator_id"]
        category = row["category"]
        verseReference = row["verse_reference"]
        verseText = row["verse_text"]
        verseNote = row["verse_note"]
        cameraScript = row["camera_script"]
        devotionalReflection = row["devotional_reflection"]
        meditationScript = row["meditation_script"]
        backgroundPrompt = row["background_prompt"]
        rejectionNote = row["rejection_note"]
        creatorVideoURL = row["creator_video_url"]
        creatorVideoThumbnail = row["creator_video_thumbnail"]
        videoMediaID = row["video_media_id"]
        thumbnailMediaID = row["thumbnail_media_id"]
        videoDurationMS = row["video_duration_ms"]
        videoWidth = row["video_width"]
        videoHeight = row["video_height"]
        videoCodecs = row["video_codecs"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
        revision = row["revision"] ?? 0
        unpublishedAt = row["unpublished_at"]
        unpublishNote = row["unpublish_note"]
    }

    var message: Luma_Content_V1_ContentItem {
        .with {
            $0.id = id
            $0.postDate = postDate
            $0.mode = mode.message
            $0.language = language
            $0.status = status.message
            $0.creatorID = creatorID ?? 0
            $0.category = category ?? ""
            if let category, let pack = LanguagePack.bundled[language] { $0.topicLabel = pack.phrase(for: category, mode: mode) }
            $0.verseReference = verseReference ?? ""
            $0.verseText = verseText ?? ""
            $0.verseNote = verseNote ?? ""
            $0.cameraScript = cameraScript ?? ""
            $0.devotionalReflection = devotionalReflection ?? ""
            $0.meditationScript = meditationScript ?? ""
            $0.backgroundPrompt = backgroundPrompt ?? ""
            $0.rejectionNote = rejectionNote ?? ""
            $0.creatorVideoURL = creatorVideoURL ?? ""
            $0.creatorVideoThumbnail = creatorVideoThumbnail ?? ""
            $0.videoMediaID = videoMediaID ?? 0
            $0.thumbnailMediaID = thumbnailMediaID ?? 0
            $0.videoDurationMs = UInt32(videoDurationMS ?? 0)
            $0.videoWidth = UInt32(videoWidth ?? 0)
            $0.videoHeight = UInt32(videoHeight ?? 0)
            $0.videoCodecs = videoCodecs ?? ""
            $0.createdAt = createdAt
            $0.updatedAt = updatedAt
            $0.unpublishNote = unpublishNote ?? ""
        }
    }
}
