import ContentAPI
import ContentPipeline
import CreatorsAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import LumaRPC
import LumaTestSupport
import NIOConcurrencyHelpers
import Testing
@testable import LumaStudio

/// AI creators' renders in the studio: the item page says where the render is in words, a failed
/// one has Retry render (and the service's refusal under it), the operations page lists the jobs,
/// and assigning an AI creator without a vendor is refused next to the creator field. The
/// services run in this process; the render worker is driven by the test on its own clock.
@Suite("Luma Studio: renders", .serialized)
struct StudioRenderTests {
    struct World {
        let stack: InProcessStack
        let studio: Studio
        let admin: StudioSession
        let vendor: ScriptedVendor
        let clock: TestClock
        let content: Luma_Content_V1_ContentPipelineClient
        let ai: Luma_Creators_V1_Creator
        let person: Luma_Creators_V1_Creator
        let items: [Int64]

        /// `vendor` nil: content-pipeline has no avatar vendor configured.
        static func make(vendor: ScriptedVendor? = ScriptedVendor(pollsBeforeDone: 1), days: Int = 2) async throws -> World {
            let clock = TestClock()
            var rendering: ContentPipelineAssembly.Rendering?
            if let vendor {
                var configured = ContentPipelineAssembly.Rendering(vendor: vendor, voices: ["en": "voice-en"])
                configured.now = { clock.now }
                configured.jitter = { 1 }
                rendering = configured
            }
            let stack = try await InProcessStack(authenticated: true, rendering: rendering, drivesRendersManually: true)
            let signer = stack.signer
            func client(_ endpoint: RPCEndpoint, _ service: String) -> RPCClient {
                StudioBackend.client([endpoint], signer: signer, service: service, transport: stack.network.client)
            }
            let backend = StudioBackend(
                verses: client(stack.versesEndpoint, "verse-registry"), creators: client(stack.creatorsEndpoint, "creator-registry"),
                content: client(stack.contentEndpoint, "content-pipeline"), media: client(stack.mediaEndpoint, "media-store"),
                mediaUploads: StudioBackend.uploadClient([stack.mediaEndpoint], signer: signer, transport: stack.network.client))
            let studio = Studio(backend: backend)
            let creators = Luma_Creators_V1_CreatorRegistryClient(stack.adminClient(stack.creatorsEndpoint))
            let content = Luma_Content_V1_ContentPipelineClient(stack.adminClient(stack.contentEndpoint))
            let aiUser = try await creators.createUser(.with { $0.email = "ava@example.com"; $0.displayName = "Ava"; $0.role = .creator })
            let ai = try await creators.createCreator(.with {
                $0.userID = aiUser.id; $0.displayName = "Ava (AI)"; $0.isAi = true; $0.heygenAvatarID = "ava-01"
                $0.canBible = true; $0.canPositivity = true; $0.monthlyCapacity = 31
            })
            let user = try await creators.createUser(.with { $0.email = "grace@example.com"; $0.displayName = "Grace"; $0.role = .creator })
            let person = try await creators.createCreator(.with {
                $0.userID = user.id; $0.displayName = "Grace"; $0.canBible = true; $0.canPositivity = true; $0.monthlyCapacity = 31
            })
            _ = try await content.plan(.with { $0.fromDate = "2027-03-01"; $0.toDate = "2027-03-0\(days)"; $0.modes = [.positivity] })
            let items = try await content.generate(.with { $0.range = .with { $0.fromDate = "2027-03-01"; $0.toDate = "2027-03-0\(days)" } }).items
            try #require(items.count == days)
            return World(stack: stack, studio: studio,
                         admin: try await studio.sessions.create(userID: 1, email: "admin@example.com", name: "Admin", role: .admin, creatorID: nil),
                         vendor: vendor ?? ScriptedVendor(pollsBeforeDone: 1), clock: clock, content: content, ai: ai, person: person,
                         items: items.map(\.id))
        }

        var worker: RenderWorker { stack.renderWorker! }

        func assignToAI(_ id: Int64) async throws {
            _ = try await content.assign(.with { $0.id = id; $0.creatorID = ai.id })
        }

        func item(_ id: Int64) async throws -> Luma_Content_V1_ContentItem { try await content.get(.with { $0.id = id }) }
    }

    static func cookie(_ session: StudioSession) -> HTTPFields { [.cookie: "luma_session=\(session.id)"] }

    static func page(_ client: some TestClientProtocol, _ path: String, as session: StudioSession) async throws -> String {
        let response = try await client.execute(uri: path, method: .get, headers: cookie(session), body: nil)
        #expect(response.status == .ok, "\(path): \(response.status)")
        return String(buffer: response.body)
    }

