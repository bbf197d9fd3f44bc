import ArgumentParser
import GRDB
import Logging
import LumaDefaults
import LumaRPC
import LumaAuth
import LumaServiceKit
import LumaServiceRunner
import VerseRegistry

@main
struct VerseRegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verse-registry",
        abstract: "Serve luma.verses.v1.VerseRegistry: the Bible canon, verse text, topics and the used-verse ledger.",
        subcommands: [Serve.self, MigrateCommand<VerseRegistrySchema>.self, MigrationsCommand<VerseRegistrySchema>.self, RestoreCommand<VerseRegistrySchema>.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the service (the default).")

    @OptionGroup var options: ServiceOptions

    @Option(help: "content-pipeline instances, HOST:PORT[,HOST:PORT], for the ledger's foreign-key check.")
    var content = LumaDefaults.content

    func run() async throws {
        ServiceRunner.bootstrapLogging(level: options.logLevel, format: options.logFormat)
        let logger = Logger(label: "verse-registry")
        let listen = try options.listenEndpoint(default: LumaDefaults.verses)
        let contentPeers = try peerEndpoints(content, flag: "--content")
        let limits = try options.connectionLimits()
        let metrics = try options.metrics()
        let auth = try options.auth(serviceName: "verse-registry")
        let database = try options.openDatabase(default: VerseRegistrySchema.defaultDatabasePath, migrator: VerseRegistrySchema.migrator,
                                                metrics: metrics?.0)
        let assembly = VerseRegistryAssembly.make(
            database: database, databaseName: options.databaseName(default: VerseRegistrySchema.defaultDatabasePath),
            content: auth.peerClient(contentPeers, limits: limits, metrics: metrics?.0))
        try await ServiceRunner.run(assembly, listen: listen, auth: auth, limits: limits, metrics: metrics,
                                   otelEndpoint: options.otelEndpoint, tls: try options.serverTLS(), logger: logger)
    }
}
