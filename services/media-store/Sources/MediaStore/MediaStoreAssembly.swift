import GRDB
import Logging
import LumaRPC
import LumaServiceKit

/// media-store as it runs: the executable serves this over TCP, tests in one process.
public enum MediaStoreAssembly {
    /// `content`: a client for content-pipeline, which says which media its items hold.
    public static func make(database: DatabasePool, databaseName: String = "media-store.sqlite", blobs: BlobDirectory,
                            content: RPCClient, prober: any MediaProber = FFmpegProber(),
                            configuration: MediaStoreConfiguration = .init(), logger: Logger) -> ServiceAssembly {
        let janitor = MediaJanitor(database: database, blobs: blobs, holders: RPCMediaHolders(client: content),
                                   configuration: configuration, logger: logger)
        let service = MediaStoreService(database: database, blobs: blobs, prober: prober, configuration: configuration)
        return ServiceAssembly(
            name: "media-store",
            providers: [service,
                        BackupService(database: database, service: "media-store", fileName: databaseName,
                                      extraFiles: MediaBackup.copier(blobs: blobs))],
            background: [janitor], policy: MediaStoreAccess.policy.merging(BackupAccess.policy), databaseName: databaseName,
            metricsCollector: { metrics in
                guard let counts = try? await database.measured.read({ db in
                    (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM media") ?? 0,
                     try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(size), 0) FROM media") ?? 0,
                     try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM uploads WHERE state = 'open'") ?? 0)
                }) else { return }
                metrics.gauge("luma_media_files", []).record(Double(counts.0))
                metrics.gauge("luma_media_bytes", []).record(Double(counts.1))
                metrics.gauge("luma_media_open_uploads", []).record(Double(counts.2))
            })
    }
}
