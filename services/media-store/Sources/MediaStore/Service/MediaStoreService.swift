import Foundation
import GRDB
import LumaAuth
import LumaRPC
import LumaServiceKit
import LumaValues
import MediaAPI

/// `luma.media.v1.MediaStore`: resumable uploads, checked on arrival, stored by sha256.
///
/// Every change to a session runs in one SQLite write transaction, which SQLite serialises
/// across all instances sharing the database: two chunks for one session (a client retrying
/// while the first is still being written) cannot interleave, and the part file's bytes past
/// the recorded offset are cut before each write, so the offset in the database is the truth.
public struct MediaStoreService: Luma_Media_V1_MediaStoreProvider {
    let database: DatabasePool
    let blobs: BlobDirectory
    let prober: any MediaProber
    let configuration: MediaStoreConfiguration
    let now: MediaClock

    public init(database: DatabasePool, blobs: BlobDirectory, prober: any MediaProber = FFmpegProber(),
                configuration: MediaStoreConfiguration = .init(), now: @escaping MediaClock = { Date() }) {
        self.database = database
        self.blobs = blobs
        self.prober = prober
        self.configuration = configuration
        self.now = now
    }

    // MARK: Uploads

    public func startUpload(_ request: Luma_Media_V1_StartUploadRequest, context: RPCServerContext) async throws -> Luma_Media_V1_UploadSession {
        guard let kind = MediaKind(request.kind) else {
            throw RPCError.invalidArgument("kind must be MEDIA_KIND_VIDEO or MEDIA_KIND_IMAGE", field: "kind")
        }
        guard request.size > 0 else { throw RPCError.invalidArgument("size must be the file's size in bytes, more than 0", field: "size") }
        guard request.size <= UInt64(configuration.maxUploadSize) else {
            throw RPCError.invalidArgument(
                "the file is \(ByteCount(Int64(clamping: request.size))); at most \(ByteCount(configuration.maxUploadSize)) is accepted", field: "size")
        }
        let sha256 = request.sha256.lowercased()
        guard sha256.count == 64, sha256.allSatisfy({ $0.isHexDigit }) else {
            throw RPCError.invalidArgument("sha256 must be the file's SHA-256 as 64 hex digits", field: "sha256")
        }
        let fileName = try Self.fileName(request.fileName)
        let owner = try Self.owner(requested: request.ownerCreatorID)
        let size = Int64(request.size)
        let stamp = rfc3339(now())
        let quota = configuration.quotaPerCreator
        let upload = try await database.measured.write { db -> UploadRecord in
            // The same file again: no bytes need to travel.
            if let existing = try MediaCatalog.media(db, owner: owner, kind: kind, sha256: sha256), existing.size == size {
                return try MediaCatalog.insertUpload(db, id: Self.newID(), owner: owner, kind: kind, size: size, sha256: sha256,
                                                     fileName: fileName, state: .finished, mediaID: existing.id, now: stamp)
            }
            if owner != 0 {
                let held = try MediaCatalog.bytesHeld(db, owner: owner)
                guard held + size <= quota else {
                    throw RPCError(.resourceExhausted,
                                   "creator \(owner) holds \(ByteCount(held)) of a \(ByteCount(quota)) quota; this file needs \(ByteCount(size)) more",
                                   field: "size")
                }
            }
            return try MediaCatalog.insertUpload(db, id: Self.newID(), owner: owner, kind: kind, size: size, sha256: sha256,
                                                 fileName: fileName, state: .open, mediaID: nil, now: stamp)
        }
        return session(upload)
    }

    public func getUpload(_ request: Luma_Media_V1_GetUploadRequest, context: RPCServerContext) async throws -> Luma_Media_V1_UploadSession {
        session(try await ownUpload(request.uploadID))
    }

