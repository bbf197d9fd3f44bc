import ContentAPI
import CreatorsAPI
import Foundation
import GRDB
import LumaRPC
import LumaTestSupport
import NIOConcurrencyHelpers
import Testing
@testable import ContentPipeline

/// AI creators' renders on simulated time: the worker is driven by the test (`runDue`), the
/// vendor is scripted, media-store and the registries are real (in one process).
@Suite("Render worker", .serialized)
struct RenderWorkerTests {
    struct Setup {
        let stack: InProcessStack
        let vendor: ScriptedVendor
        let clock: TestClock
        let content: Luma_Content_V1_ContentPipelineClient
        let ai: Luma_Creators_V1_Creator
        let person: Luma_Creators_V1_Creator
        let items: [Luma_Content_V1_ContentItem]
        var worker: RenderWorker { stack.renderWorker! }

        func item(_ id: Int64) async throws -> Luma_Content_V1_ContentItem { try await content.get(.with { $0.id = id }) }
    }

    func setUp(days: Int = 1, vendor: ScriptedVendor = ScriptedVendor()) async throws -> Setup {
        let clock = TestClock()
        var rendering = ContentPipelineAssembly.Rendering(vendor: vendor, voices: ["en": "voice-en"])
        rendering.now = { clock.now }
        rendering.jitter = { 1 }
        let stack = try await InProcessStack(rendering: rendering, drivesRendersManually: true)
        let creators = Luma_Creators_V1_CreatorRegistryClient(stack.client(stack.creatorsEndpoint))
        let aiUser = try await creators.createUser(.with { $0.email = "ava@example.com"; $0.displayName = "Ava"; $0.role = .creator })
        let ai = try await creators.createCreator(.with {
            $0.userID = aiUser.id; $0.displayName = "Ava (AI)"; $0.isAi = true; $0.heygenAvatarID = "ava-01"
            $0.canBible = true; $0.canPositivity = true; $0.monthlyCapacity = 31
        })
        let user = try await creators.createUser(.with { $0.email = "grace@example.com"; $0.displayName = "Grace"; $0.role = .creator })
        let person = try await creators.createCreator(.with {
            $0.userID = user.id; $0.displayName = "Grace"; $0.canBible = true; $0.canPositivity = true; $0.monthlyCapacity = 31
        })
        let content = Luma_Content_V1_ContentPipelineClient(stack.client(stack.contentEndpoint))
        _ = try await content.plan(.with { $0.fromDate = "2027-03-01"; $0.toDate = "2027-03-0\(days)"; $0.modes = [.positivity] })
        let items = try await content.generate(.with { $0.range = .with { $0.fromDate = "2027-03-01"; $0.toDate = "2027-03-0\(days)" } }).items
        return Setup(stack: stack, vendor: vendor, clock: clock, content: content, ai: ai, person: person, items: items)
    }

    @Test func aRenderCompletesAfterSeveralPollsOnItsScheduleAndSubmitsTheItemOnce() async throws {
        let s = try await setUp()
        let id = s.items[0].id
        let assigned = try await s.content.assign(.with { $0.id = id; $0.creatorID = s.ai.id })
        #expect(assigned.render.state == "queued")

        await s.worker.runDue()                                  // ordered
        var item = try await s.item(id)
        #expect(item.render.state == "rendering" && item.render.vendorVideoID == "v-1")
        #expect(s.vendor.state.withLockedValue { $0.starts.count } == 1)

        // Polls at 5 s, then 10 s, then 20 s after each other (jitter 1 in this test).
        await s.worker.runDue()
        #expect(s.vendor.state.withLockedValue { $0.statusCalls } == 0, "not due before 5 s")
        s.clock.advance(5)
        await s.worker.runDue()                                  // poll 1: in progress
        #expect(s.vendor.state.withLockedValue { $0.statusCalls } == 1)
        s.clock.advance(9)
        await s.worker.runDue()
        #expect(s.vendor.state.withLockedValue { $0.statusCalls } == 1, "the second poll waits 10 s")
        s.clock.advance(1)
        await s.worker.runDue()                                  // poll 2: in progress
        #expect(s.vendor.state.withLockedValue { $0.statusCalls } == 2)
        s.clock.advance(20)
        await s.worker.runDue()                                  // poll 3: completed -> stored -> submitted
        item = try await s.item(id)
        #expect(item.status == .submitted)
        #expect(item.render.state == "submitted" && item.render.videoMediaID == item.videoMediaID && item.videoMediaID != 0)
        #expect(item.videoWidth == 540 && item.videoHeight == 960 && item.videoCodecs == "h264/aac" && item.thumbnailMediaID != 0)
        #expect(item.history.filter { $0.action == "submitted" }.count == 1)

        // Nothing more happens, however often the worker runs.
        s.clock.advance(3600)
        await s.worker.runDue()
        #expect(s.vendor.state.withLockedValue { ($0.starts.count, $0.downloads) } == (1, 1))
        await s.stack.stop()
    }

