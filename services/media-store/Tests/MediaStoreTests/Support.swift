import Crypto
import Foundation
import GRDB
import Logging
import LumaAuth
import LumaRPC
import LumaServiceKit
import LumaTestSupport
import MediaAPI
import NIOConcurrencyHelpers
import Testing
@testable import MediaStore

// MARK: Test files, made once per test run with ffmpeg in a temporary directory

/// Small videos and images made with Debian's ffmpeg the first time a test asks, shared by every
/// test of the run (a few seconds in all), never committed.
enum Fixtures {
    struct Files: Sendable {
        let directory: String
        /// 540x960, 6 s, H.264/AAC (the shape a phone records, small).
        var vertical: String { directory + "/vertical.mp4" }
        /// 180x320, 6 s, H.264/AAC: several chunks at a small chunk size, fast to probe.
        var small: String { directory + "/small.mp4" }
        /// Like `small`, other bytes.
        var other: String { directory + "/other.mp4" }
        var landscape: String { directory + "/landscape.mp4" }
        var tooShort: String { directory + "/short.mp4" }
        var tooLong: String { directory + "/long.mp4" }
        /// A faststart MP4 cut in half: the header is whole, the packets are not.
        var truncated: String { directory + "/truncated.mp4" }
        var mpeg4: String { directory + "/mpeg4.mp4" }
        var mp3Audio: String { directory + "/mp3.mp4" }
        var mov: String { directory + "/clip.mov" }
        /// 320x180 coded, with rotation 90: displayed 180x320, as a phone's portrait video.
        var rotated: String { directory + "/rotated.mp4" }
        var verticalPNG: String { directory + "/thumb.png" }
        var verticalJPEG: String { directory + "/thumb.jpg" }
        var landscapeJPEG: String { directory + "/wide.jpg" }
    }

    private static let made = NIOLockedValueBox<Task<Files, any Error>?>(nil)

    static func files() async throws -> Files {
        let task = made.withLockedValue { task in
            if let task { return task }
            let new = Task<Files, any Error> { try await offThePool { try make() } }
            task = new
            return new
        }
        return try await task.value
    }

    private static func make() throws -> Files {
        let files = Files(directory: temporaryDirectory())
        let h264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        func lavfi(_ video: String, audio: String? = "sine=frequency=440", seconds: Int) -> [String] {
            ["-f", "lavfi", "-i", video] + (audio.map { ["-f", "lavfi", "-i", $0] } ?? []) + ["-t", "\(seconds)"]
        }
        let aac = ["-c:a", "aac", "-shortest"]
        try ffmpeg(lavfi("testsrc=size=540x960:rate=30", seconds: 6) + h264 + aac + [files.vertical])
        try ffmpeg(lavfi("testsrc=size=180x320:rate=10", seconds: 6) + h264 + aac + [files.small])
        try ffmpeg(lavfi("testsrc2=size=180x320:rate=10", audio: "sine=frequency=660", seconds: 6) + h264 + aac + [files.other])
        try ffmpeg(lavfi("testsrc=size=960x540:rate=10", seconds: 6) + h264 + aac + [files.landscape])
        try ffmpeg(lavfi("testsrc=size=180x320:rate=10", seconds: 2) + h264 + aac + [files.tooShort])
        try ffmpeg(lavfi("testsrc=size=90x160:rate=2", audio: nil, seconds: 95) + h264 + [files.tooLong])
        let whole = files.directory + "/faststart.mp4"
        try ffmpeg(lavfi("testsrc=size=180x320:rate=10", seconds: 6) + h264 + aac + ["-movflags", "+faststart", whole])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: files.truncated))
        try ffmpeg(lavfi("testsrc=size=180x320:rate=10", audio: nil, seconds: 6) + ["-c:v", "mpeg4", files.mpeg4])
        try ffmpeg(lavfi("testsrc=size=180x320:rate=10", seconds: 6) + h264 + ["-c:a", "libmp3lame", "-shortest", files.mp3Audio])
        try ffmpeg(lavfi("testsrc=size=180x320:rate=10", seconds: 6) + h264 + aac + ["-f", "mov", files.mov])
        let wide = files.directory + "/wide.mp4"
        try ffmpeg(lavfi("testsrc=size=320x180:rate=10", seconds: 6) + h264 + aac + [wide])
        try ffmpeg(["-i", wide, "-c", "copy", "-metadata:s:v:0", "rotate=90", files.rotated])
        try ffmpeg(["-f", "lavfi", "-i", "testsrc=size=180x320", "-frames:v", "1", files.verticalPNG])
        try ffmpeg(["-f", "lavfi", "-i", "testsrc=size=180x320", "-frames:v", "1", files.verticalJPEG])
        try ffmpeg(["-f", "lavfi", "-i", "testsrc=size=320x180", "-frames:v", "1", files.landscapeJPEG])
        return files
    }

    private static func ffmpeg(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-nostdin", "-v", "error", "-y"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let complaint = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError(description: "ffmpeg \(arguments.joined(separator: " ")) failed: \(String(decoding: complaint, as: UTF8.self))")
        }
    }

    struct FixtureError: Error, CustomStringConvertible { let description: String }
}