    public func appendChunk(_ request: Luma_Media_V1_AppendChunkRequest, context: RPCServerContext) async throws -> Luma_Media_V1_UploadSession {
        let id = try Self.uploadID(request.uploadID)
        guard !request.data.isEmpty else { throw RPCError.invalidArgument("data is empty", field: "data") }
        guard request.data.count <= configuration.chunkSize else {
            throw RPCError.invalidArgument("a chunk is at most \(configuration.chunkSize) bytes, not \(request.data.count)", field: "data")
        }
        // An offset no file reaches is refused before any arithmetic on it (it would overflow).
        let offset = Int64(clamping: request.offset)
        let (end, overflow) = offset.addingReportingOverflow(Int64(request.data.count))
        guard !overflow, request.offset <= UInt64(Int64.max) else {
            throw RPCError.invalidArgument("offset \(request.offset) is past any file's end", field: "offset")
        }
        let stamp = rfc3339(now())
        let scope = Self.creatorScope
        let blobs = self.blobs
        let upload = try await database.measured.write { db -> UploadRecord in
            let upload = try Self.existingUpload(db, id: id, scope: scope)
            switch upload.state {
            case .finished: return upload
            case .refused: throw RPCError.failedPrecondition("upload \(id) was refused: \(upload.refusal ?? "")", field: "upload_id")
            case .open: break
            }
            guard end <= upload.size else {
                throw RPCError.invalidArgument("the chunk ends at byte \(end), past the file's \(upload.size) bytes", field: "data")
            }
            // A retry of a chunk already stored: acknowledged, nothing written.
            if end <= upload.nextOffset { return upload }
            guard offset == upload.nextOffset else {
                throw RPCError.failedPrecondition(
                    "upload \(id) continues at offset \(upload.nextOffset), not \(offset); ask GetUpload and send from there", field: "offset")
            }
            do {
                try blobs.write(upload: id, offset: offset, data: request.data)
            } catch {
                throw RPCError(.internalError, "cannot store the chunk: \(error)")
            }
            try MediaCatalog.advance(db, upload: id, to: end, now: stamp)
            return try MediaCatalog.upload(db, id: id)!
        }
        return session(upload)
    }

    public func finishUpload(_ request: Luma_Media_V1_FinishUploadRequest, context: RPCServerContext) async throws -> Luma_Media_V1_Media {
        let upload = try await ownUpload(request.uploadID)
        switch upload.state {
        case .finished:
            return try await finishedMedia(upload)
        case .refused:
            throw RPCError.failedPrecondition(upload.refusal ?? "the file was refused", field: "file")
        case .open:
            guard upload.nextOffset == upload.size else {
                throw RPCError.failedPrecondition(
                    "upload \(upload.id) has \(upload.nextOffset) of \(upload.size) bytes; send the rest from offset \(upload.nextOffset)", field: "upload_id")
            }
        }
        let checked: CheckedFile
        do {
            checked = try await check(upload)
        } catch ProbeError.tool(let why) {
            // The service's problem, not the file's: the session stays open to finish later.
            throw RPCError(.unavailable, "media-store cannot check files now: \(why)")
        } catch {
            // A concurrent finish of the same session (a client retrying one that timed out) may
            // have stored its bytes meanwhile, moving them away from under this check, or a
            // cancel may have dropped them: what that left stands, never a refusal recorded
            // over a finished session.
            let stamp = rfc3339(now())
            let refusal = error as? MediaRefusal
            let settled = try await database.measured.write { db -> UploadRecord? in
                guard let current = try MediaCatalog.upload(db, id: upload.id) else { return nil }
                guard current.state == .open, let refusal else { return current }
                try MediaCatalog.endUpload(db, upload: upload.id, state: .refused, mediaID: nil, refusal: refusal.reason, now: stamp)
                return try MediaCatalog.upload(db, id: upload.id)
            }
            guard let settled else { throw Self.uploadGone(upload.id) }
            switch settled.state {
            case .finished: return try await finishedMedia(settled)
            case .refused:
                blobs.removePart(upload.id)
                throw RPCError.failedPrecondition(settled.refusal ?? refusal?.reason ?? "the file was refused", field: "file")
            case .open: throw error
            }
        }
        let stamp = rfc3339(now())
        let blobs = self.blobs
        let media = try await database.measured.write { db -> MediaRecord? in
            // A concurrent finish of the same session may have won; answer what it stored. A
            // session cancelled (or expired) while its file was checked has no bytes left.
            guard let current = try MediaCatalog.upload(db, id: upload.id) else { return nil }
            if current.state == .finished, let id = current.mediaID, let media = try MediaCatalog.media(db, id: id) { return media }
            guard current.state == .open else {
                throw RPCError.failedPrecondition(current.refusal ?? "the file was refused", field: "file")
            }
            var thumbnailID: Int64?
            if let thumbnail = checked.thumbnail {
                try blobs.adopt(thumbnail.path, sha256: thumbnail.sha256)
                thumbnailID = try MediaCatalog.insertMedia(db, owner: upload.ownerCreatorID, kind: .image, sha256: thumbnail.sha256,
                                                           size: thumbnail.size, accepted: thumbnail.accepted, thumbnail: nil,
                                                           fileName: "", now: stamp).id
            }
            try blobs.adopt(blobs.partPath(upload.id), sha256: upload.sha256)
            let media = try MediaCatalog.insertMedia(db, owner: upload.ownerCreatorID, kind: upload.kind, sha256: upload.sha256,
                                                     size: upload.size, accepted: checked.accepted, thumbnail: thumbnailID,
                                                     fileName: upload.fileName, now: stamp)
            try MediaCatalog.endUpload(db, upload: upload.id, state: .finished, mediaID: media.id, refusal: nil, now: stamp)
            return media
        }
        guard let media else {
            if let thumbnail = checked.thumbnail { try? FileManager.default.removeItem(atPath: thumbnail.path) }
            throw Self.uploadGone(upload.id)
        }
        return media.message
    }

