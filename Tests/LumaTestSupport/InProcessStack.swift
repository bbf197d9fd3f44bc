import ContentPipeline
import CreatorRegistry
import CreatorRegistryAdapters
import Foundation
import GRDB
import Logging
import LumaAuth
import LumaRPC
import LumaRPCInProcess
import LumaServiceKit
import MediaStore
import NIOConcurrencyHelpers
import VerseRegistry

/// The four Luma services in this process, wired exactly as their executables wire them
/// (`*Assembly.make`), talking Luma RPC to each other over `LumaRPCInProcess`: same routers,
/// interceptors (authentication included), deadlines, outboxes and deliverers, and no socket.
/// For tests of domain behaviour across services; the transport has its own tests, and a few
/// tests still run real processes (crashes, signals, start-up).
public final class InProcessStack: Sendable {
    public let network = InProcessNetwork()
    public let versesEndpoint = RPCEndpoint(host: "verse-registry", port: 7101)
    public let creatorsEndpoint = RPCEndpoint(host: "creator-registry", port: 7102)
    public let contentEndpoint = RPCEndpoint(host: "content-pipeline", port: 7103)
    public let mediaEndpoint = RPCEndpoint(host: "media-store", port: 7104)
    /// media-store's blob directory.
    public let mediaDirectory: String
    /// The shared signing key, when authenticated.
    public let signer: TokenSigner?
    /// Every line the servers logged (level trace), to check what they reveal.
    public let logs = LogCapture()
    public let pausePoints: PausePoints
    /// content-pipeline's render worker, when rendering is configured; with
    /// `drivesRendersManually` it does not run by itself: tests call `runDue()` on their clock.
    public let renderWorker: RenderWorker?
    /// content-pipeline's database, for tests that leave it as a crash would.
    public let contentDatabase: DatabasePool?
    private let servers: [RPCServer]
    private let workers: [Task<Void, Never>]

    public init(authenticated: Bool = false, pausePoints: PausePoints = .none, prober: any MediaProber = FFmpegProber(),
                mediaConfiguration: MediaStoreConfiguration = .init(), rendering: ContentPipelineAssembly.Rendering? = nil,
                drivesRendersManually: Bool = false) async throws {
        let directory = temporaryDirectory()
        mediaDirectory = directory + "/media"
        try FileManager.default.copyItem(atPath: try await VerseTemplate.path(), toPath: directory + "/verses.sqlite")
        let signer = authenticated ? try TokenSigner(key: Data((0..<32).map { _ in UInt8.random(in: 0...255) })) : nil
        self.signer = signer
        self.pausePoints = pausePoints
        let logger = logs.logger
        let network = self.network
        let versesEndpoint = self.versesEndpoint, creatorsEndpoint = self.creatorsEndpoint, contentEndpoint = self.contentEndpoint
        let mediaEndpoint = self.mediaEndpoint
        func auth(_ name: String) -> ServiceAuth { ServiceAuth(signer: signer, serviceName: name) }
        func peer(_ name: String, _ endpoint: RPCEndpoint) -> RPCClient { auth(name).peerClient([endpoint], transport: network.client) }

        let verses = VerseRegistryAssembly.make(
            database: try ServiceDatabase.openForService(path: directory + "/verses.sqlite", migrator: VerseRegistrySchema.migrator).0,
            content: peer("verse-registry", contentEndpoint), pausePoints: pausePoints)
        let creators = CreatorRegistryAssembly.make(
            database: try ServiceDatabase.openForService(path: directory + "/creators.sqlite", migrator: CreatorRegistrySchema.migrator).0,
            content: peer("creator-registry", contentEndpoint), passwords: BcryptPasswordHasher(), logger: logger)
        let contentDatabase = try ServiceDatabase.openForService(path: directory + "/content.sqlite", migrator: ContentPipelineSchema.migrator).0
        self.contentDatabase = contentDatabase
        let content = ContentPipelineAssembly.make(
            database: contentDatabase,
            verses: peer("content-pipeline", versesEndpoint), creators: peer("content-pipeline", creatorsEndpoint),
            media: peer("content-pipeline", mediaEndpoint), rendering: rendering, pausePoints: pausePoints, logger: logger)
        let renderWorker = content.background.compactMap { $0 as? RenderWorker }.first
        self.renderWorker = renderWorker
        let media = MediaStoreAssembly.make(
            database: try ServiceDatabase.openForService(path: directory + "/media.sqlite", migrator: MediaStoreSchema.migrator).0,
            blobs: try BlobDirectory(root: mediaDirectory), content: peer("media-store", contentEndpoint), prober: prober,
            configuration: mediaConfiguration, logger: logger)

        var servers: [RPCServer] = []
        var workers: [Task<Void, Never>] = []
        for (assembly, endpoint) in [(verses, versesEndpoint), (creators, creatorsEndpoint), (content, contentEndpoint), (media, mediaEndpoint)] {
            var configuration = RPCServer.Configuration()
            configuration.interceptors = assembly.interceptors(auth(assembly.name))
            let server = RPCServer(transport: network.server(at: endpoint), services: assembly.providers,
                                   configuration: configuration, logger: logger)
            try await server.start()
            servers.append(server)
            for worker in assembly.background where !(drivesRendersManually && worker is RenderWorker) {
                workers.append(Task { try? await worker.run() })
            }
        }
        self.servers = servers
        self.workers = workers
    }

    /// A client of this stack; with a token, it presents it on every call.
    public func client(_ endpoint: RPCEndpoint, token: String? = nil, configure: (inout RPCClient.Configuration) -> Void = { _ in }) -> RPCClient {
        var configuration = RPCClient.Configuration()
        if let token { configuration.interceptors = [AuthClientInterceptor(token: token)] }
        configure(&configuration)
        return RPCClient(endpoints: [endpoint], configuration: configuration, transport: network.client)
    }

    /// A client with an admin token (or none when unauthenticated).
    public func adminClient(_ endpoint: RPCEndpoint) -> RPCClient {
        client(endpoint, token: signer?.mint(Principal(subject: "test-admin", role: .admin), ttl: 3600))
    }

    public func stop() async {
        for worker in workers { worker.cancel() }
        for server in servers { await server.shutdown() }
    }
}

/// Collects log lines in memory.
public final class LogCapture: Sendable {
    private let lines = NIOLockedValueBox<[String]>([])

    public init() {}

    public var text: String { lines.withLockedValue { $0.joined(separator: "\n") } }

    public var logger: Logger {
        var logger = Logger(label: "luma.test") { label in CapturingHandler(label: label, capture: self) }
        logger.logLevel = .trace
        return logger
    }

    func append(_ line: String) { lines.withLockedValue { $0.append(line) } }

    struct CapturingHandler: LogHandler {
        let label: String
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            let all = metadata.merging(extra ?? [:]) { $1 }
            capture.append("\(level) \(label): \(message) \(all.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))")
        }
    }
}
