import ArgumentParser
import Foundation
import Hummingbird
import Logging
import LumaAuth
import LumaClientOptions
import LumaDefaults
import LumaLogging
import LumaRPC
import LumaStudio

/// `luma-studio`: serves the web app on --listen; a client of the four services like any other.
@main
struct StudioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "luma-studio",
        abstract: "Serve Luma Studio, the web app admins and creators work in (http://127.0.0.1:7180 by default).")

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free port and prints it).")
    var listen = LumaDefaults.studio

    /// TLS to the services (--tls-ca, --tls-cert, --tls-key): its certificate is luma-studio's.
    @OptionGroup var tls: ClientTLSOptions

    @Option(help: "verse-registry instances, HOST:PORT[,HOST:PORT].")
    var verses = LumaDefaults.verses

    @Option(help: "creator-registry instances, HOST:PORT[,HOST:PORT].")
    var creators = LumaDefaults.creators

    @Option(help: "content-pipeline instances, HOST:PORT[,HOST:PORT].")
    var content = LumaDefaults.content

    @Option(help: "media-store instances, HOST:PORT[,HOST:PORT] (videos are uploaded to it and streamed from it).")
    var media = LumaDefaults.media

    @Option(help: "File with the key the services share for signing tokens (env LUMA_AUTH_KEY_FILE).")
    var authKey: String?

    @Flag(help: "Call services that run with --insecure-dev (no tokens). Development only.")
    var insecureDev = false

    @Option(help: "Folder uploads are spooled to on their way to media-store (up to 1 GiB each; default: $TMPDIR or /tmp). Put it on a disk, not a tmpfs.")
    var spoolDir: String?

    @Option(help: "Sign a person out after this many seconds without a request.")
    var sessionIdle = 7200

    @Flag(help: "Mark the session cookie Secure (when served behind HTTPS).")
    var secureCookies = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: "Log format: text, or json.")
    var logFormat = "text"

    func validate() throws {
        guard (1...604_800).contains(sessionIdle) else { throw ValidationError("--session-idle must be 1-604800 seconds") }
        if let spoolDir {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: spoolDir, isDirectory: &isDirectory), isDirectory.boolValue,
                  FileManager.default.isWritableFile(atPath: spoolDir) else {
                throw ValidationError("--spool-dir: \(spoolDir) is not a folder the studio can write to")
            }
        }
    }

    func run() async throws {
        LumaLogging.bootstrap(level: logLevel, format: logFormat)
        let logger = Logger(label: "luma-studio")
        let listenAt: RPCEndpoint
        do { listenAt = try RPCEndpoint.parse(listen, allowingPortZero: true) } catch let error as RPCError {
            throw ValidationError("--listen: \(error.message)")
        }
        let signer = try loadSigner()
        let tlsContext = try tls.context()
        func endpoints(_ text: String, flag: String) throws -> [RPCEndpoint] {
            do { return try RPCEndpoint.parseList(text) } catch let error as RPCError {
                throw ValidationError("--\(flag): \(error.message)")
            }
        }
        func client(_ text: String, flag: String, service: String) throws -> RPCClient {
            StudioBackend.client(try endpoints(text, flag: flag), signer: signer, service: service, tls: tlsContext)
        }
        let sessions = SessionStore(idleTimeout: .seconds(sessionIdle), secureCookies: secureCookies)
        let studio = Studio(
            backend: StudioBackend(verses: try client(verses, flag: "verses", service: "verse-registry"),
                                   creators: try client(creators, flag: "creators", service: "creator-registry"),
                                   content: try client(content, flag: "content", service: "content-pipeline"),
                                   media: try client(media, flag: "media", service: "media-store"),
                                   mediaUploads: StudioBackend.uploadClient(try endpoints(media, flag: "media"), signer: signer, tls: tlsContext)),
            sessions: sessions, secureCookies: secureCookies,
            spoolDirectory: spoolDir ?? NSTemporaryDirectory(), logger: logger)
        var app = Application(
            router: studio.router(),
            configuration: .init(address: .hostname(listenAt.host, port: listenAt.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listenAt.port
                // lumactl up and the tests read this line.
                FileHandle.standardOutput.write(Data("luma-studio listening on http://\(listenAt.host):\(port)\n".utf8))
            },
            logger: logger)
        // The session driver runs beside the server: it drops expired sessions now and then.
        app.addServices(sessions.driver)
        try await app.runService()
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
