import Foundation
import GRDB
import Logging
import LumaRPC
import LumaServiceKit
import MediaClient
import ServiceLifecycle

/// content-pipeline as it runs: the executable serves this over TCP, tests in one process.
public enum ContentPipelineAssembly {
    /// `verses` and `creators`: clients for the two registries this service checks and feeds;
    /// `media`: media-store, which holds submitted videos (nil: only URL submissions).
    /// `generator`: the template generator with `seed` unless given.
    public static func make(database: DatabasePool, databaseName: String = "content-pipeline.sqlite",
                            verses: RPCClient, creators: RPCClient, media: RPCClient? = nil, seed: UInt64 = 0, generator: (any ScriptGenerator)? = nil,
                            publication: PublicationCalendar = PublicationCalendar(),
                            rendering: Rendering? = nil, pausePoints: PausePoints = .none, logger: Logger) -> ServiceAssembly {
        let verseSource = RPCVerseSource(client: verses)
        let deliverer = OutboxDeliverer(database: database, handlers: ContentPipelineOutbox.handlers(verses: verseSource), logger: logger)
        let workerBox = WorkerBox()
        let setup = rendering.map { RenderingSetup(vendor: $0.vendor.name, voices: $0.voices, wake: { workerBox.worker?.wake() }) } ?? .none
        let service = ContentPipelineService(
            database: database, verses: verseSource, creators: RPCCreatorDirectory(client: creators),
            media: media.map { RPCMediaLibrary(client: $0) } ?? NoMediaLibrary(),
            generator: generator ?? TemplateScriptGenerator(seed: seed), seed: seed, rendering: setup, publication: publication, pausePoints: pausePoints,
            outboxWritten: { deliverer.wake() })
        var background: [any Service] = [deliverer]
        if let rendering, let media {
            let uploader = MediaUploader(client: media)
            let worker = RenderWorker(
                database: database, vendor: rendering.vendor,
                upload: { path, kind, owner in try await uploader.upload(path: path, kind: kind, owner: owner) },
                submit: { job, video, thumbnail in try await service.workflow.submitRendered(job, video: video, thumbnail: thumbnail) },
                configuration: rendering.worker, now: rendering.now, jitter: rendering.jitter, logger: logger)
            workerBox.worker = worker
            background.append(worker)
        }
        return ServiceAssembly(
            name: "content-pipeline",
            providers: [service, OperationsService(database: database, onRequeue: { deliverer.wake() }),
                        BackupService(database: database, service: "content-pipeline", fileName: databaseName)],
            background: background, policy: ContentPipelineAccess.policy.merging(BackupAccess.policy), databaseName: databaseName,
            metricsCollector: { metrics in
                await Outbox.metricsCollector(database: database, target: "verse-registry")(metrics)
                // luma_content_items{status}, read at scrape time.
                guard let byStatus = try? await database.measured.read({ db in
                    Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM daily_content GROUP BY status")
                        .map { ($0["status"] as String, $0["n"] as Int) })
                }) else { return }
                for status in ContentStatus.allCases {
                    metrics.gauge("luma_content_items", [("status", status.rawValue)]).record(Double(byStatus[status.rawValue] ?? 0))
                }
                // luma_render_jobs{state}, luma_render_oldest_live_seconds.
                guard let (jobs, oldest) = try? await database.measured.read({ db in
                    (try RenderJobStore.counts(db), try RenderJobStore.oldestLiveCreatedAt(db))
                }) else { return }
                for state in RenderJobRecord.State.allCases {
                    metrics.gauge("luma_render_jobs", [("state", state.rawValue)]).record(Double(jobs[state.rawValue] ?? 0))
                }
                let age = oldest.flatMap { try? Date($0, strategy: .iso8601) }.map { Date().timeIntervalSince($0) } ?? 0
                metrics.gauge("luma_render_oldest_live_seconds").record(max(0, age))
            })
    }
}

extension ContentPipelineAssembly {
    /// AI creators' rendering: the vendor (its key given), the voice per language, the worker's
    /// schedule.
    public struct Rendering: Sendable {
        public var vendor: any AvatarVendor
        public var voices: [String: String]
        public var worker: RenderWorker.Configuration
        /// The worker's clock and jitter (tests run them simulated).
        public var now: @Sendable () -> Date = { Date() }
        public var jitter: @Sendable () -> Double = { Double.random(in: 0.8...1.2) }

        public init(vendor: any AvatarVendor, voices: [String: String], worker: RenderWorker.Configuration = .init()) {
            self.vendor = vendor
            self.voices = voices
            self.worker = worker
        }
    }
}

/// The worker, which the service wakes and which submits through the service: made after it.
final class WorkerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: RenderWorker?
    var worker: RenderWorker? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
