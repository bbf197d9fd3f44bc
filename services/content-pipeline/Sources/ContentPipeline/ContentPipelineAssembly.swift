import GRDB
import Logging
import LumaRPC
import LumaServiceKit

/// content-pipeline as it runs: the executable serves this over TCP, tests in one process.
public enum ContentPipelineAssembly {
    /// `verses` and `creators`: clients for the two registries this service checks and feeds;
    /// `media`: media-store, which holds submitted videos (nil: only URL submissions).
    /// `generator`: the template generator with `seed` unless given.
    public static func make(database: DatabasePool, databaseName: String = "content-pipeline.sqlite",
                            verses: RPCClient, creators: RPCClient, media: RPCClient? = nil, seed: UInt64 = 0, generator: (any ScriptGenerator)? = nil,
                            pausePoints: PausePoints = .none, logger: Logger) -> ServiceAssembly {
        let verseSource = RPCVerseSource(client: verses)
        let deliverer = OutboxDeliverer(database: database, handlers: ContentPipelineOutbox.handlers(verses: verseSource), logger: logger)
        let service = ContentPipelineService(
            database: database, verses: verseSource, creators: RPCCreatorDirectory(client: creators),
            media: media.map { RPCMediaLibrary(client: $0) } ?? NoMediaLibrary(),
            generator: generator ?? TemplateScriptGenerator(seed: seed), seed: seed, pausePoints: pausePoints, outboxWritten: { deliverer.wake() })
        return ServiceAssembly(
            name: "content-pipeline",
            providers: [service, OperationsService(database: database, onRequeue: { deliverer.wake() }),
                        BackupService(database: database, service: "content-pipeline", fileName: databaseName)],
            background: [deliverer], policy: ContentPipelineAccess.policy.merging(BackupAccess.policy), databaseName: databaseName,
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
            })
    }
}
