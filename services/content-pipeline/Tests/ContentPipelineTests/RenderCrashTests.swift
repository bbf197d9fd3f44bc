import ContentAPI
import CreatorsAPI
import FakeHeyGen
import Foundation
import GRDB
import LumaRPC
import LumaRPCNIO
import LumaTestSupport
import NIOConcurrencyHelpers
import Testing
@testable import ContentPipeline
@testable import ContentPipelineAdapters

/// The four services as real processes (content-pipeline rendering through HeyGenVendor), the
/// fake HeyGen in this process, so a test reads its counters, changes its scenario while it runs,
/// and kills content-pipeline with SIGKILL at the step it means to, then restarts it on the
/// same database with the same flags.
final class RenderProcessStack: @unchecked Sendable {
    static let apiKey = "render-crash-test-key"

    let directory = temporaryDirectory()
    let fake: FakeHeyGenServer
    let ports: (verses: Int, creators: Int, content: Int, media: Int)
    private(set) var processes: [String: ServiceProcess] = [:]
    let content: Luma_Content_V1_ContentPipelineClient
    let creators: Luma_Creators_V1_CreatorRegistryClient
    /// HeyGenVendor on the fake, for the test to ask it what the worker would.
    let vendor: HeyGenVendor

    var contentProcess: ServiceProcess { processes["content-pipeline"]! }

    private init(fake: FakeHeyGenServer) async throws {
        self.fake = fake
        ports = try await (reservePort(), reservePort(), reservePort(), reservePort())
        try FileManager.default.copyItem(atPath: try await VerseTemplate.path(), toPath: directory + "/verses.sqlite")
        var configuration = RPCClient.Configuration()
        configuration.defaultTimeout = .seconds(20)
        content = .init(RPCClient(endpoints: [Self.endpoint(ports.content)], configuration: configuration))
        creators = .init(RPCClient(endpoints: [Self.endpoint(ports.creators)], configuration: configuration))
        vendor = try HeyGenVendor(configuration: .init(baseURL: fake.baseURL, apiKey: Self.apiKey))
    }

    static func endpoint(_ port: Int) -> RPCEndpoint { RPCEndpoint(host: "127.0.0.1", port: port) }

    /// The fake (with `scenario`) and the four services. Ports are reserved before the services
    /// bind them, so a start that lost a port to another test is tried again with fresh ones.
    static func start(_ scenario: (inout FakeHeyGenScenario) -> Void = { _ in }) async throws -> RenderProcessStack {
        var settings = FakeHeyGenScenario()
        settings.apiKey = apiKey
        settings.pollsToComplete = 1
        scenario(&settings)
        let fake = FakeHeyGenServer(scenario: settings)
        try await fake.start()
        var attempt = 1
        while true {
            let stack = try await RenderProcessStack(fake: fake)
            do {
                try await stack.startServices()
                return stack
            } catch where attempt < 3 {
                attempt += 1
                await stack.stopServices()
            } catch {
                await stack.stop()
                throw error
            }
        }
    }

    private func startServices() async throws {
        let content = Self.endpoint(ports.content).description
        processes["verse-registry"] = try await ServiceProcess("verse-registry", [
            "--insecure-dev", "--db", directory + "/verses.sqlite", "--content", content, "--log-level", "warning",
        ], listen: ports.verses)
        processes["creator-registry"] = try await ServiceProcess("creator-registry", [
            "--insecure-dev", "--db", directory + "/creators.sqlite", "--content", content, "--log-level", "warning",
        ], listen: ports.creators)
        processes["media-store"] = try await ServiceProcess("media-store", [
            "--insecure-dev", "--db", directory + "/media-store.sqlite", "--media-dir", directory + "/media", "--content", content,
            "--log-level", "warning",
        ], listen: ports.media)
        try await startContent()
    }

    /// content-pipeline, always with the same flags and database (a restart is this again).
    func startContent() async throws {
        processes["content-pipeline"] = try await ServiceProcess("content-pipeline", [
            "--insecure-dev", "--db", directory + "/content.sqlite",
            "--verses", Self.endpoint(ports.verses).description, "--creators", Self.endpoint(ports.creators).description,
            "--media", Self.endpoint(ports.media).description,
            "--avatar-url", fake.baseURL, "--avatar-voices", "en=fake-voice-en,es=fake-voice-es", "--log-level", "info",
        ], listen: ports.content, environment: ["LUMA_HEYGEN_API_KEY": Self.apiKey])
    }

    /// SIGKILL: the worker gets no chance to write anything more.
    func killContent() async {
        await contentProcess.kill()
    }

