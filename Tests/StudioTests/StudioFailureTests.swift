import ContentAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import LumaRPC
import LumaTestSupport
import NIOConcurrencyHelpers
import NIOCore
import Testing
@testable import LumaStudio

/// content-pipeline as a script: each method answers a given message or fails with a given
/// status, as a real one does when verse-registry is down (UNAVAILABLE, origin
/// "verse-registry"). InProcessStack cannot stop one service, so this is how the studio's
/// words for a half-done plan are checked.
final class ScriptedContentPipeline: RPCClientTransport, RPCClientConnection, @unchecked Sendable {
    /// By method name ("Plan"): the answer's bytes, or the status it fails with.
    let script: [String: Result<Data, RPCError>]
    let calls = NIOLockedValueBox<[String]>([])

    init(_ script: [String: Result<Data, RPCError>]) { self.script = script }

    func connect(to endpoint: RPCEndpoint) async throws -> any RPCClientConnection { self }
    var isUsable: Bool { true }
    func send(method: String, payload: Data, metadata: [String: String], deadline: NIODeadline?) async throws -> Data {
        let name = String(method.split(separator: "/").last ?? "")
        calls.withLockedValue { $0.append(name) }
        switch script[name] {
        case .success(let data): return data
        case .failure(let error): throw error
        case nil: throw RPCError(.unimplemented, "not scripted: \(name)")
        }
    }
    func whenClosed(_ body: @escaping @Sendable (RPCError?) -> Void) {}
    func close() async {}
}

@Suite("Luma Studio: failures say what was and was not changed")
struct StudioFailureTests {
    static let verseRegistryDown = RPCError(.unavailable, "verse-registry is not answering (connection refused)", origin: "verse-registry")

    static func studio(content: ScriptedContentPipeline) async throws -> Studio {
        let nowhere = RPCEndpoint(host: "127.0.0.1", port: try await reservePort())
        func client(_ service: String) -> RPCClient { StudioBackend.client([nowhere], signer: nil, timeout: .seconds(5), service: service) }
        return Studio(backend: StudioBackend(
            verses: client("verse-registry"), creators: client("creator-registry"),
            content: StudioBackend.client([RPCEndpoint(host: "content-pipeline", port: 7103)], signer: nil, service: "content-pipeline",
                                          transport: content),
            media: client("media-store")))
    }

    /// Plan answered, Generate failed because verse-registry is down: the items exist, and the
    /// page says so, naming verse-registry, as an error (not a green banner), on the planned month.
    @Test func aPlanWhoseGenerateFailedSaysTheItemsWereKept() async throws {
        let planned = try Luma_Content_V1_PlanResponse.with { $0.created = 14 }.serializedData()
        let content = ScriptedContentPipeline([
            "Plan": .success(planned), "Generate": .failure(Self.verseRegistryDown),
            "Board": .success(try Luma_Content_V1_BoardResponse().serializedData()),
        ])
        let studio = try await Self.studio(content: content)
        let admin = try await studio.sessions.create(userID: 1, email: "a@example.com", name: "A", role: .admin, creatorID: nil)
        try await Application(router: studio.router()).test(.router) { client in
            let back = try await StudioWorld.post(client, "/plan", as: admin, [
                ("from_date", "2027-01-01"), ("to_date", "2027-01-07"), ("languages", "en"), ("modes[]", "bible"), ("modes[]", "positivity"),
            ])
            #expect(back == "/calendar?month=2027-01")
            let page = try await StudioWorld.page(client, "/calendar?month=2027-01", as: admin)
            #expect(StudioWorld.element("flash", in: page) == "Planned 14 new items for 2027-01-01 to 2027-01-07; they were not generated "
                + "because verse-registry is not answering. They are kept as empty items; generate them when it is back.", "\(page)")
            #expect(page.contains("<p class=\"error\" role=\"alert\" id=\"flash\">"), "an error, not a success")
            #expect(!page.contains("Nothing was changed") && !page.contains("content-pipeline is not answering"))
        }
        #expect(content.calls.withLockedValue { $0 }.prefix(2) == ["Plan", "Generate"])
    }

    /// A page whose call content-pipeline failed because of verse-registry names verse-registry.
    @Test func aRelayedFailureNamesTheServiceThatFailed() async throws {
        let studio = try await Self.studio(content: ScriptedContentPipeline(["Board": .failure(Self.verseRegistryDown)]))
        let admin = try await studio.sessions.create(userID: 1, email: "a@example.com", name: "A", role: .admin, creatorID: nil)
        try await Application(router: studio.router()).test(.router) { client in
            let response = try await client.execute(uri: "/calendar?month=2027-01", method: .get, headers: StudioWorld.cookie(admin), body: nil)
            #expect(response.status == .serviceUnavailable)
            let body = String(buffer: response.body)
            #expect(body.contains("<h1>verse-registry is not answering</h1>") && !body.contains("content-pipeline is not answering"))
        }
    }

    /// Generate answered with failures: they are counted and said in words (never the raw
    /// `reason`), and the banner is an error.
    @Test func generateFailuresAreWordsNotCodes() {
        let planned = Luma_Content_V1_PlanResponse.with { $0.created = 4; $0.existing = 1 }
        let down = Luma_Content_V1_GenerateResponse.with {
            $0.generated = 2
            $0.failures = ["2027-01-03", "2027-01-04"].map { date in .with {
                $0.postDate = date; $0.code = 14; $0.origin = "verse-registry"
                $0.reason = "UNAVAILABLE: verse-registry is not answering"; $0.message = "verse-registry is not answering"
            } }
        }
        let report = PlanReport.words(from: "2027-01-01", to: "2027-01-04", planned: planned, generated: down, error: nil)
        #expect(report.message == "Planned 4 new items for 2027-01-01 to 2027-01-04 (1 already there); generated 2; 2 were not generated "
            + "because verse-registry is not answering. They are kept as empty items; generate them when it is back.")
        #expect(!report.success)
        let exhausted = Luma_Content_V1_GenerateResponse.with {
            $0.generated = 3
            $0.failures = [.with {
                $0.postDate = "2027-01-02"; $0.code = 9; $0.field = "category"
                $0.reason = "FAILED_PRECONDITION: category patience has no unused verse (field: category)"
                $0.message = "category patience has no unused verse"
            }]
        }
        let one = PlanReport.words(from: "2027-01-01", to: "2027-01-04", planned: planned, generated: exhausted, error: nil)
        #expect(one.message.hasSuffix("1 was not generated, kept as empty items. 2027-01-02: Category patience has no unused verse."), "\(one.message)")
        #expect(!one.message.contains("FAILED_PRECONDITION") && !one.success)
        let fine = PlanReport.words(from: "2027-01-01", to: "2027-01-04", planned: planned, generated: .with { $0.generated = 4 }, error: nil)
        #expect(fine.success && fine.message == "Planned 4 new items for 2027-01-01 to 2027-01-04 (1 already there); generated 4.")
    }
}
