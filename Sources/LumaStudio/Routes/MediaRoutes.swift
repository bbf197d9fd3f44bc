import ContentAPI
import Foundation
import Hummingbird
import LumaAuth
import LumaRPC
import MediaAPI
import MediaClient
import MediaHTTP

/// Videos: a creator uploads one on the item's page (the file is spooled to disk as it arrives,
/// sent to media-store through `MediaUploader` as the creator, then submitted by media id), and
/// whoever may see the item plays it: its video and thumbnail streamed from media-store,
/// honouring Range requests, after the item itself was fetched as the person (another
/// creator's item is a 404, and so is its video).
extension Studio {
    enum MediaSlot: String, Sendable {
        case video, thumbnail
    }

    func addMediaRoutes(_ router: RouterGroup<Context>) {
        for slot in [MediaSlot.video, .thumbnail] {
            router.get("/items/:id/\(slot.rawValue)") { request, context in
                try await mediaResponse(request, session: try context.person, itemID: try Self.id(context), slot: slot)
            }
        }
        // Whoever content-pipeline lets submit (`submit` in the item's actions: the item's
        // creator, or an admin on their behalf); the service refuses anyone else.
        router.post("/items/:id/upload") { request, context in
            let id = try Self.id(context)
            let response = try await upload(request, context, session: try context.person, itemID: id)
            // The upload script asks to be told where to go instead of being redirected.
            return request.headers[.init("X-Luma-Upload")!] == "xhr" ? Self.forScript(response) : response
        }
    }

    // MARK: Playing

    /// GET /items/:id/video (or /thumbnail): the item's media, whole (200) or the range asked
    /// for (206), streamed from media-store in its chunks.
    func mediaResponse(_ request: Request, session: StudioSession, itemID: Int64, slot: MediaSlot) async throws -> Response {
        let principal = Self.principal(session)
        let media: Luma_Media_V1_Media
        do {
            media = try await ActingAs.$principal.withValue(principal) {
                let item = try await backend.content.get(.with { $0.id = itemID })
                let mediaID = slot == .video ? item.videoMediaID : item.thumbnailMediaID
                guard mediaID != 0 else { throw StudioError.notFound("Item \(itemID) has no \(slot.rawValue) in the studio.") }
                return try await backend.media.getMedia(.with { $0.id = mediaID })
            }
        } catch {
            return errorResponse(error, session: session)
        }
        let reader = MediaReader(media: backend.media, id: media.id, principal: principal)
        return MediaHTTPResponse.make(request, media: media, cacheControl: "private, no-cache") { offset, count in
            try await reader.read(at: offset, upTo: count)
        }
    }

    // MARK: Uploading

    /// POST /items/:id/upload (multipart/form-data: `_csrf` first, `video_file`, optionally
    /// `thumbnail_file`): spooled to a folder of its own, uploaded to media-store as the
    /// creator, submitted by media id; back to the item's page with what was checked, or with
    /// the refusal next to the file's field.
    func upload(_ request: Request, _ context: Context, session: StudioSession, itemID: Int64) async throws -> Response {
        let back = "/items/\(itemID)"
        func refuse(_ message: String, field: String = "video_file") async -> Response {
            await perform(context, session, back: back) { throw RPCError.invalidArgument(message, field: field) }
        }
        guard let boundary = SpooledForm.boundary(request.headers[.contentType]) else {
            return await refuse("the video did not arrive as a file upload (multipart/form-data)")
        }
        if let length = request.headers[.contentLength].flatMap(Int64.init), length > maxUploadSize + 64 * 1024 * 1024 {
            return await refuse("the file is larger than \(Self.bytes(maxUploadSize)), the most media-store takes")
        }
        // The item first, as the person: another creator's item is a 404 before a byte is stored.
        do {
            let item = try await ActingAs.$principal.withValue(Self.principal(session)) {
                try await backend.content.get(.with { $0.id = itemID })
            }
            // Whether it takes a video now is content-pipeline's call.
            guard item.actions.contains(.submit) else {
                return await refuse("item \(itemID) is \(item.status.label), so it takes no video now")
            }
        } catch {
            return errorResponse(error, session: session)
        }
        let directory = spoolDirectory + "/luma-studio-upload-" + UUID().uuidString
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            logger.error("cannot spool an upload", metadata: ["directory": "\(directory)", "error": "\(error)"])
            return errorResponse(error, session: session)
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let form: SpooledForm
        do {
            form = try await SpooledForm.read(request.body, boundary: boundary, into: directory, maxFileSize: maxUploadSize) {
                carriesToken($0["_csrf"], of: session)
            }
        } catch SpooledForm.Failure.refused {
            return formRefused(request, session: session)
        } catch SpooledForm.Failure.tooLarge(let field) {
            return await refuse("the file is larger than \(Self.bytes(maxUploadSize)), the most media-store takes", field: field)
        } catch SpooledForm.Failure.malformed(let why) {
            return await refuse(why)
        }
        guard carriesToken(form.fields["_csrf"], of: session) else { return formRefused(request, session: session) }
        return await perform(context, session, back: back) {
            guard let video = form.files["video_file"] else {
                throw RPCError.invalidArgument("choose a video file to upload", field: "video_file")
            }
            let media = try await store(video, kind: .video, field: "video_file")
            var thumbnailID: Int64 = 0
            if let thumbnail = form.files["thumbnail_file"] {
                thumbnailID = try await store(thumbnail, kind: .image, field: "thumbnail_file").id
            }
            do {
                _ = try await backend.content.submit(.with {
                    $0.id = itemID; $0.videoMediaID = media.id; $0.thumbnailMediaID = thumbnailID
                })
            } catch let error as RPCError where error.field.hasSuffix("media_id") {
                throw RPCError(error.code, error.message, field: error.field.hasSuffix("thumbnail_media_id") ? "thumbnail_file" : "video_file")
            }
            return Outcome(message: "Uploaded and checked: \(Self.facts(media)). Submitted; an admin will review it.")
        }
    }

