import Foundation
import Hummingbird
import HummingbirdTesting
import LumaRPC
import LumaRPCNIO
import LumaTestSupport
import NIOConcurrencyHelpers
import Testing
@testable import LumaStudio

/// The studio's rules without a browser: sessions on a simulated clock, CSRF, pages when a
/// service is down, escaping. (The whole workflow in a real browser: Tests/browser/.)
@Suite("Luma Studio (no browser)")
struct StudioTests {
    /// A studio whose services all listen nowhere, with a clock the test moves.
    static func studio(clock: NIOLockedValueBox<Date>) async throws -> Studio {
        let nowhere = RPCEndpoint(host: "127.0.0.1", port: try await reservePort())
        func client(_ service: String) -> RPCClient { StudioBackend.client([nowhere], signer: nil, timeout: .seconds(5), service: service) }
        return Studio(backend: StudioBackend(verses: client("verse-registry"), creators: client("creator-registry"), content: client("content-pipeline"),
                                             media: client("media-store")),
                      sessions: SessionStore(idleTimeout: 600, now: { clock.withLockedValue { $0 } }))
    }

    @Test func aSessionEndsAfterItsIdleTimeAndUseKeepsItAlive() {
        let clock = NIOLockedValueBox(Date(timeIntervalSince1970: 1_800_000_000))
        let store = SessionStore(idleTimeout: 600, now: { clock.withLockedValue { $0 } })
        let session = store.create(userID: 1, email: "a@example.com", name: "A", role: .admin, creatorID: nil)
        clock.withLockedValue { $0 += 599 }
        guard case .active = store.lookup(session.id) else { Issue.record("used within its idle time: active"); return }
        clock.withLockedValue { $0 += 599 }
        guard case .active = store.lookup(session.id) else { Issue.record("each use restarts the idle time"); return }
        clock.withLockedValue { $0 += 600 }
        #expect(store.lookup(session.id) == .expired)
        #expect(store.lookup(session.id) == .none)
        let other = store.create(userID: 2, email: "b@example.com", name: "B", role: .creator, creatorID: 7)
        store.end(other.id)
        #expect(store.lookup(other.id) == .none)
        #expect(session.csrfToken != other.csrfToken && session.id.count == 43)
    }

    @Test func pagesNeedASessionAndAnExpiredOneSaysSo() async throws {
        let clock = NIOLockedValueBox(Date(timeIntervalSince1970: 1_800_000_000))
        let studio = try await Self.studio(clock: clock)
        let session = studio.sessions.create(userID: 1, email: "a@example.com", name: "A", role: .admin, creatorID: nil)
        try await Application(router: studio.router()).test(.router) { client in
            try await client.execute(uri: "/calendar", method: .get) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/sign-in")
            }
            clock.withLockedValue { $0 += 601 }
            try await client.execute(uri: "/calendar", method: .get, headers: [.cookie: "luma_session=\(session.id)"]) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/sign-in?expired=1")
                #expect(response.headers[.setCookie]?.contains("Max-Age=0") == true)
            }
            try await client.execute(uri: "/no/such/page", method: .get) { response in
                #expect(response.status == .notFound && String(buffer: response.body).contains("There is no such page in the studio."))
            }
            try await client.execute(uri: "/sign-in?expired=1", method: .get) { response in
                #expect(String(buffer: response.body).contains("Your session expired. Sign in again."))
                let cookie = response.headers[.setCookie] ?? ""
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            }
        }
    }

    @Test func aFormWithoutItsTokenIsRefusedAndNothingIsCalled() async throws {
        let clock = NIOLockedValueBox(Date())
        let studio = try await Self.studio(clock: clock)
        let session = studio.sessions.create(userID: 1, email: "a@example.com", name: "A", role: .admin, creatorID: nil)
        try await Application(router: studio.router()).test(.router) { client in
            for body in ["", "_csrf=forged", "_csrf=\(session.csrfToken)x"] {
                try await client.execute(uri: "/items/1/approve", method: .post,
                                         headers: [.cookie: "luma_session=\(session.id)", .contentType: "application/x-www-form-urlencoded"],
                                         body: ByteBuffer(string: body)) { response in
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

    /// A service that is down gives a page naming it (503), not a stack trace.
    @Test func aServiceThatIsDownIsNamed() async throws {
        let clock = NIOLockedValueBox(Date())
        let studio = try await Self.studio(clock: clock)
        let admin = studio.sessions.create(userID: 1, email: "a@example.com", name: "A", role: .admin, creatorID: nil)
        let creator = studio.sessions.create(userID: 2, email: "c@example.com", name: "C", role: .creator, creatorID: 3)
        try await Application(router: studio.router()).test(.router) { client in
            try await client.execute(uri: "/calendar?month=2027-01", method: .get, headers: [.cookie: "luma_session=\(admin.id)"]) { response in
                #expect(response.status == .serviceUnavailable)
                let body = String(buffer: response.body)
                #expect(body.contains("content-pipeline is not answering"))
                #expect(!body.contains("RPCError") && !body.contains("Swift"))
            }
            try await client.execute(uri: "/users", method: .get, headers: [.cookie: "luma_session=\(admin.id)"]) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("creator-registry is not answering"))
            }
            // Admin pages are not for creators.
            try await client.execute(uri: "/calendar", method: .get, headers: [.cookie: "luma_session=\(creator.id)"]) { response in
                #expect(response.status == .forbidden)
            }
        }
    }

    @Test func textIsEscapedAndFormsDecode() {
        let name = "<script>alert('x')</script> & \"quotes\""
        let html: HTML = "<p title=\"\(name)\">\(name)</p>"
        #expect(html.markup == "<p title=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;</p>")
        let form = Form.parse("note=Audio+is+too+quiet%3B+re-record&modes=bible&modes=positivity&empty=&name=%C3%A9")
        #expect(form["note"] == "Audio is too quiet; re-record")
        #expect(form.all("modes") == ["bible", "positivity"])
        #expect(form["empty"] == "" && form["name"] == "é" && form["missing"] == nil)
        #expect(SessionStore.constantTimeEqual("abc", "abc") && !SessionStore.constantTimeEqual("abc", "abd") && !SessionStore.constantTimeEqual("abc", "ab"))
    }
}
