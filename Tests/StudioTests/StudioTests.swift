import Foundation
import Hummingbird
import HummingbirdTesting
import LumaRPC
import LumaRPCNIO
import LumaTestSupport
import Testing
@testable import LumaStudio

/// The studio's rules without a browser: sessions on a clock the test moves, CSRF, pages when a
/// service is down, escaping, form decoding. (The whole workflow in a real browser:
/// Tests/browser/; with the services in this process: StudioWorkflowTests.)
@Suite("Luma Studio (no browser)")
struct StudioTests {
    /// A studio whose services all listen nowhere, its sessions on `clock`.
    static func studio(clock: MovableClock) async throws -> Studio {
        let nowhere = RPCEndpoint(host: "127.0.0.1", port: try await reservePort())
        func client(_ service: String) -> RPCClient { StudioBackend.client([nowhere], signer: nil, timeout: .seconds(5), service: service) }
        return Studio(backend: StudioBackend(verses: client("verse-registry"), creators: client("creator-registry"), content: client("content-pipeline"),
                                             media: client("media-store")),
                      sessions: SessionStore(idleTimeout: .seconds(600), clock: clock))
    }

    static func cookie(_ session: StudioSession) -> HTTPFields { [.cookie: "\(Studio.cookieName)=\(session.id)"] }

    /// "/" answers a signed-in person with their home page, anyone else with sign-in: which
    /// one says whether the session is alive, without calling a service.
    static func home(_ client: some TestClientProtocol, _ session: StudioSession) async throws -> String? {
        try await client.execute(uri: "/", method: .get, headers: cookie(session), body: nil).headers[.location]
    }

    @Test func aSessionEndsAfterItsIdleTimeUseKeepsItAliveAndSignOutEndsIt() async throws {
        let clock = MovableClock()
        let studio = try await Self.studio(clock: clock)
        let session = try await studio.sessions.create(userID: 1, email: "a@example.com", name: "A", role: .admin, creatorID: nil)
        let other = try await studio.sessions.create(userID: 2, email: "b@example.com", name: "B", role: .creator, creatorID: 7)
        #expect(session.csrfToken != other.csrfToken && session.id != other.id)
        try await Application(router: studio.router()).test(.router) { client in
            clock.advance(.seconds(599))
            #expect(try await Self.home(client, session) == "/calendar", "used within its idle time: alive")
            clock.advance(.seconds(599))
            #expect(try await Self.home(client, session) == "/calendar", "each use restarts the idle time")
            #expect(try await Self.home(client, other) == "/sign-in?expired=1", "the other one was not used for 1198 s")
            clock.advance(.seconds(601))
            #expect(try await Self.home(client, session) == "/sign-in?expired=1")

            // Signing out removes the session: its cookie, replayed, no longer signs anyone in.
            let fresh = try await studio.sessions.create(userID: 1, email: "a@example.com", name: "A", role: .admin, creatorID: nil)
            var headers = Self.cookie(fresh)
            headers[.contentType] = "application/x-www-form-urlencoded"
            let out = try await client.execute(uri: "/sign-out", method: .post, headers: headers,
                                               body: ByteBuffer(string: "_csrf=\(fresh.csrfToken)"))
            #expect(out.status == .seeOther && out.headers[.location] == "/sign-in")
            #expect(out.headers[values: .setCookie].contains { $0.hasPrefix("\(Studio.cookieName)=") }, "the browser is told to drop it")
            #expect(try await Self.home(client, fresh) != "/calendar")
        }
    }

