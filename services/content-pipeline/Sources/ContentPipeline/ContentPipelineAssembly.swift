import GRDB
import Logging
import LumaRPC
import LumaServiceKit

/// content-pipeline as it runs: the executable serves this over TCP, tests in one process.
public enum ContentPipelineAssembly {
    /// `verses` and `creators`: clients for the two registries this service checks and feeds.
    public static func make(database: DatabasePool, databaseName: String = "content-pipeline.sqlite",
                            verses: RPCClient, creators: RPCClient, seed: UInt64 = 0,
                            pausePoints: PausePoints = .none, logger: Logger) -> ServiceAssembly {
        let verseSource = RPCVerseSource(client: verses)
        let deliverer = OutboxDeliverer(database: database, handlers: ContentPipelineOutbox.handlers(verses: verseSource), logger: logger)
        let service = ContentPipelineService(
            database: database, verses: verseSource, creators: RPCCreatorDirectory(client: creators),
            generator: TemplateScriptGenerator(seed: seed), seed: seed, pausePoints: pausePoints, outboxWritten: { deliverer.wake() })
        return ServiceAssembly(
            name: "content-pipeline",
            providers: [service, OperationsService(database: database, onRequeue: { deliverer.wake() }),
                        BackupService(database: database, service: "content-pipeline", fileName: databaseName)],
            background: [deliverer], policy: ContentPipelineAccess.policy.merging(BackupAccess.policy), databaseName: databaseName)
    }
}