    static func uploadGone(_ id: String) -> RPCError {
        RPCError.notFound("upload \(id) was cancelled or expired while its file was checked; start the upload again", field: "upload_id")
    }

    public func cancelUpload(_ request: Luma_Media_V1_CancelUploadRequest, context: RPCServerContext) async throws -> Luma_Media_V1_CancelUploadResponse {
        let id = try Self.uploadID(request.uploadID)
        let scope = Self.creatorScope
        let cancelled = try await database.measured.write { db -> Bool in
            guard let upload = try MediaCatalog.upload(db, id: id), scope == nil || upload.ownerCreatorID == scope else { return false }
            guard upload.state == .open else { return false }
            try MediaCatalog.deleteUploads(db, ids: [id])
            return true
        }
        if cancelled { blobs.removePart(id) }
        return .with { $0.cancelled = cancelled }
    }

    // MARK: Media

    public func getMedia(_ request: Luma_Media_V1_GetMediaRequest, context: RPCServerContext) async throws -> Luma_Media_V1_Media {
        try await ownMedia(request.id).message
    }

    public func readMedia(_ request: Luma_Media_V1_ReadMediaRequest, context: RPCServerContext) async throws -> Luma_Media_V1_ReadMediaResponse {
        let media = try await ownMedia(request.id)
        let offset = Int64(clamping: request.offset)
        guard offset <= media.size else {
            throw RPCError(.outOfRange, "offset \(offset) is past the file's \(media.size) bytes", field: "offset")
        }
        let length = request.length == 0 ? configuration.chunkSize : min(Int(request.length), configuration.chunkSize)
        let data: Data
        do {
            data = try blobs.read(media.sha256, offset: offset, length: length)
        } catch {
            throw RPCError(.dataLoss, "media \(media.id)'s file is missing from the blob directory", field: "id")
        }
        return .with {
            $0.data = data
            $0.size = UInt64(media.size)
            $0.contentType = media.contentType
        }
    }

