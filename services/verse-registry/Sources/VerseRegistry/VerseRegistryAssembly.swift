import GRDB
import LumaRPC
import LumaServiceKit
import LumaMetrics

/// verse-registry as it runs: the executable serves this over TCP, tests in one process.
public enum VerseRegistryAssembly {
    /// `content`: a client for content-pipeline (the ledger's foreign-key check).
    public static func make(database: DatabasePool, databaseName: String = "verse-registry.sqlite", content: RPCClient,
                            pausePoints: PausePoints = .none) -> ServiceAssembly {
        let service = VerseRegistryService(database: database, content: RPCContentDirectory(client: content), pausePoints: pausePoints)
        return ServiceAssembly(
            name: "verse-registry", providers: [service, BackupService(database: database, service: "verse-registry", fileName: databaseName)],
            policy: VerseRegistryAccess.policy.merging(BackupAccess.policy), databaseName: databaseName,
            metricsCollector: { metrics in
                // luma_ledger_verses, luma_category_unused_verses{category} and
                // luma_category_unused_picks{category} (how many claims before it falls back), read at scrape time.
                guard let (used, categories) = try? await database.measured.read({ db in
                    (try LedgerStore.summary(db).used, try CategoryStore.all(db))
                }) else { return }
                metrics.gauge("luma_ledger_verses").record(Double(used))
                for category in categories {
                    metrics.gauge("luma_category_unused_verses", [("category", category.name)]).record(Double(category.unusedCount))
                    metrics.gauge("luma_category_unused_picks", [("category", category.name)]).record(Double(category.unusedPickCount))
                }
            })
    }
}