    /// Posts a form with the session's CSRF token; the studio answers with a redirect.
    static func post(_ client: some TestClientProtocol, _ path: String, as session: StudioSession, _ fields: [String: String] = [:]) async throws -> String? {
        var all = fields
        all["_csrf"] = session.csrfToken
        let body = all.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        var headers = cookie(session)
        headers[.contentType] = "application/x-www-form-urlencoded"
        let response = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
        #expect(response.status == .seeOther, "\(path): \(response.status)")
        return response.headers[.location]
    }

    /// The paragraph `id` of a page, as text (entities of apostrophes decoded).
    static func element(_ id: String, in page: String) -> String? {
        guard let start = page.range(of: "id=\"\(id)\"") else { return nil }
        let rest = page[start.upperBound...]
        guard let open = rest.firstIndex(of: ">") else { return nil }
        let body = rest[rest.index(after: open)...]
        let end = body.range(of: "</p>")?.lowerBound ?? body.endIndex
        return String(body[..<end]).replacingOccurrences(of: "&#39;", with: "'")
    }

    @Test func aFailedRenderSaysWhyWithRetryAndARetryMovesItOn() async throws {
        let w = try await World.make()
        let id = w.items[0]
        w.vendor.state.withLockedValue { $0.startError = VendorError(.permanent, "HeyGen does not know the creator's avatar id (ava-01)") }
        try await w.assignToAI(id)
        await w.worker.runDue()
        try #require(try await w.item(id).render.state == "failed")
        try await Application(router: w.studio.router()).test(.router) { client in
            var html = try await Self.page(client, "/items/\(id)", as: w.admin)
            #expect(Self.element("render-status", in: html) == "Failed: HeyGen does not know the creator's avatar id (ava-01)")
            #expect(html.contains("action=\"/items/\(id)/retry-render\"") && html.contains(">Retry render</button>"))
            #expect(html.contains("name=\"_csrf\" value=\"\(w.admin.csrfToken)\""))
            #expect(html.contains("action=\"/items/\(id)/unassign\""), "a person can be assigned instead")

            // A retry the service refuses (here: another admin retried it meanwhile) is shown under the
            // button in words; the studio does not decide.
            _ = try await w.content.retryRender(.with { $0.id = id })
            #expect(try await Self.post(client, "/items/\(id)/retry-render", as: w.admin) == "/items/\(id)")
            html = try await Self.page(client, "/items/\(id)", as: w.admin)
            let refusal = try #require(Self.element("field-render-error", in: html))
            #expect(refusal == "Item \(id)'s render is starting, not failed: nothing to retry.", "\(refusal)")
            #expect(!html.contains(">Retry render</button>"), "the job is not failed any more")

            // Fails again; the admin retries from the page; the vendor now answers.
            await w.worker.runDue()
            try #require(try await w.item(id).render.state == "failed")
            w.vendor.state.withLockedValue { $0.startError = nil }
            #expect(try await Self.post(client, "/items/\(id)/retry-render", as: w.admin) == "/items/\(id)")
            html = try await Self.page(client, "/items/\(id)", as: w.admin)
            #expect(Self.element("flash", in: html)?.hasPrefix("Retrying the render: Asking HeyGen to render") == true)
            await w.worker.runDue()
            html = try await Self.page(client, "/items/\(id)", as: w.admin)
            let rendering = try #require(Self.element("render-status", in: html))
            #expect(rendering.hasPrefix("Rendering at HeyGen (video v-1, next check ") && rendering.hasSuffix(" UTC)"), "\(rendering)")
            #expect(!html.contains(">Retry render</button>"))

            // Polled until done, stored, submitted: the page says who rendered it and plays it.
            for _ in 0..<6 {
                if try await w.item(id).status == .submitted { break }
                w.clock.advance(60)
                await w.worker.runDue()
            }
            html = try await Self.page(client, "/items/\(id)", as: w.admin)
            #expect(Self.element("render-status", in: html) == "Submitted: rendered by Ava (AI) (video v-1)")
            #expect(html.contains("<video id=\"item-video\"") && html.contains(">Approve</button>"))
        }
        await w.stack.stop()
    }

