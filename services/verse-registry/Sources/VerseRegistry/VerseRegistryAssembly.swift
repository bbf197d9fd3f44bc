import GRDB
import LumaRPC
import LumaServiceKit

/// verse-registry as it runs: the executable serves this over TCP, tests in one process.
public enum VerseRegistryAssembly {
    /// `content`: a client for content-pipeline (the ledger's foreign-key check).
    public static func make(database: DatabasePool, databaseName: String = "verse-registry.sqlite", content: RPCClient,
                            pausePoints: PausePoints = .none) -> ServiceAssembly {
        let service = VerseRegistryService(database: database, content: RPCContentDirectory(client: content), pausePoints: pausePoints)
        return ServiceAssembly(name: "verse-registry", providers: [service, BackupService(database: database, service: "verse-registry", fileName: databaseName)], policy: VerseRegistryAccess.policy.merging(BackupAccess.policy), databaseName: databaseName)
    }
}
