import ContentPipeline
import Foundation
import LumaRPC
import LumaSupervisor
import NIOConcurrencyHelpers

// What render tests share (content-pipeline's worker tests, the crash tests, the studio's):
// a scripted avatar vendor, a real test video, a clock the test moves.

/// A vendor that answers from a script, counts every call, and serves a real MP4 (made with
/// ffmpeg once per test process) as the finished video.
public final class ScriptedVendor: AvatarVendor {
    public struct State: Sendable {
        public var starts: [String] = []                 // references, one per start call
        public var statusCalls = 0
        public var downloads = 0
        public var pollsBeforeDone = 2
        public var polls: [String: Int] = [:]
        public var failRender = false
        public var startError: VendorError?
        public var byReference: [String: String] = [:]
    }
    public let state = NIOLockedValueBox(State())
    public let name = "heygen"

    public init(pollsBeforeDone: Int = 2) {
        state.withLockedValue { $0.pollsBeforeDone = pollsBeforeDone }
    }

    public func start(_ render: RenderRequest) async throws -> String {
        try state.withLockedValue { state in
            if let error = state.startError { throw error }
            state.starts.append(render.reference)
            let id = "v-\(state.starts.count)"
            state.byReference[render.reference] = id
            return id
        }
    }
    public func find(reference: String) async throws -> String? { state.withLockedValue { $0.byReference[reference] } }
    public func status(videoID: String) async throws -> RenderStatus {
        state.withLockedValue { state in
            state.statusCalls += 1
            let polls = state.polls[videoID, default: 0] + 1
            state.polls[videoID] = polls
            if state.failRender { return .failed(message: "HeyGen could not render the video: avatar rendering failed") }
            return polls > state.pollsBeforeDone ? .completed(videoURL: "fake://\(videoID).mp4", thumbnailURL: nil) : .inProgress
        }
    }
    public func download(_ url: String, to path: String) async throws {
        state.withLockedValue { $0.downloads += 1 }
        try FileManager.default.copyItem(atPath: try await TestVideo.path(), toPath: path)
    }
}

/// One vertical MP4 per test process.
public enum TestVideo {
    static let made = NIOLockedValueBox<String?>(nil)
    public static func path() async throws -> String {
        if let path = made.withLockedValue({ $0 }) { return path }
        let path = temporaryDirectory() + "/ai.mp4"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=540x960:rate=30", "-f", "lavfi", "-i",
                             "sine=frequency=440", "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
                             "-shortest", path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw RPCError.internalError("ffmpeg failed") }
        made.withLockedValue { $0 = path }
        return path
    }
}

/// A clock the test moves.
public final class TestClock: Sendable {
    public let seconds = NIOLockedValueBox<Double>(1_800_000_000)
    public init() {}
    public var now: Date { Date(timeIntervalSince1970: seconds.withLockedValue { $0 }) }
    public func advance(_ by: Double) { seconds.withLockedValue { $0 += by } }
}
