import GRDB
import Logging
import LumaRPC
import LumaServiceKit

/// creator-registry as it runs: the executable serves this over TCP, tests in one process.
public enum CreatorRegistryAssembly {
    /// `content`: a client for content-pipeline, which receives the SET NULL of deleted creators;
    /// `passwords`: how users' passwords are hashed (`BcryptPasswordHasher`).
    public static func make(database: DatabasePool, databaseName: String = "creator-registry.sqlite", content: RPCClient,
                            passwords: any PasswordHasher, logger: Logger) -> ServiceAssembly {
        let deliverer = OutboxDeliverer(
            database: database, handlers: CreatorRegistryOutbox.handlers(pipeline: RPCCreatorDeletionReceiver(client: content)), logger: logger)
        let service = CreatorRegistryService(database: database, passwords: passwords, outboxWritten: { deliverer.wake() })
        return ServiceAssembly(
            name: "creator-registry",
            providers: [service, OperationsService(database: database, onRequeue: { deliverer.wake() }),
                        BackupService(database: database, service: "creator-registry", fileName: databaseName)],
            background: [deliverer], policy: CreatorRegistryAccess.policy.merging(BackupAccess.policy), databaseName: databaseName,
            metricsCollector: Outbox.metricsCollector(database: database, target: "content-pipeline"))
    }
}