    @Test func pagesNeedASessionAndAnExpiredOneSaysSo() async throws {
        let clock = MovableClock()
        let studio = try await Self.studio(clock: clock)
        let session = try await studio.sessions.create(userID: 1, email: "a@example.com", name: "A", role: .admin, creatorID: nil)
        try await Application(router: studio.router()).test(.router) { client in
            try await client.execute(uri: "/calendar", method: .get) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/sign-in")
            }
            clock.advance(.seconds(601))
            try await client.execute(uri: "/calendar", method: .get, headers: Self.cookie(session)) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/sign-in?expired=1")
                #expect(response.headers[.setCookie]?.contains("Max-Age=0") == true)
            }
            try await client.execute(uri: "/no/such/page", method: .get) { response in
                #expect(response.status == .notFound && String(buffer: response.body).contains("There is no such page in the studio."))
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
            }
            try await client.execute(uri: "/sign-in?expired=1", method: .get) { response in
                #expect(String(buffer: response.body).contains("Your session expired. Sign in again."))
                let cookie = response.headers[.setCookie] ?? ""
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            }
        }
    }

    @Test func aFormWithoutItsTokenIsRefusedAndNothingIsCalled() async throws {
        let studio = try await Self.studio(clock: MovableClock())
        let session = try await studio.sessions.create(userID: 1, email: "a@example.com", name: "A", role: .admin, creatorID: nil)
        try await Application(router: studio.router()).test(.router) { client in
            for body in ["", "_csrf=forged", "_csrf=\(session.csrfToken)x"] {
                var headers = Self.cookie(session)
                headers[.contentType] = "application/x-www-form-urlencoded"
                try await client.execute(uri: "/items/1/approve", method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
                    // Refused before any call: the services listen nowhere, so a call would be a 503.
                    #expect(response.status == .forbidden, "\(body)")
                    #expect(String(buffer: response.body).contains("Form refused"))
                }
            }
            // A sign-in whose token does not match its cookie.
            try await client.execute(uri: "/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "_csrf=abc&email=a%40example.com&password=x")) { response in
                #expect(response.status == .forbidden)
            }
        }
    }

    /// A service that is down gives a page naming it (503), not a stack trace; admin pages are
    /// not for creators and creators' pages not for admins (403).
    @Test func aServiceThatIsDownIsNamedAndGroupsGuardTheirRoutes() async throws {
        let studio = try await Self.studio(clock: MovableClock())
        let admin = try await studio.sessions.create(userID: 1, email: "a@example.com", name: "A", role: .admin, creatorID: nil)
        let creator = try await studio.sessions.create(userID: 2, email: "c@example.com", name: "C", role: .creator, creatorID: 3)
        try await Application(router: studio.router()).test(.router) { client in
            try await client.execute(uri: "/calendar?month=2027-01", method: .get, headers: Self.cookie(admin)) { response in
                #expect(response.status == .serviceUnavailable)
                let body = String(buffer: response.body)
                #expect(body.contains("content-pipeline is not answering"))
                #expect(!body.contains("RPCError") && !body.contains("Swift"))
            }
            try await client.execute(uri: "/users", method: .get, headers: Self.cookie(admin)) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("creator-registry is not answering"))
            }
            for path in ["/calendar", "/review", "/items", "/users", "/operations"] {
                try await client.execute(uri: path, method: .get, headers: Self.cookie(creator)) { response in
                    #expect(response.status == .forbidden, "\(path)")
                    #expect(String(buffer: response.body).contains("This page is for admins."), "\(path)")
                }
            }
            try await client.execute(uri: "/assignments", method: .get, headers: Self.cookie(admin)) { response in
                #expect(response.status == .forbidden && String(buffer: response.body).contains("This page is for creators."))
            }
            var headers = Self.cookie(creator)
            headers[.contentType] = "application/x-www-form-urlencoded"
            try await client.execute(uri: "/items/1/approve", method: .post, headers: headers,
                                     body: ByteBuffer(string: "_csrf=\(creator.csrfToken)")) { response in
                #expect(response.status == .forbidden && String(buffer: response.body).contains("Only admins can do this."))
            }
        }
    }

    @Test func textIsEscapedAndFormsDecodeWithHummingbird() throws {
        let name = "<script>alert('x')</script> & \"quotes\""
        let html: HTML = "<p title=\"\(name)\">\(name)</p>"
        #expect(html.markup == "<p title=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;</p>")
        // As a browser posts the plan form: the ticked modes as `modes[]`.
        let plan = try URLEncodedFormDecoder().decode(PlanForm.self, from:
            "_csrf=t0k&from_date=2027-01-04&to_date=2027-01-10&languages=en%2C+es&modes%5B%5D=bible&modes%5B%5D=positivity")
        #expect(plan.csrf == "t0k" && plan.fromDate == "2027-01-04" && commaList(plan.languages) == ["en", "es"])
        #expect(plan.modes == ["bible", "positivity"])
        let reject = try URLEncodedFormDecoder().decode(NoteForm.self, from: "note=Audio+is+too+quiet%3B+re-record+%C3%A9")
        #expect(reject.note == "Audio is too quiet; re-record é" && reject.csrf == nil)
        let creator = try URLEncodedFormDecoder().decode(CreatorForm.self, from: "_csrf=x&display_name=Grace&can_bible=on&monthly_capacity=")
        #expect(creator.canBible != nil && creator.canPositivity == nil && trimmed(creator.monthlyCapacity).isEmpty)
        #expect(SessionStore.constantTimeEqual("abc", "abc") && !SessionStore.constantTimeEqual("abc", "abd") && !SessionStore.constantTimeEqual("abc", "ab"))
    }
}
