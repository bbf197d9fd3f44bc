import Foundation
import GRDB
import Logging
import LumaRPC
import MediaAPI
import ServiceLifecycle
import Tracing

/// Makes AI creators' videos: takes each due render job one step further, and submits the item
/// when the video is in media-store (docs/rendering.md).
///
///     queued --(job marked starting, committed; then the vendor call)--> starting
///     starting --(the vendor's video id, committed at once)--> rendering
///     rendering --(polled with backoff until completed)--> storing
///     storing --(video and thumbnail downloaded into media-store; the item submitted and the
///                job marked submitted in one transaction)--> submitted
///
/// Never pay twice: a job found in `starting` after a crash first asks the vendor for a video
/// made with its reference (`AvatarVendor.find`) before ordering one. A job found in `storing`
/// downloads again (media-store keeps one copy of the same bytes) and submits once: the
/// submission's transaction moves the job from `storing`, so a second try finds it moved.
/// Cancelled jobs (unassigned, deleted, creator deleted) fail every compare-and-set, so a late
/// result is dropped. Retryable failures back off with jitter; quota exhaustion waits long;
/// permanent failures stop and say why on the item.
public final class RenderWorker: Service, Sendable {
    public struct Configuration: Sendable {
        /// Polls of a rendering video: 5 s, doubling, at most 60 s (with jitter).
        public var firstPoll: Double = 5
        public var maxPoll: Double = 60
        /// After a retryable failure: 2 s, doubling, at most 5 min (with jitter).
        public var firstRetry: Double = 2
        public var maxRetry: Double = 300
        /// Retryable failures in a row before the job fails (the admin can retry it).
        public var maxAttempts = 8
        /// Wait after the vendor says the account's quota is exhausted.
        public var quotaWait: Double = 900
        /// A video still rendering after this long fails (retry resumes polling it).
        public var renderTimeout: Double = 1800
        /// How long a job is reserved for this instance per step; renewed every third of it
        /// while the step runs (a slow download keeps its job). Short, because a crashed
        /// instance's lease holds its jobs until it lapses: a restart resumes within this.
        public var lease: Double = 10
        /// How often the worker looks for due jobs when nothing wakes it.
        public var tick: Double = 1
        public init() {}
    }

    /// Uploads a downloaded file into media-store for `owner`.
    public typealias Upload = @Sendable (_ path: String, _ kind: Luma_Media_V1_MediaKind, _ owner: Int64) async throws -> Luma_Media_V1_Media

    let database: DatabasePool
    let vendor: any AvatarVendor
    let upload: Upload
    let submit: @Sendable (RenderJobRecord, Luma_Media_V1_Media, Int64?) async throws -> Bool
    let configuration: Configuration
    let now: @Sendable () -> Date
    let jitter: @Sendable () -> Double
    let logger: Logger
    let directory: String
    private let wakeups: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation

