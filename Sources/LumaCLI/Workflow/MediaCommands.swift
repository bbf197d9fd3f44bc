import ArgumentParser
import Foundation
import LumaRPC
import MediaAPI
import MediaClient

/// `lumactl media`: upload files to media-store and look at what it holds.
struct MediaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media", abstract: "Videos and thumbnails in media-store: upload, show.",
        subcommands: [Upload.self, Show.self])

    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upload a video (or --image thumbnail) to media-store; prints its media id once checked.",
            discussion: """
                The file travels as a session of chunk calls; an interrupted upload continues where the \
                server says it stands (--resume UPLOAD_ID, printed when an upload fails part-way). \
                A refused file says why, e.g. FAILED_PRECONDITION: 1920x1080 is landscape; shorts are vertical.
                """)
        @OptionGroup var endpoints: EndpointOptions
        @Argument(help: "The file.") var path: String
        @Flag(help: "The file is a thumbnail image (JPEG or PNG), not a video.") var image = false
        @Option(help: "Upload for this creator (admins; a creator's token uploads for itself).") var creator: Int64 = 0
        @Option(help: "Continue this interrupted upload session.") var resume: String?

        func run() async throws {
            try await reportingErrors {
                let media = try await MediaCommand.upload(path: path, image: image, owner: creator, resume: resume, endpoints: endpoints)
                if endpoints.json { return try Output.json(media) }
                print("media \(media.id): \(MediaCommand.describe(media))")
                if media.thumbnailID != 0 { print("thumbnail: media \(media.thumbnailID)") }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print what media-store holds for a media id.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64

        func run() async throws {
            try await reportingErrors {
                let media = try await Luma_Media_V1_MediaStoreClient(try endpoints.mediaClient()).getMedia(.with { $0.id = id })
                if endpoints.json { return try Output.json(media) }
                print("media \(media.id): \(describe(media))")
                print("  sha256: \(media.sha256)")
                print("  owner: \(media.ownerCreatorID == 0 ? "admin" : "creator \(media.ownerCreatorID)")")
                if !media.fileName.isEmpty { print("  file name: \(media.fileName)") }
                if media.thumbnailID != 0 { print("  thumbnail: media \(media.thumbnailID)") }
                print("  uploaded: \(media.createdAt)")
            }
        }
    }

    /// "video/mp4, 1080x1920, 12.0 s, h264/aac, 4.2 MB".
    static func describe(_ media: Luma_Media_V1_Media) -> String {
        var parts = [media.contentType, "\(media.width)x\(media.height)"]
        if media.kind == .video {
            parts.append(String(format: "%.1f s", Double(media.durationMs) / 1000))
            parts.append(media.audioCodec.isEmpty ? media.videoCodec : "\(media.videoCodec)/\(media.audioCodec)")
        }
        parts.append(ByteSize.text(media.size))
        return parts.joined(separator: ", ")
    }

    /// Uploads with a progress bar on a terminal; on a failure part-way, says how to resume.
    static func upload(path: String, image: Bool, owner: Int64, resume: String?, endpoints: EndpointOptions) async throws -> Luma_Media_V1_Media {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw RPCError.invalidArgument("cannot read \(path)", field: "file")
        }
        let uploader = MediaUploader(client: try endpoints.mediaClient())
        let name = URL(fileURLWithPath: path).lastPathComponent
        let started = ContinuousClock.now
        do {
            let media = try await uploader.upload(path: path, kind: image ? .image : .video, owner: owner, resume: resume) { stored, size in
                Output.progress(ProgressBar.line(name: name, stored: stored, size: size, elapsed: ContinuousClock.now - started))
            }
            Output.progressDone()
            return media
        } catch let error as UploadInterrupted {
            Output.progressDone()
            Output.error("upload interrupted at \(ByteSize.text(error.stored)) of \(ByteSize.text(error.size)); "
                + "continue with: lumactl media upload \(path) --resume \(error.uploadID)")
            throw error.cause
        } catch {
            Output.progressDone()
            throw error
        }
    }
}

/// A terminal progress line: "v.mp4  [#########.........]  45%  90.0 MB of 200.0 MB  61.2 MB/s".
enum ProgressBar {
    static func line(name: String, stored: UInt64, size: UInt64, elapsed: Duration) -> String {
        let fraction = size == 0 ? 1 : Double(stored) / Double(size)
        let width = 24
        let filled = min(width, Int(fraction * Double(width)))
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? "  \(ByteSize.text(UInt64(Double(stored) / seconds)))/s" : ""
        return "\(name.prefix(30))  [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))]  "
            + "\(Int(fraction * 100))%  \(ByteSize.text(stored)) of \(ByteSize.text(size))\(rate)"
    }
}

enum ByteSize {
    static func text(_ bytes: UInt64) -> String {
        if bytes >= 1_000_000_000 { return String(format: "%.1f GB", Double(bytes) / 1e9) }
        if bytes >= 1_000_000 { return String(format: "%.1f MB", Double(bytes) / 1e6) }
        if bytes >= 1_000 { return String(format: "%.1f kB", Double(bytes) / 1e3) }
        return "\(bytes) bytes"
    }
}
