import ContentAPI
import Foundation
import GRDB
import LumaAuth
import LumaRPC
import LumaServiceKit
import NIOConcurrencyHelpers
import Testing
import VersesAPI
@testable import ContentPipeline

/// The rules content-pipeline owns for its clients: what a caller may do to an item now, whom
/// it may be assigned to, regenerating in one call that keeps the id, who made each move, and
/// the refusals that come before anything is written.
@Suite("Content workflow (no socket)")
struct WorkflowTests {
    static let admin = Principal(subject: "user:5", role: .admin)
    static func creator(_ id: Int64) -> Principal { Principal(subject: "user:\(100 + id)", role: .creator, creatorID: id) }
    static let service = Principal(subject: "creator-registry", role: .service)

    func actions(_ pipeline: Pipeline, _ id: Int64, as principal: Principal?) async throws -> [Luma_Content_V1_Action] {
        try await Principal.$current.withValue(principal) {
            try await pipeline.service.get(.with { $0.id = id }, context: pipeline.context).actions
        }
    }

    @Test func eachItemSaysWhatItsCallerMayDoNow() async throws {
        let pipeline = try Pipeline()
        pipeline.creators.add(1)
        pipeline.creators.add(2)
        _ = try await pipeline.plan("2027-03-01", "2027-03-01", modes: [.bible])
        let id = try await pipeline.item("2027-03-01", .bible).id
        #expect(try await actions(pipeline, id, as: Self.admin) == [.generate, .delete])
        #expect(try await actions(pipeline, id, as: Self.service) == [])
        _ = try await pipeline.generate(id)
        #expect(try await actions(pipeline, id, as: Self.admin) == [.regenerate, .assign, .delete])
        _ = try await pipeline.assign(id, to: 1)
        #expect(try await actions(pipeline, id, as: Self.admin) == [.unassign, .submit, .delete])
        // A creator: only their own item, and only what creators may call.
        #expect(try await actions(pipeline, id, as: Self.creator(1)) == [.submit])
        await #expect(throws: RPCError.self) { try await actions(pipeline, id, as: Self.creator(2)) }
        _ = try await pipeline.submit(id)
        #expect(try await actions(pipeline, id, as: Self.admin) == [.approve, .reject, .delete])
        #expect(try await actions(pipeline, id, as: Self.creator(1)) == [])
        _ = try await pipeline.service.reject(.with { $0.id = id; $0.note = "Brighter light, please." }, context: pipeline.context)
        #expect(try await actions(pipeline, id, as: Self.admin) == [.assign, .submit, .delete])
        #expect(try await actions(pipeline, id, as: Self.creator(1)) == [.submit])
        _ = try await pipeline.submit(id)
        _ = try await pipeline.service.approve(.with { $0.id = id }, context: pipeline.context)
        // Approved is published and kept: it may only be pulled from the feed, never deleted.
        #expect(try await actions(pipeline, id, as: Self.admin) == [.unpublish])
        // Lists carry them too (no authentication: the development mode's anonymous admin).
        let listed = try await pipeline.service.list(.init(), context: pipeline.context).items
        #expect(listed.count == 1 && listed[0].actions == [.unpublish])
    }

    @Test func everyActionOfferedIsOneTheServerAccepts() async throws {
        // For each status and role, the offered actions agree with the access policy and the
        // state machine: a test that the two owners cannot drift apart.
        for status in ContentStatus.allCases {
            for role in Principal.Role.allCases {
                let caller = Principal(subject: "x", role: role, creatorID: role == .creator ? 1 : nil)
                let item = try ContentRecord(row: ["id": 1, "post_date": "2027-01-01", "mode": "bible", "language": "en",
                                                   "status": status.rawValue, "creator_id": 1, "created_at": "", "updated_at": ""])
                for action in ContentAction.allowed(on: item, render: nil, caller: caller) {
                    #expect(ContentPipelineAccess.policy.allows(action.method, role), "\(action) offered to \(role)")
                    #expect(action.from.contains(status), "\(action) offered from \(status)")
                }
            }
        }
    }

