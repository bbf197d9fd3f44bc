import Foundation
import GRDB
import LumaServiceKit
import MediaAPI

/// What a stored file is: a video a creator films, or an image (a thumbnail).
public enum MediaKind: String, Sendable, Equatable, CaseIterable {
    case video, image

    init?(_ message: Luma_Media_V1_MediaKind) {
        switch message {
        case .video: self = .video
        case .image: self = .image
        default: return nil
        }
    }

    var message: Luma_Media_V1_MediaKind { self == .video ? .video : .image }
}

/// One row of `media`: a checked file, by its sha256, and what the probe measured.
public struct MediaRecord: Sendable, Equatable, FetchableRecord {
    public var id: Int64
    public var kind: MediaKind
    public var sha256: String
    public var size: Int64
    public var contentType: String
    public var ownerCreatorID: Int64
    public var width: Int
    public var height: Int
    public var durationMS: Int
    public var videoCodec: String
    public var audioCodec: String
    public var container: String
    public var thumbnailID: Int64?
    public var fileName: String
    public var createdAt: String

    public init(row: Row) throws {
        id = row["id"]
        let storedKind: String = row["kind"]
        guard let kind = MediaKind(rawValue: storedKind) else {
            throw StoredRowError(table: "media", id: id, problem: "unknown kind '\(storedKind)'")
        }
        self.kind = kind
        sha256 = row["sha256"]
        size = row["size"]
        contentType = row["content_type"]
        ownerCreatorID = row["owner_creator_id"]
        width = row["width"]
        height = row["height"]
        durationMS = row["duration_ms"]
        videoCodec = row["video_codec"]
        audioCodec = row["audio_codec"]
        container = row["container"]
        thumbnailID = row["thumbnail_id"]
        fileName = row["file_name"]
        createdAt = row["created_at"]
    }

    public var message: Luma_Media_V1_Media {
        .with {
            $0.id = id
            $0.kind = kind.message
            $0.sha256 = sha256
            $0.size = UInt64(size)
            $0.contentType = contentType
            $0.ownerCreatorID = ownerCreatorID
            $0.width = UInt32(width)
            $0.height = UInt32(height)
            $0.durationMs = UInt32(durationMS)
            $0.videoCodec = videoCodec
            $0.audioCodec = audioCodec
            $0.container = container
            $0.thumbnailID = thumbnailID ?? 0
            $0.fileName = fileName
            $0.createdAt = createdAt
        }
    }
}

/// One row of `uploads`: a session of chunk calls.
public struct UploadRecord: Sendable, Equatable, FetchableRecord {
    public enum State: String, Sendable { case open, finished, refused }

    public var id: String
    public var ownerCreatorID: Int64
    public var kind: MediaKind
    public var size: Int64
    public var sha256: String
    public var fileName: String
    public var nextOffset: Int64
    public var state: State
    public var mediaID: Int64?
    public var refusal: String?
    public var createdAt: String
    public var updatedAt: String

    public init(row: Row) throws {
        id = row["id"]
        let storedKind: String = row["kind"], storedState: String = row["state"]
        guard let kind = MediaKind(rawValue: storedKind), let state = State(rawValue: storedState) else {
            throw StoredRowError(table: "uploads", id: 0, problem: "upload \(row["id"] as String): unknown kind or state")
        }
        self.kind = kind
        self.state = state
        ownerCreatorID = row["owner_creator_id"]
        size = row["size"]
        sha256 = row["sha256"]
        fileName = row["file_name"]
        nextOffset = row["next_offset"]
        mediaID = row["media_id"]
        refusal = row["refusal"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }
}