    public func checkMedia(_ request: Luma_Media_V1_CheckMediaRequest, context: RPCServerContext) async throws -> Luma_Media_V1_CheckMediaResponse {
        guard request.ids.count <= 1000 else { throw RPCError.invalidArgument("at most 1000 ids per call", field: "ids") }
        let ids = request.ids
        let existing = try await database.measured.read { try MediaCatalog.existing($0, ids: ids) }
        return .with { $0.existing = existing }
    }

    // MARK: Checking a file

    struct CheckedFile: Sendable {
        let accepted: MediaRules.Accepted
        let thumbnail: Thumbnail?
    }

    struct Thumbnail: Sendable {
        let path: String
        let sha256: String
        let size: Int64
        let accepted: MediaRules.Accepted
    }

    /// Size and sha256 first (the bytes are what was announced), then what the file is.
    func check(_ upload: UploadRecord) async throws -> CheckedFile {
        let path = blobs.partPath(upload.id)
        let digest: (sha256: String, size: Int64)
        do {
            digest = try await Task.detached { try BlobDirectory.digest(of: path) }.value
        } catch {
            throw RPCError(.dataLoss, "upload \(upload.id)'s bytes are missing; start the upload again", field: "upload_id")
        }
        guard digest.size == upload.size else {
            throw MediaRefusal("the file has \(digest.size) bytes, not the \(upload.size) announced; upload it again")
        }
        guard digest.sha256 == upload.sha256 else {
            throw MediaRefusal("the bytes received hash to sha256 \(digest.sha256.prefix(12))..., not the \(upload.sha256.prefix(12))... announced; upload it again")
        }
        let probe: ProbeResult
        do {
            probe = try await prober.probe(path)
        } catch ProbeError.unreadable(let why) {
            throw MediaRefusal("the file is not a readable \(upload.kind == .video ? "video" : "image") (\(why))")
        }
        let accepted: MediaRules.Accepted
        switch configuration.rules.check(probe, kind: upload.kind) {
        case .success(let value): accepted = value
        case .failure(let refusal): throw refusal
        }
        guard upload.kind == .video else { return CheckedFile(accepted: accepted, thumbnail: nil) }
        if let damage = try await prober.readThrough(path) {
            throw MediaRefusal("the video cannot be read to its end (\(damage)); it may be cut short: upload the whole file")
        }
        return CheckedFile(accepted: accepted, thumbnail: try await thumbnail(of: path, upload: upload, duration: Double(accepted.durationMS) / 1000))
    }

    /// A frame a second in (or mid-way through a shorter video), checked like an uploaded image.
    func thumbnail(of video: String, upload: UploadRecord, duration: Double) async throws -> Thumbnail {
        let output = blobs.temporaryPath("\(upload.id)-\(Self.newID()).jpg")
        do {
            try await prober.extractThumbnail(from: video, at: min(1, duration / 2), to: output)
        } catch ProbeError.unreadable(let why) {
            throw MediaRefusal("no thumbnail could be taken from the video (\(why))")
        }
        let probe: ProbeResult
        do {
            probe = try await prober.probe(output)
        } catch ProbeError.unreadable(let why) {
            try? FileManager.default.removeItem(atPath: output)
            throw MediaRefusal("no usable thumbnail could be taken from the video (\(why))")
        }
        guard case .success(let accepted) = configuration.rules.check(probe, kind: .image) else {
            try? FileManager.default.removeItem(atPath: output)
            throw MediaRefusal("no usable thumbnail could be taken from the video")
        }
        let digest = try BlobDirectory.digest(of: output)
        return Thumbnail(path: output, sha256: digest.sha256, size: digest.size, accepted: accepted)
    }

    // MARK: Who sees what

    /// The creator a creator token is limited to; nil for admins and services.
    static var creatorScope: Int64? {
        guard let principal = Principal.current, principal.role == .creator else { return nil }
        return principal.creatorID
    }