    @Test func aFailedRenderSaysWhyAndTheAdminRetriesWithANewOrder() async throws {
        let vendor = ScriptedVendor()
        vendor.state.withLockedValue { $0.failRender = true }
        let s = try await setUp(vendor: vendor)
        let id = s.items[0].id
        _ = try await s.content.assign(.with { $0.id = id; $0.creatorID = s.ai.id })
        await s.worker.runDue()
        s.clock.advance(5)
        await s.worker.runDue()
        var item = try await s.item(id)
        #expect(item.status == .assigned)
        #expect(item.render.state == "failed" && item.render.lastError.contains("avatar rendering failed") && !item.render.retryable)

        vendor.state.withLockedValue { $0.failRender = false }
        item = try await s.content.retryRender(.with { $0.id = id })
        #expect(item.render.state == "queued" && item.render.id != 0)
        await s.worker.runDue()
        #expect(vendor.state.withLockedValue { $0.starts.count } == 2, "a render the vendor could not make is ordered again")
        #expect(Set(vendor.state.withLockedValue { $0.starts }).count == 2, "under a new reference")
        for _ in 0..<3 { s.clock.advance(60); await s.worker.runDue() }
        #expect(try await s.item(id).status == .submitted)

        let again = await #expect(throws: RPCError.self) { try await s.content.retryRender(.with { $0.id = id }) }
        #expect(again?.code == .failedPrecondition)
        await s.stack.stop()
    }

    @Test func quotaExhaustedWaitsLongInsteadOfStorming() async throws {
        let vendor = ScriptedVendor()
        vendor.state.withLockedValue { $0.startError = VendorError(.quota, "HeyGen's quota is exhausted (quota_exceeded)") }
        let s = try await setUp(vendor: vendor)
        let id = s.items[0].id
        _ = try await s.content.assign(.with { $0.id = id; $0.creatorID = s.ai.id })
        await s.worker.runDue()
        var item = try await s.item(id)
        #expect(item.render.retryable && item.render.lastError.contains("quota") && item.render.attempts == 1)
        for _ in 0..<10 {
            s.clock.advance(60)
            await s.worker.runDue()
        }
        item = try await s.item(id)
        #expect(item.render.attempts == 1, "no retry within 10 minutes of a quota refusal")
        vendor.state.withLockedValue { $0.startError = nil }
        s.clock.advance(301)
        await s.worker.runDue()
        item = try await s.item(id)
        #expect(item.render.state == "rendering" && item.render.lastError.isEmpty)
        await s.stack.stop()
    }

    @Test func aPermanentRefusalStopsAndAPersonCanBeAssignedInstead() async throws {
        let vendor = ScriptedVendor()
        vendor.state.withLockedValue { $0.startError = VendorError(.permanent, "HeyGen does not know the creator's avatar id (avatar not found)") }
        let s = try await setUp(vendor: vendor)
        let id = s.items[0].id
        _ = try await s.content.assign(.with { $0.id = id; $0.creatorID = s.ai.id })
        await s.worker.runDue()
        let item = try await s.item(id)
        #expect(item.render.state == "failed" && item.render.lastError.contains("avatar id") && !item.render.retryable)
        _ = try await s.content.unassign(.with { $0.id = id })
        let human = try await s.content.assign(.with { $0.id = id; $0.creatorID = s.person.id })
        #expect(human.creatorID == s.person.id && human.render.state == "cancelled")
        s.clock.advance(3600)
        await s.worker.runDue()
        #expect(vendor.state.withLockedValue { $0.starts.count } == 0)
        await s.stack.stop()
    }

    @Test func unassignDuringARenderDropsTheLateResult() async throws {
        let s = try await setUp()
        let id = s.items[0].id
        _ = try await s.content.assign(.with { $0.id = id; $0.creatorID = s.ai.id })
        await s.worker.runDue()
        _ = try await s.content.unassign(.with { $0.id = id })
        for _ in 0..<5 { s.clock.advance(60); await s.worker.runDue() }
        let item = try await s.item(id)
        #expect(item.status == .generated && item.videoMediaID == 0 && item.render.state == "cancelled")
        #expect(s.vendor.state.withLockedValue { ($0.statusCalls, $0.downloads) } == (0, 0), "a cancelled job is not polled")
        await s.stack.stop()
    }

