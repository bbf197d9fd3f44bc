import ContentAPI
import CreatorsAPI
import Foundation
import LumaAuth
import LumaRPC
import LumaRPCNIO
import MediaAPI
import MediaClient
import NIOCore
import OpsAPI
import VersesAPI

/// The four services, as the studio calls them. Every call carries a short-lived Luma token
/// minted for the person the request is for (`ActingAs.principal`): an admin token, or a creator
/// token limited to their creator id, so the services enforce what each may see. Sign-in checks
/// go out with the studio's own service token.
public struct StudioBackend: Sendable {
    public let verses: Luma_Verses_V1_VerseRegistryClient
    public let creators: Luma_Creators_V1_CreatorRegistryClient
    public let content: Luma_Content_V1_ContentPipelineClient
    public let contentOperations: Luma_Ops_V1_OperationsClient
    public let creatorOperations: Luma_Ops_V1_OperationsClient
    /// media-store: what the video routes read (GetMedia, ReadMedia), as the person.
    public let media: Luma_Media_V1_MediaStoreClient
    /// The chunk protocol's client side, as the person. Its client does not turn UNAVAILABLE
    /// into `serviceDown`, so the uploader can retry (and ask where the session stands) first.
    public let uploader: MediaUploader

    /// `mediaUploads`: the client uploads go through (`uploadClient`); nil: `media`.
    public init(verses: RPCClient, creators: RPCClient, content: RPCClient, media: RPCClient, mediaUploads: RPCClient? = nil) {
        self.verses = .init(verses)
        self.creators = .init(creators)
        self.content = .init(content)
        contentOperations = .init(content)
        creatorOperations = .init(creators)
        self.media = .init(media)
        uploader = MediaUploader(client: mediaUploads ?? media)
    }

    /// A client for `endpoints` that signs each call for the acting person (nil signer: the
    /// services run with --insecure-dev and no token is sent). `transport`: nil for TCP.
    public static func client(_ endpoints: [RPCEndpoint], signer: TokenSigner?, timeout: TimeAmount = .seconds(10),
                              service: String, transport: (any RPCClientTransport)? = nil, tls: RPCTLSContext? = nil) -> RPCClient {
        var configuration = RPCClient.Configuration()
        configuration.defaultTimeout = timeout
        configuration.interceptors = [NamedServiceInterceptor(service: service)]
            + (signer.map { [ActingAsInterceptor(signer: $0)] } ?? [])
        return make(endpoints, configuration, transport, tls)
    }

    /// media-store's client for uploads: signed like the others, with room for FinishUpload's
    /// checks (ffprobe and a full decode of up to 1 GiB), and failures left to `MediaUploader`.
    public static func uploadClient(_ endpoints: [RPCEndpoint], signer: TokenSigner?, timeout: TimeAmount = .seconds(300),
                                    transport: (any RPCClientTransport)? = nil, tls: RPCTLSContext? = nil) -> RPCClient {
        var configuration = RPCClient.Configuration()
        configuration.defaultTimeout = timeout
        configuration.interceptors = signer.map { [ActingAsInterceptor(signer: $0)] } ?? []
        return make(endpoints, configuration, transport, tls)
    }

    static func make(_ endpoints: [RPCEndpoint], _ configuration: RPCClient.Configuration, _ transport: (any RPCClientTransport)?,
                     _ tls: RPCTLSContext?) -> RPCClient {
        if let transport { return RPCClient(endpoints: endpoints, configuration: configuration, transport: transport) }
        return RPCClient(endpoints: endpoints, configuration: configuration, tls: tls)
    }
}

/// Who the studio is acting for in this task.
public enum ActingAs {
    @TaskLocal public static var principal: Principal?
    static let studio = Principal(subject: "luma-studio", role: .service)
}

/// Mints a 2-minute token for `ActingAs.principal` (or the studio itself) on every call.
struct ActingAsInterceptor: RPCClientInterceptor {
    let signer: TokenSigner

    func intercept(request: RPCClientRequest, next: @Sendable (RPCClientRequest) async throws -> Data) async throws -> Data {
        var request = request
        request.metadata[RPCMetadataKey.authorization] = "Bearer " + signer.mint(ActingAs.principal ?? ActingAs.studio, ttl: 120)
        return try await next(request)
    }
}

/// A service that cannot be reached or answered too late becomes `StudioError.serviceDown`
/// naming it, so the page says which service is down instead of showing an error code. When
/// the service answered but relays a failure of a service it depends on (content-pipeline's
/// UNAVAILABLE because verse-registry is down), the status's `origin` names that one: the
/// page names the service that failed, not the one the studio called.
struct NamedServiceInterceptor: RPCClientInterceptor {
    let service: String

    func intercept(request: RPCClientRequest, next: @Sendable (RPCClientRequest) async throws -> Data) async throws -> Data {
        do {
            return try await next(request)
        } catch let error as RPCError where error.code == .unavailable || error.code == .deadlineExceeded {
            throw StudioError.serviceDown(service: error.origin.isEmpty ? service : error.origin, detail: error.message)
        }
    }
}

/// What a page cannot get past.
public enum StudioError: Error, Sendable {
    case serviceDown(service: String, detail: String)
    case notFound(String)
}

/// People by name instead of by id.
struct Names: Sendable {
    var creators: [Int64: String] = [:]

    /// "Grace Lee", or "creator 7" for one the studio could not name (removed, or not the
    /// person's to see).
    func creator(_ id: Int64) -> String {
        creators[id] ?? "creator \(id)"
    }
}

extension StudioBackend {
    /// Every creator's display name (creator-registry's ListCreators: admins only). For a
    /// creator, their own name, which is all their pages mention.
    func names(for session: StudioSession) async throws -> Names {
        guard session.role == .admin else {
            return Names(creators: session.creatorID.map { [$0: session.name] } ?? [:])
        }
        var names: [Int64: String] = [:], token = ""
        for _ in 0..<20 {   // at most 20 000 creators
            let page = try await creators.listCreators(.with { $0.pageSize = 1000; $0.pageToken = token })
            for creator in page.creators { names[creator.id] = creator.displayName }
            token = page.nextPageToken
            if token.isEmpty { break }
        }
        return Names(creators: names)
    }
}