func sha256Hex(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

func contents(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

/// Every file under `directory` (relative paths), recursively.
func filesUnder(_ directory: String) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
    var found: [String] = []
    while let next = walker.nextObject() as? String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory + "/" + next, isDirectory: &isDirectory), !isDirectory.boolValue { found.append(next) }
    }
    return found.sorted()
}

// MARK: Simulated time

/// A clock the test moves: expiry and grace periods without sleeping.
final class SimulatedClock: Sendable {
    private let current: NIOLockedValueBox<Date>

    init(_ start: Date = Date()) { current = NIOLockedValueBox(start) }

    var date: Date { current.withLockedValue { $0 } }
    var now: MediaClock { { self.date } }

    func advance(by seconds: TimeInterval) { current.withLockedValue { $0 = $0.addingTimeInterval(seconds) } }
}

// MARK: The provider on a temporary database and blob directory

/// media-store's provider and clean-up with their real database and files, no socket.
struct MediaBench {
    let directory: String
    let database: DatabasePool
    let blobs: BlobDirectory
    let clock: SimulatedClock
    let configuration: MediaStoreConfiguration
    let service: MediaStoreService

    init(configuration: MediaStoreConfiguration = MediaBench.smallChunks(), prober: any MediaProber = FFmpegProber()) throws {
        directory = temporaryDirectory()
        database = try ServiceDatabase.openForService(path: directory + "/media-store.sqlite", migrator: MediaStoreSchema.migrator).0
        blobs = try BlobDirectory(root: directory + "/media")
        clock = SimulatedClock()
        self.configuration = configuration
        service = MediaStoreService(database: database, blobs: blobs, prober: prober, configuration: configuration, now: clock.now)
    }

    /// 16 KiB chunks: the small test videos take several.
    static func smallChunks() -> MediaStoreConfiguration {
        var configuration = MediaStoreConfiguration()
        configuration.chunkSize = 16 << 10
        return configuration
    }

