import ArgumentParser
import ContentPipeline
import Logging
import LumaDefaults
import LumaRPC
import LumaAuth
import LumaServiceKit
import LumaServiceRunner

@main
struct ContentPipelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "content-pipeline",
        abstract: "Serve luma.content.v1.ContentPipeline: daily content and its production state machine.",
        subcommands: [Serve.self, MigrateCommand<ContentPipelineSchema>.self, MigrationsCommand<ContentPipelineSchema>.self, RestoreCommand<ContentPipelineSchema>.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the service (the default).")

    @OptionGroup var options: ServiceOptions

    @Option(help: "verse-registry instances, HOST:PORT[,HOST:PORT].")
    var verses = LumaDefaults.verses

    @Option(help: "creator-registry instances, HOST:PORT[,HOST:PORT].")
    var creators = LumaDefaults.creators

    @Option(help: "media-store instances, HOST:PORT[,HOST:PORT], which hold uploaded videos.")
    var media = LumaDefaults.media

    @Option(help: "Seed of the template script generator (same seed, same scripts); it also rotates positivity themes.")
    var seed: UInt64 = 0

    @Option(help: "Each channel's time zone, LANG=ZONE[,LANG=ZONE] (IANA names); an approved item is published at midnight of its date there. Default: the language packs' (en=America/New_York, es=America/Mexico_City).")
    var channelTimeZones = ""

    @OptionGroup var generatorOptions: GeneratorOptions

    @OptionGroup var avatarOptions: AvatarOptions

    func run() async throws {
        ServiceRunner.bootstrapLogging(level: options.logLevel, format: options.logFormat)
        let logger = Logger(label: "content-pipeline")
        let listen = try options.listenEndpoint(default: LumaDefaults.content)
        let limits = try options.connectionLimits()
        let metrics = try options.metrics()
        let auth = try options.auth(serviceName: "content-pipeline")
        let versesClient = auth.peerClient(try peerEndpoints(verses, flag: "--verses"), limits: limits, metrics: metrics?.0)
        let creatorsClient = auth.peerClient(try peerEndpoints(creators, flag: "--creators"), limits: limits, metrics: metrics?.0)
        let mediaClient = auth.peerClient(try peerEndpoints(media, flag: "--media"), limits: limits, metrics: metrics?.0)
        let database = try options.openDatabase(default: ContentPipelineSchema.defaultDatabasePath, migrator: ContentPipelineSchema.migrator,
                                                metrics: metrics?.0)
        let assembly = ContentPipelineAssembly.make(
            database: database, databaseName: options.databaseName(default: ContentPipelineSchema.defaultDatabasePath),
            verses: versesClient, creators: creatorsClient, media: mediaClient, seed: seed,
            generator: try generatorOptions.generator(seed: seed, logger: logger),
            publication: PublicationCalendar(zones: PublicationCalendar.bundledZones.merging(try PublicationCalendar.zones(channelTimeZones)) { $1 }),
            rendering: try avatarOptions.rendering(), logger: logger)
        try await ServiceRunner.run(assembly, listen: listen, auth: auth, limits: limits, metrics: metrics,
                                   otelEndpoint: options.otelEndpoint, tls: try options.serverTLS(), logger: logger)
    }
}
