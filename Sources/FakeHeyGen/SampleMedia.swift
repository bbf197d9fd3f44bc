import Foundation

/// The one video (and thumbnail) every completed render of a fake server points at: made with
/// ffmpeg the first time a render completes, then reused (also across runs, when the directory
/// is kept and already holds them).
actor SampleMedia {
    struct Files: Sendable {
        let video: String
        let thumbnail: String
    }

    enum Failure: Error, CustomStringConvertible {
        case ffmpeg(String)
        var description: String {
            switch self {
            case .ffmpeg(let text): "luma-fake-heygen could not make its sample video with ffmpeg: \(text)"
            }
        }
    }

    let directory: String
    let width: Int
    let height: Int
    private var making: Task<(Files, Bool), any Error>?
    private(set) var made = 0

    init(directory: String, width: Int, height: Int) {
        self.directory = directory
        self.width = width
        self.height = height
    }

    var videoPath: String { directory + "/sample-\(width)x\(height).mp4" }
    var thumbnailPath: String { directory + "/sample-\(width)x\(height).jpg" }

    /// The files, made on the first call; a failed attempt is tried again on the next call.
    func files() async throws -> Files {
        if let making {
            return try await making.value.0
        }
        let files = Files(video: videoPath, thumbnail: thumbnailPath)
        let (width, height, directory) = (width, height, directory)
        let task = Task<(Files, Bool), any Error> {
            let manager = FileManager.default
            if Self.nonEmpty(files.video), Self.nonEmpty(files.thumbnail) { return (files, false) }
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            // Made under temporary names and renamed into place, so a crash leaves no half file.
            let partVideo = files.video + ".part.mp4", partThumb = files.thumbnail + ".part.jpg"
            try await Self.ffmpeg(["-v", "error", "-y",
                                   "-f", "lavfi", "-i", "testsrc=size=\(width)x\(height):rate=30",
                                   "-f", "lavfi", "-i", "sine=frequency=440",
                                   "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                                   "-c:a", "aac", "-shortest", "-movflags", "+faststart", partVideo])
            try await Self.ffmpeg(["-v", "error", "-y", "-ss", "1", "-i", partVideo, "-frames:v", "1", "-q:v", "4", partThumb])
            _ = try? manager.removeItem(atPath: files.video)
            _ = try? manager.removeItem(atPath: files.thumbnail)
            try manager.moveItem(atPath: partVideo, toPath: files.video)
            try manager.moveItem(atPath: partThumb, toPath: files.thumbnail)
            return (files, true)
        }
        making = task
        do {
            let (value, madeNow) = try await task.value
            if madeNow { made += 1 }
            return value
        } catch {
            making = nil
            throw error
        }
    }

    private static func nonEmpty(_ path: String) -> Bool {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) > 0
    }

    private static func ffmpeg(_ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: Failure.ffmpeg("cannot run ffmpeg (\(error)); install it (apt-get install ffmpeg)"))
            }
        }
        if status != 0 {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw Failure.ffmpeg("exit \(status): \(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(500))")
        }
    }
}