    /// One spooled file into media-store, as the person; a refusal names the form's field.
    func store(_ file: SpooledForm.File, kind: Luma_Media_V1_MediaKind, field: String) async throws -> Luma_Media_V1_Media {
        do {
            return try await backend.uploader.upload(path: file.path, kind: kind, fileName: String(file.fileName.prefix(255)))
        } catch let interrupted as UploadInterrupted {
            _ = try? await backend.media.cancelUpload(.with { $0.uploadID = interrupted.uploadID })
            throw StudioError.serviceDown(service: "media-store", detail: interrupted.description)
        } catch let error as RPCError where error.code == .unavailable || error.code == .deadlineExceeded {
            throw StudioError.serviceDown(service: "media-store", detail: error.message)
        } catch let error as RPCError where error.code != .notFound && error.code != .permissionDenied {
            throw RPCError(error.code, error.message, field: field)
        }
    }

    /// "6.0 s, 540x960, h264/aac".
    static func facts(_ media: Luma_Media_V1_Media) -> String {
        let codecs = [media.videoCodec, media.audioCodec].filter { !$0.isEmpty }.joined(separator: "/")
        return "\(seconds(media.durationMs)), \(media.width)x\(media.height), \(codecs)"
    }

    static func seconds(_ milliseconds: UInt32) -> String {
        String(format: "%.1f s", Double(milliseconds) / 1000)
    }

    static func bytes(_ count: Int64) -> String {
        if count >= 1 << 30 && count % (1 << 30) == 0 { return "\(count >> 30) GiB" }
        if count >= 1 << 20 { return String(format: "%.0f MiB", Double(count) / Double(1 << 20)) }
        return "\(count) bytes"
    }

    /// The upload script's answer: where to go (the redirect the form would have had), as JSON.
    static func forScript(_ response: Response) -> Response {
        guard response.status == .seeOther, let location = response.headers[.location] else { return response }
        var headers = response.headers
        headers[.location] = nil
        headers[.contentLength] = nil   // the redirect's 0
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        let escaped = location.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "{\"location\":\"\(escaped)\"}")))
    }
}

/// Reads a media file's bytes from media-store as the person (the response body is written
/// after the handler's task-local scope has ended, so each read sets it again).
struct MediaReader: Sendable {
    let media: Luma_Media_V1_MediaStoreClient
    let id: Int64
    let principal: Principal

    /// At most `count` bytes from `offset` (fewer when media-store's chunk is smaller).
    func read(at offset: UInt64, upTo count: UInt64) async throws -> Data {
        let request = Luma_Media_V1_ReadMediaRequest.with { $0.id = id; $0.offset = offset; $0.length = UInt32(count) }
        return try await ActingAs.$principal.withValue(principal) { try await media.readMedia(request) }.data
    }
}