    /// Creators upload for themselves; admins for a creator they name, or for no one (0).
    static func owner(requested: Int64) throws -> Int64 {
        if let creator = creatorScope {
            guard requested == 0 || requested == creator else {
                throw RPCError(.permissionDenied, "a creator token uploads only for its own creator (\(creator))", field: "owner_creator_id")
            }
            return creator
        }
        guard requested >= 0 else { throw RPCError.invalidArgument("owner_creator_id must be a creator id or 0", field: "owner_creator_id") }
        return requested
    }

    func ownUpload(_ raw: String) async throws -> UploadRecord {
        let id = try Self.uploadID(raw)
        let scope = Self.creatorScope
        return try await database.measured.read { try Self.existingUpload($0, id: id, scope: scope) }
    }

    /// Another creator's session is as unknown as a missing one.
    static func existingUpload(_ db: Database, id: String, scope: Int64?) throws -> UploadRecord {
        guard let upload = try MediaCatalog.upload(db, id: id), scope == nil || upload.ownerCreatorID == scope else {
            throw RPCError.notFound("upload \(id) does not exist (finished sessions are kept, idle ones expire)", field: "upload_id")
        }
        return upload
    }

    func ownMedia(_ raw: Int64) async throws -> MediaRecord {
        let id = try Validate.id(raw, field: "id")
        let scope = Self.creatorScope
        guard let media = try await database.measured.read({ try MediaCatalog.media($0, id: id) }),
              scope == nil || media.ownerCreatorID == scope else {
            throw RPCError.notFound("media \(id) does not exist", field: "id")
        }
        return media
    }

    func finishedMedia(_ upload: UploadRecord) async throws -> Luma_Media_V1_Media {
        guard let id = upload.mediaID, let media = try await database.measured.read({ try MediaCatalog.media($0, id: id) }) else {
            throw RPCError.notFound("upload \(upload.id)'s media was removed (no item held it)", field: "upload_id")
        }
        return media.message
    }

    func session(_ upload: UploadRecord) -> Luma_Media_V1_UploadSession {
        let expires = (ISO8601DateFormatter.lenient.date(from: upload.updatedAt) ?? now()).addingTimeInterval(configuration.uploadExpiry)
        return .with {
            $0.uploadID = upload.id
            $0.size = UInt64(upload.size)
            $0.sha256 = upload.sha256
            $0.nextOffset = UInt64(upload.nextOffset)
            $0.chunkSize = UInt32(configuration.chunkSize)
            $0.finished = upload.state == .finished
            $0.mediaID = upload.mediaID ?? 0
            $0.kind = upload.kind.message
            if upload.state == .open { $0.expiresAt = rfc3339(expires) }
        }
    }

    // MARK: Input rules

    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func uploadID(_ raw: String) throws -> String {
        guard raw.count == 32, raw.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw RPCError.invalidArgument("upload_id must be the 32 hex digits StartUpload answered", field: "upload_id")
        }
        return raw
    }

    static func fileName(_ raw: String) throws -> String {
        guard raw.count <= 255 else { throw RPCError.invalidArgument("file_name is at most 255 characters", field: "file_name") }
        guard !raw.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw RPCError.invalidArgument("file_name must not contain control characters", field: "file_name")
        }
        return (raw as NSString).lastPathComponent
    }
}

extension ISO8601DateFormatter {
    /// Reads the RFC 3339 timestamps media-store writes (with fractional seconds).
    nonisolated(unsafe) static let lenient: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}

/// A byte count for people: "312 MB", "1 GiB".
struct ByteCount: CustomStringConvertible {
    let bytes: Int64
    init(_ bytes: Int64) { self.bytes = bytes }

    var description: String {
        if bytes >= 1 << 30, bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1_000_000_000 { return String(format: "%.1f GB", Double(bytes) / 1e9) }
        if bytes >= 1_000_000 { return String(format: "%.1f MB", Double(bytes) / 1e6) }
        if bytes >= 1_000 { return String(format: "%.1f kB", Double(bytes) / 1e3) }
        return "\(bytes) bytes"
    }
}