    @Test func theStatusesAreTheWireStatusesByName() {
        for status in ContentStatus.allCases { #expect(ContentStatus(status.message) == status, "\(status)") }
        let wire = Luma_Content_V1_Status.allCases.filter { $0 != .unspecified }
        #expect(wire.compactMap(ContentStatus.init) == ContentStatus.allCases)
        #expect(ContentStatus(.unspecified) == nil)
    }

    @Test func regenerateKeepsTheIdTakesANewVerseAndQueuesTheOldOnesRelease() async throws {
        let pipeline = try Pipeline()
        _ = try await pipeline.plan("2027-03-02", "2027-03-02", modes: [.bible])
        let id = try await pipeline.item("2027-03-02", .bible).id
        let first = try await pipeline.generate(id)
        let again = try await Principal.$current.withValue(Self.admin) {
            try await pipeline.service.regenerate(.with { $0.id = id }, context: pipeline.context)
        }
        #expect(again.id == id && again.status == .generated)
        #expect(again.verseReference != first.verseReference && again.cameraScript.contains("text of \(again.verseReference)"))
        // The old verse is still held until its release is delivered, through the outbox.
        #expect(pipeline.verses.superseded.withLockedValue { $0[id] } == [first.verseReference])
        let entries = try await pipeline.database.read { try Outbox.status($0, includeEntries: true) }.entries
        #expect(entries.count == 1)
        let release = try Luma_Verses_V1_ReleaseForContentRequest(serializedBytes: entries[0].payload)
        #expect(release.dailyContentID == id && release.references == [first.verseReference])
        try await ContentPipelineOutbox.handlers(verses: pipeline.verses)[entries[0].kind]!(entries[0])
        #expect(pipeline.verses.superseded.withLockedValue { $0[id] } == [])
        #expect(pipeline.verses.claims.withLockedValue { $0[id] } == again.verseReference)
        // Regenerating again while that release waited would give it up too (never handed back).
        #expect(try await pipeline.database.read { try ContentWorkflow.pendingReleases($0, item: id) } == [first.verseReference])
        let history = try await pipeline.service.get(.with { $0.id = id }, context: pipeline.context).history
        #expect(history.map(\.action) == ["generated", "regenerated"])
        #expect(history.map(\.verseReference) == [first.verseReference, again.verseReference])
        #expect(history[1].actor.role == "admin" && history[1].actor.userID == 5)
    }

    @Test func regeneratingAPositivityItemWritesOtherWords() async throws {
        let pipeline = try Pipeline()
        _ = try await pipeline.plan("2027-03-03", "2027-03-03", modes: [.positivity])
        let id = try await pipeline.item("2027-03-03", .positivity).id
        let first = try await pipeline.generate(id)
        let again = try await pipeline.service.regenerate(.with { $0.id = id }, context: pipeline.context)
        #expect(again.id == id && again.cameraScript != first.cameraScript && again.devotionalReflection != first.devotionalReflection)
        let entries = try await pipeline.database.read { try Outbox.status($0, includeEntries: true) }.entries
        #expect(entries.isEmpty)
    }

    @Test func onlyAGeneratedItemIsRegeneratedAndARefusalChangesNothing() async throws {
        let pipeline = try Pipeline()
        pipeline.creators.add(1)
        _ = try await pipeline.plan("2027-03-04", "2027-03-04", modes: [.bible])
        let id = try await pipeline.item("2027-03-04", .bible).id
        await #expect { try await pipeline.service.regenerate(.with { $0.id = id }, context: pipeline.context) } throws: { error in
            (error as? RPCError)?.code == .failedPrecondition && (error as? RPCError)?.field == "id"
        }
        _ = try await pipeline.generate(id)
        _ = try await pipeline.assign(id, to: 1)
        let before = try pipeline.snapshot()
        await #expect { try await pipeline.service.regenerate(.with { $0.id = id }, context: pipeline.context) } throws: { error in
            guard let error = error as? RPCError else { return false }
            return error.code == .failedPrecondition && error.message.contains("assigned")
        }
        #expect(try pipeline.snapshot() == before)
        #expect(pipeline.verses.counter.withLockedValue { $0 } == 1)
    }

    @Test func anItemThatMovesWhileItIsRewrittenGivesTheNewVerseBack() async throws {
        // The generator runs between the claim and the write: there the item is assigned.
        let (pool, _) = try ServiceDatabase.temporary(name: "content")
        try ContentPipelineSchema.migrator.migrate(pool)
        let verses = StubVerses()
        let meddler = MeddlingGenerator(database: pool)
        let service = ContentPipelineService(database: pool, verses: verses, creators: StubCreators(), generator: meddler)
        let context = try Pipeline().context
        _ = try await service.plan(.with { $0.fromDate = "2027-03-05"; $0.toDate = "2027-03-05"; $0.modes = [.bible] }, context: context)
        let id = try await service.list(.init(), context: context).items[0].id
        let first = try await service.generate(.with { $0.id = id }, context: context).items[0]
        meddler.armed.withLockedValue { $0 = true }
        await #expect { try await service.regenerate(.with { $0.id = id }, context: context) } throws: { error in
            (error as? RPCError)?.code == .aborted
        }
        let item = try await service.get(.with { $0.id = id }, context: context)
        #expect(item.verseReference == first.verseReference && item.status == .assigned)
        let entries = try await pool.read { try Outbox.status($0, includeEntries: true) }.entries
        let release = try Luma_Verses_V1_ReleaseForContentRequest(serializedBytes: entries[0].payload)
        #expect(entries.count == 1 && release.references == [verses.claims.withLockedValue { $0[id] }!])
        #expect(release.references != [first.verseReference])
    }

    @Test func assignableCreatorsSayWhatIsLeftAndWhyNot() async throws {
        let pipeline = try Pipeline()
        pipeline.creators.add(1, capacity: 1)
        pipeline.creators.add(2, capacity: 3)
        pipeline.creators.add(3, capacity: 2, languages: ["es"])
        pipeline.creators.creators.withLockedValue { $0[4] = .with {
            $0.id = 4; $0.monthlyCapacity = 9; $0.canBible = true; $0.languages = ["en"]; $0.active = true
            $0.displayName = "Avatar"; $0.isAi = true; $0.heygenAvatarID = "av1"
        } }
        _ = try await pipeline.plan("2027-04-01", "2027-04-02", modes: [.bible])
        let first = try await pipeline.item("2027-04-01", .bible).id
        let second = try await pipeline.item("2027-04-02", .bible).id
        _ = try await pipeline.generate(first)
        _ = try await pipeline.generate(second)
        _ = try await pipeline.assign(first, to: 1)
        let answer = try await pipeline.service.listAssignableCreators(.with { $0.id = second }, context: pipeline.context)
        #expect(answer.month == "2027-04")
        // Assignable first, then by room left; Spanish-only 3 is not eligible.
        #expect(answer.creators.map(\.creatorID) == [2, 4, 1])
        #expect(answer.creators[0].assignable && answer.creators[0].remaining == 3 && answer.creators[0].assigned == 0)
        #expect(!answer.creators[1].assignable && answer.creators[1].reason.contains("cannot render videos"))
        #expect(!answer.creators[2].assignable && answer.creators[2].remaining == 0 && answer.creators[2].reason.contains("no capacity left in 2027-04"))
        // What it says is what Assign does.
        await #expect(throws: RPCError.self) { try await pipeline.assign(second, to: 1) }
        #expect(try await pipeline.assign(second, to: 2).creatorID == 2)
        let after = try await pipeline.service.listAssignableCreators(.with { $0.id = second }, context: pipeline.context)
        #expect(after.creators.allSatisfy { !$0.assignable && $0.reason.contains("is assigned") })
        #expect(after.creators.first { $0.creatorID == 2 }?.current == true)
    }

    @Test func theHistoryNamesWhoMadeEachMoveAndCoversAssignment() async throws {
        let pipeline = try Pipeline()
        pipeline.creators.add(1)
        pipeline.creators.users.withLockedValue { $0[5] = "Ada Admin"; $0[101] = "Grace Creator" }
        _ = try await pipeline.plan("2027-05-01", "2027-05-01", modes: [.bible])
        let id = try await pipeline.item("2027-05-01", .bible).id
        try await Principal.$current.withValue(Self.admin) {
            _ = try await pipeline.generate(id)
            _ = try await pipeline.assign(id, to: 1)
            _ = try await pipeline.service.unassign(.with { $0.id = id }, context: pipeline.context)
            _ = try await pipeline.assign(id, to: 1)
        }
        try await Principal.$current.withValue(Self.creator(1)) { _ = try await pipeline.submit(id) }
        // creator-registry down: the move is made, the name is what is lost.
        pipeline.creators.reachable.withLockedValue { $0 = false }
        try await Principal.$current.withValue(Self.admin) {
            _ = try await pipeline.service.reject(.with { $0.id = id; $0.note = "Too dark." }, context: pipeline.context)
        }
        pipeline.creators.reachable.withLockedValue { $0 = true }
        let history = try await pipeline.service.get(.with { $0.id = id }, context: pipeline.context).history
        #expect(history.map(\.action) == ["generated", "assigned", "unassigned", "assigned", "submitted", "rejected"])
        #expect(history.map(\.actor.name) == ["Ada Admin", "Ada Admin", "Ada Admin", "Ada Admin", "Grace Creator", ""])
        #expect(history.map(\.actor.role) == ["admin", "admin", "admin", "admin", "creator", "admin"])
        #expect(history[5].actor.userID == 5 && history[5].note == "Too dark.")
        #expect(history[1].creatorID == 1 && history[2].creatorID == 1)
    }

    @Test func planRefusesALanguageWithoutAPackBeforeCreatingAnything() async throws {
        let pipeline = try Pipeline()
        await #expect { try await pipeline.service.plan(.with {
            $0.fromDate = "2027-06-01"; $0.toDate = "2027-06-02"; $0.languages = ["en", "xx"]
        }, context: pipeline.context) } throws: { error in
            guard let error = error as? RPCError else { return false }
            return error.code == .invalidArgument && error.field == "languages" && error.message.contains("'xx'")
                && error.message.contains("en, es")
        }
        #expect(try pipeline.snapshot().isEmpty)
    }

    @Test func listSearchesTextAndOrdersAReviewQueueByWaitingTime() async throws {
        let pipeline = try Pipeline()
        pipeline.creators.add(1)
        _ = try await pipeline.plan("2027-07-01", "2027-07-03", modes: [.bible])
        let items = try await pipeline.service.list(.init(), context: pipeline.context).items
        for item in items { _ = try await pipeline.generate(item.id); _ = try await pipeline.assign(item.id, to: 1) }
        // Submitted latest day first: the queue shows the one waiting longest on top.
        for item in items.reversed() { _ = try await pipeline.submit(item.id) }
        let queue = try await pipeline.service.list(.with { $0.statuses = [.submitted]; $0.order = .waiting }, context: pipeline.context).items
        #expect(queue.map(\.id) == items.reversed().map(\.id))
        let found = try await pipeline.service.list(.with { $0.query = "psalms 119:2" }, context: pipeline.context).items
        #expect(found.map(\.verseReference) == ["Psalms 119:2"])
        let literal = try await pipeline.service.list(.with { $0.query = "%" }, context: pipeline.context).items
        #expect(literal.isEmpty)
        await #expect(throws: RPCError.self) {
            try await pipeline.service.list(.with { $0.query = String(repeating: "a", count: 101) }, context: pipeline.context)
        }
    }

    @Test func aPeerThatIsDownIsNamedAsTheOriginOfTheFailure() async throws {
        await #expect { try await reaching("verse-registry") { throw RPCError.unavailable("connection refused") } } throws: { error in
            guard let error = error as? RPCError else { return false }
            return error.code == .unavailable && error.origin == "verse-registry" && error.message.contains("verse-registry is unreachable")
        }
        // A peer relaying its own peer's failure keeps that origin.
        await #expect { try await reaching("creator-registry") {
            throw RPCError.unavailable("cannot check", origin: "content-pipeline")
        } } throws: { ($0 as? RPCError)?.origin == "content-pipeline" }
        // Its own refusals are not relayed as outages.
        await #expect { try await reaching("verse-registry") { throw RPCError.notFound("no such verse") } } throws: {
            ($0 as? RPCError)?.origin == "" && ($0 as? RPCError)?.code == .notFound
        }
    }
}

/// Assigns the item it is writing for, as an admin could between a regeneration's claim and
/// its write.
final class MeddlingGenerator: ScriptGenerator, @unchecked Sendable {
    let database: DatabasePool
    let armed = NIOLockedValueBox(false)
    let inner = TemplateScriptGenerator()

    init(database: DatabasePool) { self.database = database }

    func scripts(for input: GenerationInput) async throws -> GeneratedScripts {
        if armed.withLockedValue({ $0 }) {
            try await database.write { try $0.execute(sql: "UPDATE daily_content SET status = 'assigned', creator_id = 1 WHERE post_date = ?",
                                                      arguments: [input.postDate]) }
        }
        return try await inner.scripts(for: input)
    }
}
