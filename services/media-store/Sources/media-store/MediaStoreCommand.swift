import ArgumentParser
import Foundation
import Logging
import LumaDefaults
import LumaRPC
import LumaServiceKit
import LumaServiceRunner
import MediaStore

@main
struct MediaStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media-store",
        abstract: "Serve luma.media.v1.MediaStore: creators' videos and thumbnails, checked on arrival, stored by sha256.",
        subcommands: [Serve.self, MigrateCommand<MediaStoreSchema>.self, MigrationsCommand<MediaStoreSchema>.self, MediaRestoreCommand.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the service (the default).")

    @OptionGroup var options: ServiceOptions

    @Option(help: "Directory of the stored files (blobs/, uploads/, tmp/; created if missing).")
    var mediaDir = LumaDefaults.dataDirectory + "/media"

    @Option(help: "content-pipeline instances, HOST:PORT[,HOST:PORT], asked which media its items hold before any is removed.")
    var content = LumaDefaults.content

    @Option(help: "Largest file accepted, in bytes.")
    var maxUploadSize: Int64 = 1 << 30

    @Option(help: "What one creator may hold (stored files and open uploads), in bytes.")
    var quota: Int64 = 20 << 30

    @Option(help: "Shortest video accepted, in seconds.")
    var minDuration: Double = 5

    @Option(help: "Longest video accepted, in seconds.")
    var maxDuration: Double = 90

    @Option(help: "Seconds without a chunk after which an upload session is dropped.")
    var uploadExpiry: Double = 86_400

    @Option(help: "Seconds a file no item holds is kept before it is removed.")
    var mediaGrace: Double = 7 * 86_400

    @Option(help: "Seconds between clean-up passes.")
    var cleanupInterval: Double = 600

    func validate() throws {
        guard maxUploadSize > 0 else { throw ValidationError("--max-upload-size must be more than 0 bytes") }
        guard quota >= 0 else { throw ValidationError("--quota must be 0 or more bytes") }
        guard minDuration >= 0, maxDuration > minDuration else {
            throw ValidationError("--min-duration must be 0 or more and under --max-duration (\(minDuration) and \(maxDuration) given)")
        }
        guard uploadExpiry > 0, mediaGrace >= 0, cleanupInterval > 0 else {
            throw ValidationError("--upload-expiry and --cleanup-interval must be more than 0, --media-grace 0 or more")
        }
    }

    func run() async throws {
        ServiceRunner.bootstrapLogging(level: options.logLevel, format: options.logFormat)
        let logger = Logger(label: "media-store")
        let listen = try options.listenEndpoint(default: LumaDefaults.media)
        let limits = try options.connectionLimits()
        let metrics = try options.metrics()
        let auth = try options.auth(serviceName: "media-store")
        let pipeline = auth.peerClient(try peerEndpoints(content, flag: "--content"), limits: limits, metrics: metrics?.0)
        let database = try options.openDatabase(default: MediaStoreSchema.defaultDatabasePath, migrator: MediaStoreSchema.migrator,
                                                metrics: metrics?.0)
        var configuration = MediaStoreConfiguration()
        configuration.maxUploadSize = maxUploadSize
        configuration.quotaPerCreator = quota
        configuration.rules.minDuration = minDuration
        configuration.rules.maxDuration = maxDuration
        configuration.uploadExpiry = uploadExpiry
        configuration.mediaGrace = mediaGrace
        configuration.cleanupInterval = cleanupInterval
        // A chunk and its envelope must fit in a frame.
        configuration.chunkSize = min(configuration.chunkSize, limits.maxFrameSize - 4096)
        let blobs: BlobDirectory
        do {
            blobs = try BlobDirectory(root: mediaDir)
        } catch {
            throw ValidationError("--media-dir \(mediaDir): \(error.localizedDescription)")
        }
        let assembly = MediaStoreAssembly.make(
            database: database, databaseName: options.databaseName(default: MediaStoreSchema.defaultDatabasePath), blobs: blobs,
            content: pipeline, configuration: configuration, logger: logger)
        try await ServiceRunner.run(assembly, listen: listen, auth: auth, limits: limits, metrics: metrics,
                                   otelEndpoint: options.otelEndpoint, tls: try options.serverTLS(), logger: logger)
    }
}