    private func stopServices() async {
        for name in ["content-pipeline", "media-store", "creator-registry", "verse-registry"] {
            if let process = processes[name] { await process.stop() }
        }
    }

    func stop() async {
        await stopServices()
        await fake.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// What the services printed, for a failure's message.
    var logs: String {
        processes.sorted { $0.key < $1.key }.map { "--- \($0.key)\n\($0.value.log.suffix(6000))" }.joined(separator: "\n")
    }

    /// An AI creator (its avatar renders in the fake) and `days` generated positivity items.
    func aiCreatorAndItems(days: Int = 1) async throws -> (Luma_Creators_V1_Creator, [Luma_Content_V1_ContentItem]) {
        let user = try await creators.createUser(.with { $0.email = "ava@example.com"; $0.displayName = "Ava"; $0.role = .creator })
        let ai = try await creators.createCreator(.with {
            $0.userID = user.id; $0.displayName = "Ava (AI)"; $0.isAi = true; $0.heygenAvatarID = "Ava-inTshirt-20220820"
            $0.canBible = true; $0.canPositivity = true; $0.monthlyCapacity = 31
        })
        let last = String(format: "2027-03-%02d", days)
        _ = try await content.plan(.with { $0.fromDate = "2027-03-01"; $0.toDate = last; $0.modes = [.positivity] })
        let items = try await content.generate(.with { $0.range = .with { $0.fromDate = "2027-03-01"; $0.toDate = last } }).items
        try #require(items.count == days)
        return (ai, items)
    }

    func item(_ id: Int64) async throws -> Luma_Content_V1_ContentItem { try await content.get(.with { $0.id = id }) }

    /// The job as `lumactl renders` lists it (ListRenders).
    func listedJob(_ id: Int64) async throws -> Luma_Content_V1_RenderJob? {
        try await content.listRenders(.init()).jobs.first { $0.id == id }
    }

    /// Polls `condition` until it holds (true) or `timeout` passes (false, and the services'
    /// logs are recorded as an issue, saying what was awaited).
    func until(_ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async -> Bool {
        let held = await eventually(timeout: timeout) { (try? await condition()) ?? false }
        if !held { Issue.record("timed out waiting until \(what); fake: \(fake.counters)\n\(logs)") }
        return held
    }
}

/// kill -9 of content-pipeline at the two crash points of a render (docs/rendering.md, "Never
/// paying twice"), and an unassign during a render, with real processes: the in-process
/// RenderWorkerTests simulate these states by editing the database; here the worker really dies
/// mid-step, with its lease and half-done HTTP calls, and a new process takes over.
@Suite("Render worker crashes, as processes")
struct RenderCrashTests {
    /// The fake takes the generate request, creates the video, and holds its answer; the
    /// pipeline is killed while waiting for it, so the video id was never stored. The restarted
    /// pipeline finds the video under the job's callback_id instead of ordering another.
    @Test func aKillBetweenTheVendorCallAndStoringTheVideoIDOrdersOnceAndSubmitsOnce() async throws {
        let s = try await RenderProcessStack.start { $0.generateAnswerDelayMilliseconds = 120_000 }
        do {
            let (ai, items) = try await s.aiCreatorAndItems()
            let id = items[0].id
            let job = try await s.content.assign(.with { $0.id = id; $0.creatorID = ai.id }).render
            let reference = "luma-render-\(job.id)"

            try #require(await s.until("the fake has taken the generate for \(reference)") {
                s.fake.counters.generateCallsByCallbackID[reference] == 1 && s.fake.counters.videosCreated == 1
            })
            let waiting = try #require(try await s.listedJob(job.id))
            #expect(waiting.state == "starting" && waiting.vendorVideoID.isEmpty, "the answer is held: no video id stored yet")
            await s.killContent()
            let made = try #require(s.fake.videos.first)
            #expect(made.callbackID == reference)

            s.fake.update { $0.generateAnswerDelayMilliseconds = 0 }
            try await s.startContent()
            try #require(await s.until("item \(id) is submitted after the restart", timeout: .seconds(40)) {
                try await s.item(id).status == .submitted
            })
            let item = try await s.item(id)
            #expect(item.render.id == job.id && item.render.state == "submitted")
            #expect(item.render.vendorVideoID == made.id, "the video the killed process ordered was adopted")
            #expect(item.videoMediaID != 0 && item.render.videoMediaID == item.videoMediaID)
            #expect(item.history.filter { $0.action == "submitted" }.count == 1)
            let counters = s.fake.counters
            #expect(counters.generateCallsByCallbackID[reference] == 1, "exactly one generate for the job: \(counters)")
            #expect(counters.generateCalls == 1 && counters.videosCreated == 1)
            #expect(counters.listCalls >= 1, "the restarted worker looked the video up by its reference")
            #expect(try await s.content.listRenders(.init()).jobs.count == 1)
        } catch {
            Issue.record("\(error)\n\(s.logs)")
        }
        await s.stop()
    }

    /// The video completed and its download stalls, so the job sits in `storing`; the pipeline
    /// is killed there. The restarted one downloads again and submits the item once.
    @Test func aKillBetweenCompletionAndSubmitSubmitsOnce() async throws {
        let s = try await RenderProcessStack.start { $0.stallDownloads = true }
        do {
            let (ai, items) = try await s.aiCreatorAndItems()
            let id = items[0].id
            let job = try await s.content.assign(.with { $0.id = id; $0.creatorID = ai.id }).render

            try #require(await s.until("the job is storing and its download has begun") {
                try await s.listedJob(job.id)?.state == "storing" && s.fake.counters.videoDownloads >= 1
            })
            #expect(try await s.item(id).status == .assigned)
            await s.killContent()

            s.fake.update { $0.stallDownloads = false }
            try await s.startContent()
            try #require(await s.until("item \(id) is submitted after the restart", timeout: .seconds(40)) {
                try await s.item(id).status == .submitted
            })
            let item = try await s.item(id)
            #expect(item.render.state == "submitted" && item.videoMediaID != 0 && item.render.videoMediaID == item.videoMediaID)
            #expect(item.videoWidth == 540 && item.videoHeight == 960)
            #expect(item.history.filter { $0.action == "submitted" }.count == 1)
            let counters = s.fake.counters
            #expect(counters.generateCalls == 1 && counters.videosCreated == 1, "one render in total: \(counters)")
            #expect(counters.videoDownloads >= 2, "downloaded again after the restart")
            #expect(try await s.listedJob(job.id)?.state == "submitted")
        } catch {
            Issue.record("\(error)\n\(s.logs)")
        }
        await s.stop()
    }

    /// Unassigned while the vendor renders: the item is `generated` again, the job `cancelled`,
    /// and once the fake has completed the video nothing is polled, downloaded or submitted. A
    /// second item rendered start to finish afterwards shows the worker went on ticking (its
    /// first poll alone is 4-6 s of 1 s ticks) without touching the cancelled job.
    @Test func unassignDuringARenderCancelsItAndTheFinishedVideoIsNeverSubmitted() async throws {
        let s = try await RenderProcessStack.start()
        do {
            let (ai, items) = try await s.aiCreatorAndItems(days: 2)
            let (first, second) = (items[0].id, items[1].id)
            let job = try await s.content.assign(.with { $0.id = first; $0.creatorID = ai.id }).render
            try #require(await s.until("the job is rendering at the vendor") {
                try await s.listedJob(job.id)?.state == "rendering"
            })
            let videoID = try #require(try await s.listedJob(job.id)?.vendorVideoID)

            let unassigned = try await s.content.unassign(.with { $0.id = first })
            #expect(unassigned.status == .generated && unassigned.creatorID == 0)
            #expect(unassigned.render.id == job.id && unassigned.render.state == "cancelled")

            // The vendor finishes the video anyway (HeyGen has no cancel).
            #expect(try await s.vendor.status(videoID: videoID) != .inProgress)
            #expect(s.fake.video(videoID)?.status == "completed")
            let cancelled = try #require(try await s.listedJob(job.id))

            _ = try await s.content.assign(.with { $0.id = second; $0.creatorID = ai.id })
            try #require(await s.until("the second item is rendered and submitted", timeout: .seconds(30)) {
                try await s.item(second).status == .submitted
            })

            let item = try await s.item(first)
            #expect(item.status == .generated && item.creatorID == 0 && item.videoMediaID == 0)
            #expect(!item.history.contains { $0.action == "submitted" })
            #expect(item.render.state == "cancelled" && item.render.videoMediaID == 0)
            #expect(try await s.listedJob(job.id) == cancelled, "the cancelled job was not touched")
            let counters = s.fake.counters
            #expect(s.fake.video(videoID)?.polls == 1, "only the test's own status call: the worker never polled it again")
            #expect(counters.videoDownloads == 1, "only the second item's video was downloaded: \(counters)")
            #expect(counters.generateCalls == 2 && counters.videosCreated == 2)
        } catch {
            Issue.record("\(error)\n\(s.logs)")
        }
        await s.stop()
    }
}
