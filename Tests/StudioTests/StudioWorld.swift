import ContentAPI
import CreatorsAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import LumaAuth
import LumaRPC
import LumaTestSupport
import Testing
@testable import LumaStudio

/// The four services in this process (InProcessStack) and a studio over them, with an admin
/// (Ada Admin) and two creators: Grace Lee (3 a month) and Mateo Ruiz (1 a month), both
/// filming bible items in English; three bible items planned and generated for 3-5 May 2027.
struct StudioWorld {
    let stack: InProcessStack
    let studio: Studio
    let admin: StudioSession
    let grace: StudioSession
    let graceCreator: Luma_Creators_V1_Creator
    let mateoCreator: Luma_Creators_V1_Creator
    /// content-pipeline as an admin (the test's own calls).
    let content: Luma_Content_V1_ContentPipelineClient
    /// content-pipeline as Grace (what she may do).
    let contentAsGrace: Luma_Content_V1_ContentPipelineClient
    let items: [Int64]

    static func make() async throws -> StudioWorld {
        let stack = try await InProcessStack(authenticated: true)
        let signer = try #require(stack.signer)
        func client(_ endpoint: RPCEndpoint, _ service: String) -> RPCClient {
            StudioBackend.client([endpoint], signer: signer, service: service, transport: stack.network.client)
        }
        let studio = Studio(backend: StudioBackend(
            verses: client(stack.versesEndpoint, "verse-registry"), creators: client(stack.creatorsEndpoint, "creator-registry"),
            content: client(stack.contentEndpoint, "content-pipeline"), media: client(stack.mediaEndpoint, "media-store"),
            mediaUploads: StudioBackend.uploadClient([stack.mediaEndpoint], signer: signer, transport: stack.network.client)))
        let creators = Luma_Creators_V1_CreatorRegistryClient(stack.adminClient(stack.creatorsEndpoint))
        let content = Luma_Content_V1_ContentPipelineClient(stack.adminClient(stack.contentEndpoint))
        let adminUser = try await creators.createUser(.with { $0.email = "ada@example.com"; $0.displayName = "Ada Admin"; $0.role = .admin })
        let graceUser = try await creators.createUser(.with { $0.email = "grace@example.com"; $0.displayName = "Grace Lee"; $0.role = .creator })
        let grace = try await creators.createCreator(.with {
            $0.userID = graceUser.id; $0.displayName = "Grace Lee"; $0.canBible = true; $0.languages = ["en"]; $0.monthlyCapacity = 3
        })
        let mateoUser = try await creators.createUser(.with { $0.email = "mateo@example.com"; $0.displayName = "Mateo Ruiz"; $0.role = .creator })
        let mateo = try await creators.createCreator(.with {
            $0.userID = mateoUser.id; $0.displayName = "Mateo Ruiz"; $0.canBible = true; $0.languages = ["en"]; $0.monthlyCapacity = 1
        })
        _ = try await content.plan(.with { $0.fromDate = "2027-05-03"; $0.toDate = "2027-05-05"; $0.modes = [.bible]; $0.languages = ["en"] })
        let items = try await content.generate(.with { $0.range = .with { $0.fromDate = "2027-05-03"; $0.toDate = "2027-05-05" } }).items
        try #require(items.count == 3)
        let graceToken = signer.mint(Principal(subject: "user:\(graceUser.id)", role: .creator, creatorID: grace.id), ttl: 3600)
        return StudioWorld(
            stack: stack, studio: studio,
            admin: try await studio.sessions.create(userID: adminUser.id, email: adminUser.email, name: "Ada Admin", role: .admin, creatorID: nil),
            grace: try await studio.sessions.create(userID: graceUser.id, email: graceUser.email, name: "Grace Lee", role: .creator, creatorID: grace.id),
            graceCreator: grace, mateoCreator: mateo, content: content,
            contentAsGrace: .init(stack.client(stack.contentEndpoint, token: graceToken)),
            items: items.map(\.id).sorted())
    }