    @Test func aRetryableFailureSaysItIsRetrying() async throws {
        let w = try await World.make(days: 1)
        let id = w.items[0]
        w.vendor.state.withLockedValue { $0.startError = VendorError(.retryable, "HeyGen is busy (HTTP 503)") }
        try await w.assignToAI(id)
        await w.worker.runDue()
        try await Application(router: w.studio.router()).test(.router) { client in
            let html = try await Self.page(client, "/items/\(id)", as: w.admin)
            let status = try #require(Self.element("render-status", in: html))
            #expect(status.hasPrefix("Retrying after: HeyGen is busy (HTTP 503) (attempt 1, next try "), "\(status)")
            #expect(!html.contains(">Retry render</button>"), "it retries by itself")
        }
        await w.stack.stop()
    }

    @Test func theOperationsPageListsRendersInFlightAndFailed() async throws {
        let w = try await World.make(days: 2)
        let (failing, rendering) = (w.items[0], w.items[1])
        w.vendor.state.withLockedValue { $0.startError = VendorError(.permanent, "HeyGen refused the script: it is too long") }
        try await w.assignToAI(failing)
        await w.worker.runDue()
        w.vendor.state.withLockedValue { $0.startError = nil }
        try await w.assignToAI(rendering)
        await w.worker.runDue()
        try #require(try await w.item(failing).render.state == "failed")
        try #require(try await w.item(rendering).render.state == "rendering")
        try await Application(router: w.studio.router()).test(.router) { client in
            let html = try await Self.page(client, "/operations", as: w.admin)
            let summary = try #require(Self.element("renders-summary", in: html))
            #expect(summary.hasPrefix("1 in flight; the oldest was assigned ") && summary.hasSuffix(" ago. 1 failed."), "\(summary)")
            let inFlight = try #require(html.range(of: "id=\"renders-in-flight\"").map { String(html[$0.lowerBound...]) })
            let flightTable = String(inFlight[..<(inFlight.range(of: "</table>")?.lowerBound ?? inFlight.endIndex)])
            #expect(flightTable.contains("<a href=\"/items/\(rendering)\">Item \(rendering)</a>"))
            #expect(flightTable.contains("Ava (AI) (\(w.ai.id))") && flightTable.contains("Rendering at HeyGen (video v-1"))
            #expect(!flightTable.contains("/items/\(failing)\""))
            let failed = try #require(html.range(of: "id=\"renders-failed\"").map { String(html[$0.lowerBound...]) })
            #expect(failed.contains("<a href=\"/items/\(failing)\">Item \(failing)</a>"))
            #expect(failed.contains("HeyGen refused the script: it is too long"))
        }
        await w.stack.stop()
    }

    @Test func assigningAnAICreatorWithoutAVendorIsRefusedNextToTheCreatorField() async throws {
        let w = try await World.make(vendor: nil, days: 1)
        let id = w.items[0]
        try await Application(router: w.studio.router()).test(.router) { client in
            var html = try await Self.page(client, "/items/\(id)", as: w.admin)
            // content-pipeline lists Ava as not assignable here, saying why; the option says so.
            let ava = try #require(try await w.content.listAssignableCreators(.with { $0.id = id }).creators.first { $0.creatorID == w.ai.id })
            #expect(!ava.assignable && ava.reason.contains("LUMA_HEYGEN_API_KEY"), "\(ava)")
            #expect(html.contains("<option value=\"\(w.ai.id)\" disabled>Ava (AI): 31 of 31 left in 2027-03; \(HTML.escape(ava.reason))</option>"), "\(html)")
            #expect(html.contains("<option value=\"\(w.person.id)\">Grace: 31 of 31 left in 2027-03</option>"))
            // A form posted with it anyway (a page from before the vendor went away) is refused next to the field.
            #expect(try await Self.post(client, "/items/\(id)/assign", as: w.admin, ["creator_id": "\(w.ai.id)"]) == "/items/\(id)")
            html = try await Self.page(client, "/items/\(id)", as: w.admin)
            let refusal = try #require(Self.element("field-creator_id-error", in: html))
            #expect(refusal.contains("LUMA_HEYGEN_API_KEY") && refusal.contains("cannot render videos"), "\(refusal)")
            #expect(html.contains("href=\"#field-creator_id\""), "the summary links to the field")
            #expect(try await w.item(id).status == .generated)
            // A person instead.
            #expect(try await Self.post(client, "/items/\(id)/assign", as: w.admin, ["creator_id": "\(w.person.id)"]) == "/items/\(id)")
            #expect(try await w.item(id).status == .assigned)
            html = try await Self.page(client, "/items/\(id)", as: w.admin)
            #expect(!html.contains("id=\"render-status\""), "a person's item has no render")
        }
        await w.stack.stop()
    }
}
