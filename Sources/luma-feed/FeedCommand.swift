import ArgumentParser
import ContentAPI
import Foundation
import Hummingbird
import Logging
import LumaAuth
import LumaClientOptions
import LumaDefaults
import LumaFeed
import LumaRPC
import LumaRPCNIO
import MediaAPI

/// `luma-feed`: what is published, as HTTP JSON for the app (`/feed/{language}/today`,
/// `/feed/{language}/{YYYY-MM-DD}`). Stateless apart from its cache; run as many as needed
/// behind any HTTP load balancer.
@main
struct FeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "luma-feed",
        abstract: "Serve the published feed as HTTP JSON (http://127.0.0.1:7181/feed/en/today by default).")

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free port and prints it).")
    var listen = LumaDefaults.feed

    @Option(help: "content-pipeline instances, HOST:PORT[,HOST:PORT].")
    var content = LumaDefaults.content

    /// TLS to content-pipeline and media-store (--tls-ca, --tls-cert, --tls-key): luma-feed's certificate.
    @OptionGroup var tls: ClientTLSOptions

    @Option(help: "media-store instances, HOST:PORT[,HOST:PORT], for published videos and thumbnails (\"\" serves none).")
    var media = LumaDefaults.media

    @Option(help: "The address readers reach this feed at (https://feed.example.com), for the media URLs in the JSON; default: paths relative to the feed.")
    var publicURL = ""

    @Option(help: "Seconds a copy of a day is served before content-pipeline is asked again: how late a change reaches readers.")
    var refreshSeconds = 10

    @Option(help: "File with the key the services share; the feed signs its calls with the read-only app role (env LUMA_AUTH_KEY_FILE).")
    var authKey: String?

    @Flag(help: "Call a content-pipeline that runs with --insecure-dev (no tokens). Development only.")
    var insecureDev = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: .hidden) var benchStaticFile: String?

    func validate() throws {
        guard (1...3600).contains(refreshSeconds) else { throw ValidationError("--refresh-seconds must be 1-3600") }
        if !publicURL.isEmpty {
            guard let url = URL(string: publicURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil,
                  url.query == nil, !publicURL.hasSuffix("/") else {
                throw ValidationError("--public-url must be an http(s) address without a trailing slash, like https://feed.example.com, not '\(publicURL)'")
            }
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            return handler
        }
        let logger = Logger(label: "luma-feed")
        let listenAt: RPCEndpoint
        let endpoints: [RPCEndpoint]
        let mediaEndpoints: [RPCEndpoint]
        do {
            listenAt = try RPCEndpoint.parse(listen, allowingPortZero: true)
            endpoints = try RPCEndpoint.parseList(content)
            mediaEndpoints = media.isEmpty ? [] : try RPCEndpoint.parseList(media)
        } catch let error as RPCError {
            throw ValidationError(error.message)
        }
        var configuration = RPCClient.Configuration()
        configuration.defaultTimeout = .seconds(5)
        if let signer = try loadSigner() {
            configuration.interceptors = [AuthClientInterceptor(signer: signer, principal: Principal(subject: "luma-feed", role: .app))]
        }
        let tlsContext = try tls.context()
        let client = RPCClient(endpoints: endpoints, configuration: configuration, tls: tlsContext)
        let mediaClient = mediaEndpoints.isEmpty ? nil : RPCClient(endpoints: mediaEndpoints, configuration: configuration, tls: tlsContext)
        let staticBody = try benchStaticFile.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let cache = FeedCache(source: RPCFeedSource(Luma_Content_V1_ContentPipelineClient(client)),
                              refreshAfter: TimeInterval(refreshSeconds), publicURL: publicURL)
        let feed = Feed(cache: cache, media: mediaClient.map { RPCFeedMediaSource(Luma_Media_V1_MediaStoreClient($0)) }, staticBody: staticBody)
        let app = Application(
            router: feed.router(),
            configuration: .init(address: .hostname(listenAt.host, port: listenAt.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listenAt.port
                // lumactl up and the tests read this line.
                FileHandle.standardOutput.write(Data("luma-feed listening on http://\(listenAt.host):\(port)\n".utf8))
            },
            logger: logger)
        try await app.runService()
        await client.close()
        await mediaClient?.close()
    }

    func loadSigner() throws -> TokenSigner? {
        if insecureDev { return nil }
        guard let path = authKey ?? ProcessInfo.processInfo.environment["LUMA_AUTH_KEY_FILE"] else {
            throw ValidationError("no auth key: pass --auth-key PATH (or set LUMA_AUTH_KEY_FILE) to the key the services share, or --insecure-dev")
        }
        do {
            return try TokenSigner(key: try AuthKeyFile.read(path))
        } catch let error as AuthError {
            throw ValidationError("--auth-key: \(error)")
        }
    }
}