    func item(_ id: Int64) async throws -> Luma_Content_V1_ContentItem { try await content.get(.with { $0.id = id }) }

    func assign(_ id: Int64, to creator: Luma_Creators_V1_Creator) async throws {
        _ = try await content.assign(.with { $0.id = id; $0.creatorID = creator.id })
    }

    func submitAsGrace(_ id: Int64) async throws {
        _ = try await contentAsGrace.submit(.with {
            $0.id = id; $0.videoURL = "https://cdn.example/v/\(id).mp4"; $0.thumbnailURL = "https://cdn.example/t/\(id).jpg"
        })
    }

    static func cookie(_ session: StudioSession) -> HTTPFields { [.cookie: "\(Studio.cookieName)=\(session.id)"] }

    /// A page as `session` sees it (expected to be a 200).
    static func page(_ client: some TestClientProtocol, _ path: String, as session: StudioSession) async throws -> String {
        let response = try await client.execute(uri: path, method: .get, headers: cookie(session), body: nil)
        #expect(response.status == .ok, "\(path): \(response.status)")
        return String(buffer: response.body)
    }

    /// Posts a form as a browser does (the session's CSRF token first), returning where the
    /// studio sends the browser next.
    static func post(_ client: some TestClientProtocol, _ path: String, as session: StudioSession,
                     _ fields: [(String, String)] = []) async throws -> String? {
        func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }
        let body = ([("_csrf", session.csrfToken)] + fields).map { "\(encoded($0.0))=\(encoded($0.1))" }.joined(separator: "&")
        var headers = cookie(session)
        headers[.contentType] = "application/x-www-form-urlencoded"
        let response = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
        #expect(response.status == .seeOther, "\(path): \(response.status) \(String(buffer: response.body).prefix(400))")
        return response.headers[.location]
    }

    /// The text inside the element with `id` (to its closing tag `end`), entities of
    /// apostrophes and ampersands decoded.
    static func element(_ id: String, in page: String, end: String = "</p>") -> String? {
        guard let start = page.range(of: "id=\"\(id)\"") else { return nil }
        let rest = page[start.upperBound...]
        guard let open = rest.firstIndex(of: ">") else { return nil }
        let body = rest[rest.index(after: open)...]
        let close = body.range(of: end)?.lowerBound ?? body.endIndex
        return String(body[..<close]).replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Every `action="/items/ID/VERB"` form on the page, by verb.
    static func itemForms(_ page: String, id: Int64) -> Set<String> {
        let prefix = "action=\"/items/\(id)/"
        var verbs: Set<String> = []
        var rest = page[...]
        while let range = rest.range(of: prefix) {
            let tail = rest[range.upperBound...]
            verbs.insert(String(tail.prefix { $0 != "\"" }))
            rest = tail
        }
        return verbs
    }

    /// The forms a page must offer for `actions`, and no others.
    static func forms(for actions: [Luma_Content_V1_Action]) -> Set<String> {
        Set(actions.flatMap { action -> [String] in
            switch action {
            case .generate: ["generate"]
            case .regenerate: ["regenerate"]
            case .assign: ["assign"]
            case .unassign: ["unassign"]
            case .submit: ["upload", "submit"]
            case .approve: ["approve"]
            case .reject: ["reject"]
            case .delete: ["delete"]
            case .retryRender: ["retry-render"]
            case .unpublish: ["unpublish"]
            case .republish: ["republish"]
            default: []
            }
        })
    }

    /// The item ids linked from the table with `id`, in order.
    static func linkedItems(_ page: String, table id: String) -> [Int64] {
        guard let table = element(id, in: page, end: "</table>") else { return [] }
        var ids: [Int64] = []
        var rest = table[...]
        while let range = rest.range(of: "href=\"/items/") {
            let tail = rest[range.upperBound...]
            if let id = Int64(tail.prefix { $0.isNumber }) { ids.append(id) }
            rest = tail
        }
        return ids
    }
}