    @Test func aCrashBetweenTheVendorCallAndStoringItsIdNeverOrdersTwice() async throws {
        let s = try await setUp()
        let id = s.items[0].id
        let job = try await s.content.assign(.with { $0.id = id; $0.creatorID = s.ai.id }).render
        // What a kill -9 right after the vendor answered leaves: the job `starting`, the
        // vendor holding a video under the job's reference, its id never stored.
        _ = try await s.vendor.start(RenderRequest(reference: "luma-render-\(job.id)", avatarID: "ava-01", voiceID: "voice-en", script: ""))
        try await s.stack.contentDatabase!.write { db in
            try db.execute(sql: "UPDATE render_jobs SET state = 'starting' WHERE id = ?", arguments: [job.id])
        }
        await s.worker.runDue()
        let item = try await s.item(id)
        #expect(item.render.state == "rendering" && item.render.vendorVideoID == "v-1")
        #expect(s.vendor.state.withLockedValue { $0.starts.count } == 1, "exactly one vendor job for the item")
        await s.stack.stop()
    }

    @Test func aCrashBetweenCompletionAndSubmitSubmitsOnce() async throws {
        let s = try await setUp()
        let id = s.items[0].id
        let job = try await s.content.assign(.with { $0.id = id; $0.creatorID = s.ai.id }).render
        await s.worker.runDue()
        // Killed after the vendor said completed and the job moved to `storing`.
        try await s.stack.contentDatabase!.write { db in
            try db.execute(sql: "UPDATE render_jobs SET state = 'storing', video_url = 'fake://v-1.mp4', lease_until = 0, next_attempt_at = 0 WHERE id = ?", arguments: [job.id])
        }
        await s.worker.runDue()
        await s.worker.runDue()
        let item = try await s.item(id)
        #expect(item.status == .submitted && item.history.filter { $0.action == "submitted" }.count == 1)
        #expect(s.vendor.state.withLockedValue { $0.starts.count } == 1)
        await s.stack.stop()
    }
}

/// Without a vendor (no LUMA_HEYGEN_API_KEY), AI creators are refused in words and skipped by
/// automatic assignment.
@Suite("AI creators without a vendor")
struct NoVendorTests {
    @Test func assigningAnAICreatorIsRefusedAndAutoPicksAPerson() async throws {
        let stack = try await InProcessStack()
        let creators = Luma_Creators_V1_CreatorRegistryClient(stack.client(stack.creatorsEndpoint))
        let aiUser = try await creators.createUser(.with { $0.email = "ava@example.com"; $0.displayName = "Ava"; $0.role = .creator })
        let ai = try await creators.createCreator(.with {
            $0.userID = aiUser.id; $0.displayName = "Ava (AI)"; $0.isAi = true; $0.heygenAvatarID = "ava-01"; $0.canPositivity = true; $0.monthlyCapacity = 31
        })
        let user = try await creators.createUser(.with { $0.email = "grace@example.com"; $0.displayName = "Grace"; $0.role = .creator })
        let person = try await creators.createCreator(.with { $0.userID = user.id; $0.displayName = "Grace"; $0.canPositivity = true; $0.monthlyCapacity = 31 })
        let content = Luma_Content_V1_ContentPipelineClient(stack.client(stack.contentEndpoint))
        _ = try await content.plan(.with { $0.fromDate = "2027-03-01"; $0.toDate = "2027-03-01"; $0.modes = [.positivity] })
        let item = try await content.generate(.with { $0.range = .with { $0.fromDate = "2027-03-01"; $0.toDate = "2027-03-01" } }).items[0]
        let refused = await #expect(throws: RPCError.self) { try await content.assign(.with { $0.id = item.id; $0.creatorID = ai.id }) }
        #expect(refused?.code == .failedPrecondition && refused?.field == "creator_id")
        #expect(refused?.message.contains("LUMA_HEYGEN_API_KEY") == true)
        #expect(try await content.get(.with { $0.id = item.id }).status == .generated)
        let auto = try await content.assign(.with { $0.id = item.id; $0.auto = true })
        #expect(auto.creatorID == person.id)
        await stack.stop()
    }
}
