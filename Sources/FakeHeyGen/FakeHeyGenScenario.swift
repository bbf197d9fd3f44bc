import Foundation

/// How the fake HeyGen behaves: set when it starts (`FakeHeyGenServer(scenario:)`, the
/// executable's flags) and changeable while it runs (`FakeHeyGenServer.update`).
///
/// Avatar and voice ids choose what a render does:
/// - `fail-...` avatar: generate succeeds, and the render ends `failed` with a HeyGen-like error
///   on the poll it would have completed on;
/// - `missing-...` avatar: generate answers HTTP 400 `invalid_parameter`, "avatar not found";
/// - `missing-...` voice: generate answers HTTP 400 `invalid_parameter`, "voice not found";
/// - anything else renders: a real 6 s vertical H.264/AAC MP4 and a JPEG thumbnail.
public struct FakeHeyGenScenario: Sendable, Equatable {
    /// Where to listen; port 0 picks a free one.
    public var host = "127.0.0.1"
    public var port = 0
    /// The one `X-Api-Key` accepted; nil accepts any non-empty key. A missing or wrong key is
    /// HTTP 401 `unauthorized`.
    public var apiKey: String?
    /// The status poll (1, 2, ...) of a video that answers `completed` (or `failed`); the polls
    /// before it answer `pending` (the first) and `processing`. 0 and 1 both complete on the first.
    public var pollsToComplete = 2
    /// How many videos generate creates before answering HTTP 402 `insufficient_credit`
    /// (HeyGen's documented answer when credits run out); nil: unlimited.
    public var quota: Int?
    /// Waited before each answer (API calls and downloads).
    public var delayMilliseconds = 0
    /// Accept connections and read requests, but never answer (client timeouts).
    public var silent = false
    /// Every answer sends its head and the first half of its body, then nothing more (a stalled
    /// transfer: the client's body timeout must fire).
    public var stallBodies = false
    /// Like `stallBodies`, for downloads from /files/ only: API calls still answer whole (a render
    /// completes, and its download then stalls).
    public var stallDownloads = false
    /// Waited after generate has counted the call and created the video, before answering it
    /// (on top of `delayMilliseconds`): a client that gives up or dies meanwhile leaves a video
    /// at the vendor whose id it never heard (the crash between the vendor's answer and our
    /// commit). Only successful answers wait.
    public var generateAnswerDelayMilliseconds = 0
    /// The next this many API calls (generate, status, list; not downloads) answer
    /// `serverErrorStatus` with an `internal_error`; counts down as they are answered.
    public var serverErrors = 0
    public var serverErrorStatus = 500
    /// video.list includes each video's `callback_id` (true), or answers only the fields HeyGen's
    /// reference documents for list entries (false: `video_id`, `status`, `created_at`, `type`).
    public var listIncludesCallbackID = true
    /// The most entries one video.list page answers (HeyGen: 100); more are behind `data.token`.
    public var listPageLimit = 100
    /// The sample video's size (vertical 9:16).
    public var videoWidth = 540
    public var videoHeight = 960
    /// Where the sample video and thumbnail are made (and reused if already there); nil: a fresh
    /// temporary directory, removed by `stop()`.
    public var mediaDirectory: String?

    public init() {}

    /// HeyGen's limit on one voice's `input_text`.
    public static let maxInputText = 5000
}

/// What the fake has been asked, for tests. A snapshot: read `FakeHeyGenServer.counters` again
/// for newer numbers.
public struct FakeHeyGenCounters: Sendable, Equatable {
    /// POST /v2/video/generate calls that got past the key check, whatever was answered.
    public var generateCalls = 0
    /// The same, by `callback_id` (calls without one are not counted here).
    public var generateCallsByCallbackID: [String: Int] = [:]
    /// Videos generate created (answered with a video id).
    public var videosCreated = 0
    /// GET /v1/video_status.get calls that got past the key check.
    public var statusCalls = 0
    /// GET /v1/video.list calls that got past the key check.
    public var listCalls = 0
    /// Files served whole from /files/ (videos and thumbnails).
    public var downloads = 0
    public var videoDownloads = 0
    public var thumbnailDownloads = 0
    /// Requests refused for a missing or wrong X-Api-Key.
    public var unauthorized = 0
    /// Requests received and never answered because the fake was silent.
    public var unanswered = 0
    /// Times the sample media were made with ffmpeg (1 at most per media directory).
    public var mediaMade = 0

    public init() {}
}

/// One video as the fake keeps it.
public struct FakeHeyGenVideo: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable { case render, fail }
    public let id: String
    public let callbackID: String?
    public let avatarID: String
    public let voiceID: String
    public let inputText: String
    public let width: Int
    public let height: Int
    public let createdAt: Int
    public let outcome: Outcome
    /// Status polls answered so far.
    public var polls = 0
    /// "pending", "processing", "completed" or "failed".
    public var status = "pending"
}
