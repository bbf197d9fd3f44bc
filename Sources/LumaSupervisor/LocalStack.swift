import Foundation
import Logging
import LumaAuth
import LumaRPC
import LumaRPCNIO
import NIOConcurrencyHelpers

/// The three Luma services as real processes on loopback, for tests whose behaviour crosses
/// services. Ports are reserved by binding port 0 first, because each service must be told
/// its peers' addresses when it starts.
public final class LumaStack: @unchecked Sendable {
    public let directory: String
    public let ports: (verses: Int, creators: Int, content: Int)
    public private(set) var verses: ServiceProcess?
    public private(set) var creators: ServiceProcess?
    public private(set) var content: ServiceProcess?

    public var versesEndpoint: RPCEndpoint { RPCEndpoint(host: "127.0.0.1", port: ports.verses) }
    public var creatorsEndpoint: RPCEndpoint { RPCEndpoint(host: "127.0.0.1", port: ports.creators) }
    public var contentEndpoint: RPCEndpoint { RPCEndpoint(host: "127.0.0.1", port: ports.content) }

    /// The key file the services share, when started with authentication.
    public let authKeyPath: String?

    /// `authenticated: false` runs the services with `--insecure-dev` (no tokens needed).
    public init(authenticated: Bool = false) async throws {
        directory = temporaryDirectory()
        authKeyPath = authenticated ? directory + "/auth.key" : nil
        if let authKeyPath { try AuthKeyFile.create(at: authKeyPath) }
        let reserved = try await (reservePort(), reservePort(), reservePort())
        ports = reserved
        // verse-registry's first migration imports the KJV and Nave's (seconds in debug), so a
        // migrated template is made once per test process and copied.
        try FileManager.default.copyItem(atPath: try await VerseTemplate.path(), toPath: directory + "/verses.sqlite")
    }

    /// Ports are reserved (bound to 0, then released) before the services bind them; another
    /// test can take one in between, so a failed start is retried with fresh ports.
    public static func start(authenticated: Bool = false, logLevel: String = "warning") async throws -> LumaStack {
        var attempt = 1
        while true {
            let stack = try await LumaStack(authenticated: authenticated)
            stack.logLevel = logLevel
            do {
                try await stack.startVerses()
                try await stack.startCreators()
                try await stack.startContent()
                return stack
            } catch where attempt < 3 {
                attempt += 1
                await stack.stopAll()
            }
        }
    }

    func arguments(_ service: String) -> [String] {
        authArguments + serviceArguments(service)
    }

    var authArguments: [String] { authKeyPath.map { ["--auth-key", $0] } ?? ["--insecure-dev"] }

    func serviceArguments(_ service: String) -> [String] {
        switch service {
        case "verse-registry":
            return ["--db", directory + "/verses.sqlite", "--content", contentEndpoint.description]
        case "creator-registry":
            return ["--db", directory + "/creators.sqlite", "--content", contentEndpoint.description]
        default:
            return ["--db", directory + "/content.sqlite", "--verses", versesEndpoint.description,
                    "--creators", creatorsEndpoint.description]
        }
    }

    public var logLevel = "warning"

    public func startVerses() async throws {
        verses = try await ServiceProcess("verse-registry", arguments("verse-registry") + ["--log-level", logLevel], listen: ports.verses)
    }

    public func startCreators() async throws {
        creators = try await ServiceProcess("creator-registry", arguments("creator-registry") + ["--log-level", logLevel], listen: ports.creators)
    }

    public func startContent() async throws {
        content = try await ServiceProcess("content-pipeline", arguments("content-pipeline") + ["--log-level", logLevel], listen: ports.content)
    }

    public func stopAll() async {
        for process in [content, creators, verses].compactMap({ $0 }) { await process.stop() }
    }

    deinit {
        for process in [content, creators, verses].compactMap({ $0 }) where process.isRunning {
            kill(process.pid, SIGKILL)
        }
    }
}

/// Binds port 0, notes the port, releases it.
public func reservePort() async throws -> Int {
    var quiet = Logger(label: "luma.test.port-probe")
    quiet.logLevel = .critical
    let server = RPCServer(configuration: .init(port: 0), services: [], logger: quiet)
    let port = try await server.start().port!
    await server.shutdown()
    return port
}

/// A verse-registry database migrated once per test process (by the executable itself).
public enum VerseTemplate {
    private static let built = NIOLockedValueBox<Task<String, any Error>?>(nil)

    public static func path() async throws -> String {
        let task = built.withLockedValue { task in
            if let task { return task }
            let new = Task<String, any Error> {
                let path = temporaryDirectory() + "/verses-template.sqlite"
                let result = try await runCommand("verse-registry", ["migrate", "--db", path])
                guard result.status == 0 else { throw ServiceProcessError.didNotStart("verse-registry migrate", result.stderr) }
                return path
            }
            task = new
            return new
        }
        return try await task.value
    }
}
