import ArgumentParser
import ContentAPI
import CreatorRegistry
import CreatorRegistryAdapters
import Logging
import LumaDefaults
import LumaRPC
import LumaAuth
import LumaServiceKit
import LumaServiceRunner

@main
struct CreatorRegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "creator-registry",
        abstract: "Serve luma.creators.v1.CreatorRegistry: platform users and creator profiles.",
        subcommands: [Serve.self, MigrateCommand<CreatorRegistrySchema>.self, MigrationsCommand<CreatorRegistrySchema>.self, RestoreCommand<CreatorRegistrySchema>.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the service (the default).")

    @OptionGroup var options: ServiceOptions

    @Option(help: "content-pipeline instances, HOST:PORT[,HOST:PORT], which receive the SET NULL of deleted creators.")
    var content = LumaDefaults.content

    func run() async throws {
        ServiceRunner.bootstrapLogging(level: options.logLevel, format: options.logFormat)
        let logger = Logger(label: "creator-registry")
        let listen = try options.listenEndpoint(default: LumaDefaults.creators)
        let limits = try options.connectionLimits()
        let metrics = try options.metrics()
        let auth = try options.auth(serviceName: "creator-registry")
        let pipeline = auth.peerClient(try peerEndpoints(content, flag: "--content"), limits: limits, metrics: metrics?.0)
        let database = try options.openDatabase(default: CreatorRegistrySchema.defaultDatabasePath, migrator: CreatorRegistrySchema.migrator,
                                                metrics: metrics?.0)
        let assembly = CreatorRegistryAssembly.make(
            database: database, databaseName: options.databaseName(default: CreatorRegistrySchema.defaultDatabasePath),
            content: pipeline, passwords: BcryptPasswordHasher(), logger: logger)
        try await ServiceRunner.run(assembly, listen: listen, auth: auth, limits: limits, metrics: metrics,
                                   otelEndpoint: options.otelEndpoint, tls: try options.serverTLS(), logger: logger)
    }
}
