import Foundation

/// The media tools media-store relies on, behind a protocol so the rules and the service can be
/// tested with any answer (the real one is `FFmpegProber`).
public protocol MediaProber: Sendable {
    /// The file's container and streams.
    func probe(_ path: String) async throws -> ProbeResult
    /// Reads the file to its end; nil when every packet was readable, or ffmpeg's complaint.
    func readThrough(_ path: String) async throws -> String?
    /// Writes one frame of the video, as a JPEG at most 720 pixels wide, to `output`.
    func extractThumbnail(from video: String, at seconds: Double, to output: String) async throws
}

/// ffprobe and ffmpeg (Debian's `ffmpeg` package) run as child processes: well-kept parsers of
/// every container a phone produces, rather than one of our own.
public struct FFmpegProber: MediaProber {
    public let ffprobe: String
    public let ffmpeg: String

    public init(ffprobe: String = "ffprobe", ffmpeg: String = "ffmpeg") {
        self.ffprobe = ffprobe
        self.ffmpeg = ffmpeg
    }

    public func probe(_ path: String) async throws -> ProbeResult {
        let run = try await Self.run(ffprobe, ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", "--", path])
        guard run.status == 0 else {
            throw ProbeError.unreadable(Self.firstLine(run.errors, path: path) ?? "ffprobe cannot read it")
        }
        return try ProbeResult(ffprobeJSON: run.output)
    }

    public func readThrough(_ path: String) async throws -> String? {
        // Demuxing every packet (no decoding) finds a file cut short or damaged in the middle
        // at the speed of reading it.
        let run = try await Self.run(ffmpeg, ["-nostdin", "-v", "error", "-xerror", "-i", path, "-map", "0", "-c", "copy", "-f", "null", "-"])
        return run.status == 0 ? nil : (Self.firstLine(run.errors, path: path) ?? "ffmpeg cannot read it to the end")
    }

    public func extractThumbnail(from video: String, at seconds: Double, to output: String) async throws {
        let run = try await Self.run(ffmpeg, [
            "-nostdin", "-v", "error", "-y", "-ss", String(format: "%.3f", seconds), "-i", video,
            "-frames:v", "1", "-vf", "scale='min(720,iw)':-2", "-q:v", "3", "-f", "image2", "-c:v", "mjpeg", output,
        ])
        guard run.status == 0, FileManager.default.fileExists(atPath: output) else {
            throw ProbeError.unreadable("no frame could be taken for a thumbnail: \(Self.firstLine(run.errors, path: video) ?? "ffmpeg failed")")
        }
    }

    /// ffmpeg's first complaint, without the file's path (which is ours, not the uploader's).
    static func firstLine(_ errors: Data, path: String) -> String? {
        let text = String(decoding: errors, as: UTF8.self)
        guard let line = text.split(separator: "\n").map(String.init).first(where: { !$0.isEmpty }) else { return nil }
        return line.replacingOccurrences(of: path + ": ", with: "").replacingOccurrences(of: path, with: "the file")
            .replacingOccurrences(of: #"^\[[^\]]*\] "#, with: "", options: .regularExpression)
    }

    struct Run { let status: Int32; let output: Data; let errors: Data }

    /// Runs a tool to completion without blocking a thread of the caller's.
    static func run(_ tool: String, _ arguments: [String]) async throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        return try await withCheckedThrowingContinuation { continuation in
            // Read both pipes as they fill (a full pipe would stall the tool), then wait.
            DispatchQueue.global().async {
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: ProbeError.tool("cannot run \(tool): \(error.localizedDescription) (install Debian's ffmpeg)"))
                    return
                }
                let group = DispatchGroup()
                let out = CollectedOutput()
                group.enter()
                DispatchQueue.global().async { out.data = output.fileHandleForReading.readDataToEndOfFile(); group.leave() }
                let err = errors.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                process.waitUntilExit()
                if process.terminationStatus == 127 {
                    continuation.resume(throwing: ProbeError.tool("\(tool) is not installed (install Debian's ffmpeg)"))
                    return
                }
                continuation.resume(returning: Run(status: process.terminationStatus, output: out.data, errors: err))
            }
        }
    }
}

/// One pipe's bytes, written by the thread that drains it and read after `DispatchGroup.wait`.
private final class CollectedOutput: @unchecked Sendable {
    var data = Data()
}