    /// `submit`: records the stored video on the item and marks the job submitted, in one
    /// transaction; false when the job or item moved meanwhile. `jitter`: a factor around 1.
    public init(database: DatabasePool, vendor: any AvatarVendor, upload: @escaping Upload,
                submit: @escaping @Sendable (RenderJobRecord, Luma_Media_V1_Media, Int64?) async throws -> Bool,
                configuration: Configuration = .init(), now: @escaping @Sendable () -> Date = { Date() },
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0.8...1.2) }, logger: Logger) {
        self.database = database
        self.vendor = vendor
        self.upload = upload
        self.submit = submit
        self.configuration = configuration
        self.now = now
        self.jitter = jitter
        self.logger = logger
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("luma-renders-\(getpid())").path
        (wakeups, wakeContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Work now rather than at the next tick (an assignment queued a job).
    public func wake() { wakeContinuation.yield() }

    public func run() async throws {
        removeDownloadsOfDeadProcesses()
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(self.configuration.tick))
                        self.wakeContinuation.yield()
                    }
                }
                group.addTask {
                    for await _ in self.wakeups {
                        if Task.isCancelled { break }
                        await self.runDue()
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.wakeContinuation.finish()
        }
    }

    /// A process killed mid-download leaves `luma-renders-<pid>/`: removed once that pid is gone.
    func removeDownloadsOfDeadProcesses() {
        let base = (directory as NSString).deletingLastPathComponent
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] where name.hasPrefix("luma-renders-") {
            guard let pid = Int32(name.dropFirst("luma-renders-".count)), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: base + "/" + name)
        }
    }

    /// One pass: every due job one step further. Public so tests drive it on their clock.
    public func runDue() async {
        let instant = now().timeIntervalSince1970
        let jobs: [RenderJobRecord]
        do {
            jobs = try await database.measured.write { [configuration] in
                try RenderJobStore.leaseDue($0, now: instant, lease: configuration.lease, limit: 16)
            }
        } catch {
            logger.warning("render jobs could not be read", metadata: ["error": "\(error)"])
            return
        }
        let leasedUntil = instant + configuration.lease
        await withTaskGroup(of: Void.self) { group in
            for job in jobs { group.addTask { await self.holdingLease(job, leasedUntil: leasedUntil) { await self.advance(job) } } }
        }
    }

    /// Runs `step` while renewing the job's lease every third of `lease`, for as long as the
    /// lease is still the one this instance set (a step that releases it, `lease_until = 0`,
    /// ends the renewals).
    func holdingLease(_ job: RenderJobRecord, leasedUntil: Double, _ step: () async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [configuration, database, now] in
                var held = leasedUntil
                while true {
                    do { try await Task.sleep(for: .seconds(configuration.lease / 3)) } catch { return }
                    let renewed = now().timeIntervalSince1970 + configuration.lease
                    let current = held
                    let kept = (try? await database.measured.write { try RenderJobStore.renewLease($0, job.id, from: current, to: renewed) }) ?? false
                    guard kept, !Task.isCancelled else { return }
                    held = renewed
                }
            }
            await step()
            group.cancelAll()
        }
    }

    /// Takes one job as far as it goes now: an order waits for its first poll; a poll that
    /// finds the video done goes straight on to storing it.
    func advance(_ job: RenderJobRecord) async {
        do {
            switch job.state {
            case .queued, .starting:
                try await start(job)
            case .rendering:
                if let completed = try await poll(job) { try await store(completed) }
            case .storing:
                try await store(job)
            case .submitted, .failed, .cancelled:
                break
            }
        } catch let error as VendorError {
            await record(error, for: job)
        } catch let error as RPCError where [.unavailable, .deadlineExceeded, .aborted, .resourceExhausted, .cancelled].contains(error.code) {
            await record(VendorError(.retryable, "\(error.code): \(error.message)"), for: job)
        } catch let error as RPCError {
            await record(VendorError(.permanent, "\(error.message)"), for: job)
        } catch {
            await record(VendorError(.retryable, "\(error)"), for: job)
        }
    }

    /// Orders the video, unless the vendor already has one for this job.
    func start(_ job: RenderJobRecord) async throws {
        // Written before the vendor is called: a crash from here on finds the job `starting`.
        if job.state == .queued {
            guard try await database.measured.write({ try RenderJobStore.move($0, job.id, from: .queued, to: .starting) }) else { return }
        }
        var videoID: String?
        if job.state == .starting || job.attempts > 0 {
            // A crash or a failed answer may have hidden an order the vendor took.
            videoID = try await traced("find") { try await self.vendor.find(reference: job.reference) }
        }
        if videoID == nil {
            videoID = try await traced("generate") {
                try await self.vendor.start(RenderRequest(reference: job.reference, avatarID: job.avatarID, voiceID: job.voiceID, script: job.script))
            }
        }
        let instant = now().timeIntervalSince1970
        let delay = configuration.firstPoll * jitter()
        let ordered = videoID
        let moved = try await database.measured.write { db in
            try RenderJobStore.move(db, job.id, from: .starting, to: .rendering, set: [
                "vendor_video_id": ordered, "attempts": 0, "polls": 0, "last_error": nil, "retryable": false,
                "rendering_since": instant, "next_attempt_at": instant + delay, "lease_until": 0,
            ])
        }
        if !moved { logger.notice("render job changed while the vendor was asked; its video is not used", metadata: ["job": "\(job.id)"]) }
    }

    /// Asks where the video stands; a completed one moves to `storing` and is returned.
    func poll(_ job: RenderJobRecord) async throws -> RenderJobRecord? {
        guard let videoID = job.vendorVideoID else { throw VendorError(.retryable, "the job has no vendor video id") }
        let status = try await traced("status") { try await self.vendor.status(videoID: videoID) }
        let instant = now().timeIntervalSince1970
        switch status {
        case .inProgress:
            if let since = job.renderingSince, instant - since > configuration.renderTimeout {
                // Marked retryable: the admin's retry keeps polling the same video.
                try await fail(job, "the vendor has not finished the video in \(Int(configuration.renderTimeout / 60)) min; retry to keep waiting for it",
                               retryable: true)
                return nil
            }
            let delay = min(configuration.maxPoll, configuration.firstPoll * pow(2, Double(job.polls + 1))) * jitter()
            try await database.measured.write { db in
                _ = try RenderJobStore.move(db, job.id, from: .rendering, to: .rendering, set: [
                    "polls": job.polls + 1, "attempts": 0, "last_error": nil, "next_attempt_at": instant + delay, "lease_until": 0,
                ])
            }
            return nil
        case .failed(let message):
            try await fail(job, message, retryable: false)
            return nil
        case .completed(let videoURL, let thumbnailURL):
            let moved = try await database.measured.write { db in
                try RenderJobStore.move(db, job.id, from: .rendering, to: .storing, set: [
                    "video_url": videoURL, "thumbnail_url": thumbnailURL, "attempts": 0, "last_error": nil,
                ])
            }
            guard moved else { return nil }
            return try await database.measured.read { try RenderJobStore.job($0, id: job.id) }
        }
    }

    /// Downloads the video (and the vendor's thumbnail) into media-store, then submits.
    func store(_ job: RenderJobRecord) async throws {
        guard let videoURL = job.videoURL else { throw VendorError(.retryable, "the job has no video URL") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let videoPath = "\(directory)/job-\(job.id).mp4", thumbnailPath = "\(directory)/job-\(job.id).jpg"
        defer {
            try? FileManager.default.removeItem(atPath: videoPath)
            try? FileManager.default.removeItem(atPath: thumbnailPath)
        }
        try await traced("download") { try await self.vendor.download(videoURL, to: videoPath) }
        let video = try await upload(videoPath, .video, job.creatorID)
        // The vendor's thumbnail if media-store accepts it; else the frame media-store took.
        var thumbnail: Int64?
        if let url = job.thumbnailURL, !url.isEmpty {
            do {
                try await traced("download") { try await self.vendor.download(url, to: thumbnailPath) }
                thumbnail = try await upload(thumbnailPath, .image, job.creatorID).id
            } catch {
                logger.info("the vendor's thumbnail was not used", metadata: ["job": "\(job.id)", "reason": "\(error)"])
            }
        }
        if try await submit(job, video, thumbnail) {
            logger.info("render submitted", metadata: ["job": "\(job.id)", "item": "\(job.itemID)", "media": "\(video.id)"])
        }
    }

    /// Retryable failures wait (with jitter) and count; after `maxAttempts` the job fails. Quota
    /// exhaustion waits `quotaWait`; permanent failures fail at once.
    func record(_ error: VendorError, for job: RenderJobRecord) async {
        logger.warning("render step failed", metadata: ["job": "\(job.id)", "kind": "\(error.kind.rawValue)", "error": "\(error.message)"])
        let attempts = job.attempts + 1
        if error.kind == .permanent || attempts >= configuration.maxAttempts {
            let words = error.kind == .permanent ? error.message : "\(error.message) (gave up after \(attempts) attempts)"
            try? await fail(job, words, retryable: false, attempts: attempts)
            return
        }
        let wait = error.kind == .quota ? configuration.quotaWait : min(configuration.maxRetry, configuration.firstRetry * pow(2, Double(attempts - 1)))
        let instant = now().timeIntervalSince1970
        let delay = wait * jitter()
        _ = try? await database.measured.write { db in
            try RenderJobStore.retryLater(db, job.id, attempts: attempts, error: error.message, at: instant + delay)
        }
    }

    func fail(_ job: RenderJobRecord, _ message: String, retryable: Bool, attempts: Int? = nil) async throws {
        try await database.measured.write { db in
            _ = try RenderJobStore.failLive(db, job.id, error: message, retryable: retryable, attempts: attempts ?? job.attempts)
        }
    }

    /// A span per vendor call ("heygen.generate", ...).
    func traced<T: Sendable>(_ operation: String, _ body: @Sendable () async throws -> T) async throws -> T {
        try await withSpan("\(vendor.name).\(operation)", ofKind: .client) { span in
            do {
                return try await body()
            } catch {
                span.recordError(error)
                throw error
            }
        }
    }
}