    func janitor(_ holders: any MediaHolders) -> MediaJanitor {
        MediaJanitor(database: database, blobs: blobs, holders: holders, configuration: configuration, now: clock.now,
                     logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    func start(_ path: String, kind: Luma_Media_V1_MediaKind = .video, owner: Int64 = 0, fileName: String? = nil) async throws -> Luma_Media_V1_UploadSession {
        let data = try contents(path)
        return try await service.startUpload(.with {
            $0.size = UInt64(data.count)
            $0.sha256 = sha256Hex(data)
            $0.kind = kind
            $0.fileName = fileName ?? (path as NSString).lastPathComponent
            $0.ownerCreatorID = owner
        }, context: .test)
    }

    func append(_ session: Luma_Media_V1_UploadSession, _ data: Data, at offset: UInt64) async throws -> Luma_Media_V1_UploadSession {
        try await service.appendChunk(.with { $0.uploadID = session.uploadID; $0.offset = offset; $0.data = data }, context: .test)
    }

    /// Sends chunks from the session's next offset; `upTo` stops after that many chunks.
    @discardableResult
    func send(_ path: String, _ session: Luma_Media_V1_UploadSession, chunks limit: Int = .max) async throws -> Luma_Media_V1_UploadSession {
        let data = try contents(path)
        var session = session
        var sent = 0
        while session.nextOffset < session.size && sent < limit {
            let start = Int(session.nextOffset), end = min(start + Int(session.chunkSize), data.count)
            session = try await append(session, data.subdata(in: start..<end), at: session.nextOffset)
            sent += 1
        }
        return session
    }

    func finish(_ session: Luma_Media_V1_UploadSession) async throws -> Luma_Media_V1_Media {
        try await service.finishUpload(.with { $0.uploadID = session.uploadID }, context: .test)
    }

    func getUpload(_ id: String) async throws -> Luma_Media_V1_UploadSession {
        try await service.getUpload(.with { $0.uploadID = id }, context: .test)
    }

    /// Start, every chunk, finish.
    func upload(_ path: String, kind: Luma_Media_V1_MediaKind = .video, owner: Int64 = 0) async throws -> Luma_Media_V1_Media {
        let session = try await start(path, kind: kind, owner: owner)
        return try await finish(try await send(path, session))
    }

    func mediaRow(_ id: Int64) throws -> Row? {
        try database.read { try Row.fetchOne($0, sql: "SELECT * FROM media WHERE id = ?", arguments: [id]) }
    }

    var blobFiles: [String] { filesUnder(blobs.root + "/blobs") }
    var partFiles: [String] { filesUnder(blobs.root + "/uploads") }
}

/// Runs `body` as a caller holding a creator's token (what the auth interceptor sets).
func asCreator<T: Sendable>(_ id: Int64, _ body: () async throws -> T) async rethrows -> T {
    try await Principal.$current.withValue(Principal(subject: "creator-\(id)", role: .creator, creatorID: id)) { try await body() }
}

// MARK: Holders standing in for content-pipeline

/// content-pipeline's answer to ReleaseUnheldMedia, decided by the test.
final class FakeHolders: MediaHolders {
    let held = NIOLockedValueBox<Set<Int64>>([])
    let reachable = NIOLockedValueBox(true)
    let asked = NIOLockedValueBox<[[Int64]]>([])
    let released = NIOLockedValueBox<Set<Int64>>([])

    func hold(_ ids: Int64...) { held.withLockedValue { $0.formUnion(ids) } }
    func drop(_ ids: Int64...) { held.withLockedValue { $0.subtract(ids) } }

    /// The release is written (tombstones), but the answer never arrives (media-store killed,
    /// the connection dropped): the next call only.
    let loseNextAnswer = NIOLockedValueBox(false)

    func releaseUnheld(_ ids: [Int64]) async throws -> (released: [Int64], held: [Int64]) {
        guard reachable.withLockedValue({ $0 }) else { throw RPCError.unavailable("content-pipeline is unreachable: test") }
        asked.withLockedValue { $0.append(ids) }
        let holding = held.withLockedValue { $0 }
        let answer = (ids.filter { !holding.contains($0) }, ids.filter { holding.contains($0) })
        released.withLockedValue { $0.formUnion(answer.0) }
        if loseNextAnswer.withLockedValue({ lose in defer { lose = false }; return lose }) {
            throw RPCError.unavailable("the connection to content-pipeline was lost: test")
        }
        return answer
    }
}

// MARK: Calls without a socket

extension RPCServerContext {
    static var test: RPCServerContext {
        RPCServerContext(
            method: RPCMethodDescriptor(service: "luma.test", method: "InProcess", inputType: "", outputType: "", idempotency: .unknown),
            callID: 1, metadata: [:], deadline: nil, peer: "in-process", logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }
}

/// The RPCError a call threw, checked for code and field.
func expectRPCError(_ code: RPCStatusCode, field: String? = nil, _ sourceLocation: SourceLocation = #_sourceLocation,
                    _ body: () async throws -> Void) async -> RPCError? {
    do {
        try await body()
        Issue.record("expected \(code), the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as RPCError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        if let field { #expect(error.field == field, "\(error)", sourceLocation: sourceLocation) }
        return error
    } catch {
        Issue.record("expected RPCError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
