import ArgumentParser
import Foundation
import LumaDefaults
import LumaRPC
import LumaClientOptions
import LumaRPCNIO

/// Where the services are: flags, else LUMA_VERSES / LUMA_CREATORS / LUMA_CONTENT / LUMA_MEDIA, else the
/// local stack's defaults.
public struct EndpointOptions: ParsableArguments {
    @Option(help: "verse-registry HOST:PORT[,HOST:PORT] (env LUMA_VERSES; default \(LumaDefaults.verses)).")
    var verses: String?

    @Option(help: "creator-registry HOST:PORT[,HOST:PORT] (env LUMA_CREATORS; default \(LumaDefaults.creators)).")
    var creators: String?

    @Option(help: "content-pipeline HOST:PORT[,HOST:PORT] (env LUMA_CONTENT; default \(LumaDefaults.content)).")
    var content: String?

    @Option(help: "media-store HOST:PORT[,HOST:PORT] (env LUMA_MEDIA; default \(LumaDefaults.media)).")
    var media: String?

    @Option(help: "Call timeout in seconds.")
    var timeout: Double = 30

    @Option(help: "Largest RPC frame sent or accepted, in bytes (1024-268435456).")
    var maxFrameSize: Int = RPCConnectionLimits().maxFrameSize

    @Flag(help: "Print JSON instead of tables.")
    var json = false

    @Option(help: "Bearer token (env LUMA_TOKEN; default: an admin token from the local stack's key, if present).")
    var token: String?

    @OptionGroup var tls: ClientTLSOptions

    public init() {}

    public func validate() throws {
        guard timeout > 0, timeout.isFinite else {
            throw ValidationError("--timeout must be a number of seconds above 0, not \(timeout)")
        }
        guard (1024...268_435_456).contains(maxFrameSize) else {
            throw ValidationError("--max-frame-size must be between 1024 and 268435456 bytes, not \(maxFrameSize)")
        }
    }

    func endpoints(_ flag: String?, env: String, fallback: String) throws -> [RPCEndpoint] {
        let text = flag ?? ProcessInfo.processInfo.environment[env] ?? fallback
        do {
            return try RPCEndpoint.parseList(text)
        } catch let error as RPCError {
            throw ValidationError("\(env.lowercased()): \(error.message)")
        }
    }

    func client(_ endpoints: [RPCEndpoint], service: String? = nil) throws -> RPCClient {
        var configuration = RPCClient.Configuration()
        configuration.defaultTimeout = .nanoseconds(Int64(timeout * 1e9))
        configuration.limits.maxFrameSize = maxFrameSize
        configuration.interceptors = Credentials.interceptors(flag: token)
            + (service.map { [UnreachableServiceInterceptor(service: $0, endpoints: endpoints)] } ?? [])
        return OpenClients.shared.track(RPCClient(endpoints: endpoints, configuration: configuration, tls: try tls.context()))
    }

    func versesClient() throws -> RPCClient { try client(try endpoints(verses, env: "LUMA_VERSES", fallback: LumaDefaults.verses), service: "verse-registry") }
    func creatorsClient() throws -> RPCClient { try client(try endpoints(creators, env: "LUMA_CREATORS", fallback: LumaDefaults.creators), service: "creator-registry") }
    func contentClient() throws -> RPCClient { try client(try endpoints(content, env: "LUMA_CONTENT", fallback: LumaDefaults.content), service: "content-pipeline") }
    func mediaClient() throws -> RPCClient { try client(try endpoints(media, env: "LUMA_MEDIA", fallback: LumaDefaults.media), service: "media-store") }
}

/// Says which service could not be reached, where, and what to do, instead of a bare
/// connection error.
struct UnreachableServiceInterceptor: RPCClientInterceptor {
    let service: String
    let endpoints: [RPCEndpoint]

    func intercept(request: RPCClientRequest, next: @Sendable (RPCClientRequest) async throws -> Data) async throws -> Data {
        do {
            return try await next(request)
        } catch let error as RPCError where error.code == .unavailable && error.message.hasPrefix("cannot connect") {
            let addresses = endpoints.map(\.description).joined(separator: ", ")
            throw RPCError.unavailable("\(service) at \(addresses) could not be reached (\(error.message)); is the stack running? "
                + "`lumactl up` (or scripts/run.sh) starts it; --\(flag) or LUMA_\(flag.uppercased()) point elsewhere")
        }
    }

    private var flag: String {
        switch service {
        case "verse-registry": "verses"
        case "creator-registry": "creators"
        case "media-store": "media"
        default: "content"
        }
    }
}
