import ContentAPI
import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import Testing
@testable import ContentPipeline

@Suite("Production state machine (no socket)")
struct StateMachineTests {
    @Test func planIsIdempotent() async throws {
        let pipeline = try Pipeline()
        let first = try await pipeline.plan("2026-12-01", "2026-12-07")
        #expect(first.created == 14 && first.existing == 0)
        let again = try await pipeline.plan("2026-12-05", "2026-12-10")
        #expect(again.created == 6 && again.existing == 6)
    }

    @Test func theWholeHappyPathAndResubmission() async throws {
        let pipeline = try Pipeline()
        pipeline.creators.add(1)
        _ = try await pipeline.plan("2026-12-01", "2026-12-01")
        let item = try await pipeline.item("2026-12-01", .bible)
        #expect(item.status == .empty)

        let generated = try await pipeline.generate(item.id)
        #expect(generated.status == .generated)
        #expect(generated.verseReference == "Psalms 119:1")
        // The verse is read once, in the camera script; the reflection names it.
        #expect(generated.cameraScript.contains("text of Psalms 119:1") && generated.devotionalReflection.contains("Psalms 119:1"))
        #expect(!generated.devotionalReflection.contains("text of Psalms 119:1"))
        #expect(!generated.meditationScript.isEmpty && !generated.backgroundPrompt.isEmpty)

        let assigned = try await pipeline.assign(item.id, to: 1)
        #expect(assigned.status == .assigned && assigned.creatorID == 1)
        let unassigned = try await pipeline.service.unassign(.with { $0.id = item.id }, context: pipeline.context)
        #expect(unassigned.status == .generated && unassigned.creatorID == 0)
        _ = try await pipeline.assign(item.id, to: 1)
        let submitted = try await pipeline.submit(item.id)
        #expect(submitted.status == .submitted && submitted.creatorVideoURL.hasPrefix("https://"))
        let rejected = try await pipeline.service.reject(.with { $0.id = item.id; $0.note = "Audio too quiet" }, context: pipeline.context)
        #expect(rejected.status == .rejected && rejected.rejectionNote == "Audio too quiet")
        let resubmitted = try await pipeline.submit(item.id)
        #expect(resubmitted.status == .submitted)
        let approved = try await pipeline.service.approve(.with { $0.id = item.id }, context: pipeline.context)
        #expect(approved.status == .approved)
    }

    enum Action: String, CaseIterable, Sendable { case generate, assign, unassign, submit, approve, reject }

    /// Every (state, action) pair outside the diagram is FAILED_PRECONDITION naming the current
    /// state and the allowed next states, and changes nothing.
    @Test func everyIllegalTransitionIsRefusedAndChangesNothing() async throws {
        let legal: [ContentStatus: Set<Action>] = [
            .empty: [.generate], .generated: [.assign], .assigned: [.submit, .unassign],
            .submitted: [.approve, .reject], .rejected: [.submit, .assign], .approved: [],
        ]
        let pipeline = try Pipeline()
        pipeline.creators.add(1, capacity: 100)
        _ = try await pipeline.plan("2026-12-01", "2026-12-06", modes: [.positivity])
        // One item in each state.
        var byStatus: [ContentStatus: Int64] = [:]
        let items = try await pipeline.service.list(.with { $0.fromDate = "2026-12-01"; $0.toDate = "2026-12-06" }, context: pipeline.context).items
        let route: [[Action]] = [[], [.generate], [.generate, .assign], [.generate, .assign, .submit],
                                  [.generate, .assign, .submit, .approve], [.generate, .assign, .submit, .reject]]
        for (item, steps) in zip(items, route) {
            for step in steps { _ = try await perform(step, item.id, pipeline) }
            let now = try await pipeline.service.get(.with { $0.id = item.id }, context: pipeline.context)
            byStatus[ContentStatus(now.status)!] = item.id
        }
        #expect(byStatus.count == 6)
        for (status, id) in byStatus {
            for action in Action.allCases where !legal[status]!.contains(action) {
                let before = try pipeline.snapshot()
                let error = await #expect(throws: RPCError.self, "\(action) from \(status)") { try await perform(action, id, pipeline) }
                #expect(error?.code == .failedPrecondition, "\(action) from \(status)")
                #expect(error?.message.contains("item \(id) is \(status.rawValue)") == true, "\(error?.message ?? "")")
                if status == .approved {
                    #expect(error?.message.contains("approved is final") == true)
                } else {
                    #expect(error?.message.contains("item can be: \(status.allowedTransitions.map(\.participle).joined(separator: ", "))") == true,
                            "\(error?.message ?? "")")
                }
                #expect(try pipeline.snapshot() == before)
            }
        }
    }

    func perform(_ action: Action, _ id: Int64, _ pipeline: Pipeline) async throws -> Luma_Content_V1_ContentItem {
        switch action {
        case .generate: return try await pipeline.generate(id)
        case .assign: return try await pipeline.assign(id, to: 1)
        case .unassign: return try await pipeline.service.unassign(.with { $0.id = id }, context: pipeline.context)
        case .submit: return try await pipeline.submit(id)
        case .approve: return try await pipeline.service.approve(.with { $0.id = id }, context: pipeline.context)
        case .reject: return try await pipeline.service.reject(.with { $0.id = id; $0.note = "no" }, context: pipeline.context)
        }
    }

    @Test func concurrentAssignsOnOneItemHaveExactlyOneWinner() async throws {
        let pipeline = try Pipeline()
        for id in Int64(1)...10 { pipeline.creators.add(id) }
        _ = try await pipeline.plan("2026-12-01", "2026-12-01", modes: [.positivity])
        let item = try await pipeline.item("2026-12-01", .positivity)
        _ = try await pipeline.generate(item.id)
        let outcomes = await withTaskGroup(of: RPCStatusCode.self) { group in
            for creator in Int64(1)...10 {
                group.addTask {
                    do { _ = try await pipeline.assign(item.id, to: creator); return .ok }
                    catch { return (error as? RPCError)?.code ?? .unknown }
                }
            }
            return await group.reduce(into: [RPCStatusCode]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .ok }.count == 1)
        // Losers either lost the compare-and-set (ABORTED) or saw it already assigned.
        #expect(outcomes.allSatisfy { [.ok, .aborted, .failedPrecondition].contains($0) })
        #expect(outcomes.contains(.aborted) || outcomes.contains(.failedPrecondition))
    }

    @Test func capacityIsCountedPerMonthAndAutoPicksTheLeastLoaded() async throws {
        let pipeline = try Pipeline()
        pipeline.creators.add(1, capacity: 2)
        pipeline.creators.add(2, capacity: 3)
        _ = try await pipeline.plan("2026-12-01", "2026-12-06", modes: [.positivity])
        _ = try await pipeline.plan("2027-01-01", "2027-01-01", modes: [.positivity])
        let items = try await pipeline.service.list(.init(), context: pipeline.context).items
        for item in items { _ = try await pipeline.generate(item.id) }

        _ = try await pipeline.assign(items[0].id, to: 1)
        _ = try await pipeline.assign(items[1].id, to: 1)
        let full = await #expect(throws: RPCError.self) { try await pipeline.assign(items[2].id, to: 1) }
        #expect(full?.code == .failedPrecondition)
        #expect(full?.message == "creator 1 capacity 2 of 2 used in 2026-12")
        // Another month has its own capacity.
        #expect(try await pipeline.assign(items[6].id, to: 1).creatorID == 1)

        var picks: [Int64] = []
        for item in items[2...4] {
            picks.append(try await pipeline.service.assign(.with { $0.id = item.id; $0.auto = true }, context: pipeline.context).creatorID)
        }
        #expect(picks == [2, 2, 2])
        let none = await #expect(throws: RPCError.self) {
            try await pipeline.service.assign(.with { $0.id = items[5].id; $0.auto = true }, context: pipeline.context)
        }
        #expect(none?.message == "no eligible creator with capacity left for positivity/en in 2026-12 (2 eligible)")
    }

    @Test func assignChecksTheCreatorAndNamesTheReason() async throws {
        let pipeline = try Pipeline()
        pipeline.creators.add(1, active: false)
        pipeline.creators.add(2, bible: false)
        pipeline.creators.add(3, languages: ["es"])
        _ = try await pipeline.plan("2026-12-01", "2026-12-01", modes: [.bible])
        let item = try await pipeline.item("2026-12-01", .bible)
        _ = try await pipeline.generate(item.id)
        let cases: [(Int64, RPCStatusCode, String)] = [
            (42, .notFound, "creator 42 does not exist"),
            (1, .failedPrecondition, "creator 1 is inactive"),
            (2, .failedPrecondition, "creator 2 cannot film bible"),
            (3, .failedPrecondition, "creator 3 does not speak en (speaks es)"),
        ]
        for (creator, code, message) in cases {
            let error = await #expect(throws: RPCError.self) { try await pipeline.assign(item.id, to: creator) }
            #expect(error?.code == code)
            #expect(error?.message == message)
        }
        pipeline.creators.reachable.withLockedValue { $0 = false }
        let before = try pipeline.snapshot()
        let down = await #expect(throws: RPCError.self) { try await pipeline.assign(item.id, to: 1) }
        #expect(down?.code == .unavailable)
        #expect(try pipeline.snapshot() == before)
    }

    @Test(arguments: [
        ("", "https://x.example.com/t.jpg", "video_url"),
        ("http://cdn.example.com/v.mp4", "https://x.example.com/t.jpg", "video_url"),
        ("https://cdn.example.com/v.mp4", "ftp://x.example.com/t.jpg", "thumbnail_url"),
        ("not a url", "https://x.example.com/t.jpg", "video_url"),
        ("https://" + String(repeating: "a", count: 3000) + ".com", "https://x.example.com/t.jpg", "video_url"),
    ])
    func submitNeedsHTTPSURLs(video: String, thumbnail: String, field: String) async throws {
        let pipeline = try Pipeline()
        pipeline.creators.add(1)
        _ = try await pipeline.plan("2026-12-01", "2026-12-01", modes: [.positivity])
        let item = try await pipeline.item("2026-12-01", .positivity)
        _ = try await pipeline.generate(item.id)
        _ = try await pipeline.assign(item.id, to: 1)
        let error = await #expect(throws: RPCError.self) {
            try await pipeline.service.submit(.with { $0.id = item.id; $0.videoURL = video; $0.thumbnailURL = thumbnail }, context: pipeline.context)
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.field == field)
    }

    @Test func rejectNeedsANote() async throws {
        let pipeline = try Pipeline()
        let error = await #expect(throws: RPCError.self) { try await pipeline.service.reject(.with { $0.id = 1; $0.note = "  " }, context: pipeline.context) }
        #expect(error?.field == "note")
    }

    @Test(arguments: [("2026-13-01", "2026-12-31", "from_date"), ("2026-12-31", "2026-12-01", "from_date"),
                      ("2026-01-01", "2036-12-31", "to_date"), ("", "2026-12-01", "from_date")])
    func badPlanRangesAreRefused(from: String, to: String, field: String) async throws {
        let pipeline = try Pipeline()
        let error = await #expect(throws: RPCError.self) { try await pipeline.plan(from, to) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.field == field)
        #expect(try pipeline.snapshot().isEmpty)
    }

    @Test func deleteQueuesTheVerseReleaseAndCreatorDeletedSetsNull() async throws {
        let pipeline = try Pipeline()
        pipeline.creators.add(1)
        _ = try await pipeline.plan("2026-12-01", "2026-12-03", modes: [.bible])
        let items = try await pipeline.service.list(.init(), context: pipeline.context).items
        for item in items { _ = try await pipeline.generate(item.id); _ = try await pipeline.assign(item.id, to: 1) }
        _ = try await pipeline.submit(items[1].id)

        let deleted = try await pipeline.service.delete(.with { $0.id = items[2].id }, context: pipeline.context)
        #expect(deleted.deleted)
        let outbox = try await pipeline.database.read { try Outbox.status($0, includeEntries: true) }
        #expect(outbox.pending == 1 && outbox.entries[0].kind == ContentPipelineOutbox.releaseVerses)
        #expect(try await pipeline.service.delete(.with { $0.id = items[2].id }, context: pipeline.context).deleted == false)

        let setNull = try await pipeline.service.creatorDeleted(.with { $0.creatorID = 1 }, context: pipeline.context)
        #expect(setNull.unassigned == 1 && setNull.detached == 1)
        let first = try await pipeline.service.get(.with { $0.id = items[0].id }, context: pipeline.context)
        #expect(first.status == .generated && first.creatorID == 0)
        // The history says why it is generated again.
        #expect(first.history.last?.action == "unassigned" && first.history.last?.creatorID == 1
                && first.history.last?.note == "creator 1 was deleted")
        let second = try await pipeline.service.get(.with { $0.id = items[1].id }, context: pipeline.context)
        #expect(second.status == .submitted && second.creatorID == 0 && !second.creatorVideoURL.isEmpty)
        // Idempotent: a redelivery changes nothing.
        let again = try await pipeline.service.creatorDeleted(.with { $0.creatorID = 1 }, context: pipeline.context)
        #expect(again.unassigned == 0 && again.detached == 0)
    }

    @Test func generatorIsDeterministicForASeed() async throws {
        let input = GenerationInput(postDate: "2026-12-25", mode: .bible, language: "en", verseReference: "Luke 2:11",
                                    verseText: "For unto you is born this day...", topic: "joy")
        let a = try await TemplateScriptGenerator(seed: 7).scripts(for: input)
        let b = try await TemplateScriptGenerator(seed: 7).scripts(for: input)
        #expect(a == b)
        #expect(a.cameraScript.contains("Luke 2:11"))
        let spanish = try await TemplateScriptGenerator(seed: 7).scripts(for: GenerationInput(
            postDate: "2026-12-25", mode: .positivity, language: "es", verseReference: nil, verseText: nil, topic: "gratitude"))
        // Positivity reads the library's script of the date, shifted by the seed.
        #expect(spanish.cameraScript == TemplateScriptGenerator(seed: 7).positivity(on: "2026-12-25", language: "es")?.script)
        let other = try await TemplateScriptGenerator(seed: 8).scripts(for: GenerationInput(
            postDate: "2026-12-25", mode: .positivity, language: "es", verseReference: nil, verseText: nil, topic: "gratitude"))
        #expect(other.cameraScript != spanish.cameraScript)
    }

    @Test func theBoardQueryUsesTheIndex() async throws {
        let pipeline = try Pipeline()
        let (condition, arguments) = ContentStore.whereClause(.init(from: "2026-01-01", to: "2026-12-31"))
        let plan = try await pipeline.database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT status, mode, COUNT(*) FROM daily_content \(condition) GROUP BY status, mode",
                             arguments: arguments).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("USING COVERING INDEX daily_content_board") || $0.contains("USING INDEX daily_content_board") }, "\(plan)")
    }
}

@Suite("The state machine, written once")
struct ContentTransitionTests {
    @Test func everyStatusKnowsWhereItCanGoFromTheTransitions() {
        let expected: [ContentStatus: [ContentStatus]] = [
            .empty: [.generated], .generated: [.assigned], .assigned: [.submitted, .generated],
            .submitted: [.approved, .rejected], .rejected: [.assigned, .submitted], .approved: [],
        ]
        for status in ContentStatus.allCases { #expect(status.allowedNext == expected[status], "\(status)") }
        #expect(ContentTransition.unassign.refusal(item: 4, from: .empty)
            == "item 4 is empty, so it cannot be unassigned (only assigned items can); an empty item can be: generated")
        #expect(ContentTransition.generate.refusal(item: 2, from: .assigned)
            == "item 2 is assigned, so it cannot be generated (only empty items can); an assigned item can be: submitted, unassigned")
        #expect(ContentTransition.submit.refusal(item: 4, from: .rejected) == nil)
    }

    /// A row this version cannot read is refused as DATA_LOSS, never read as a default.
    @Test func aRowWithAnUnknownStatusIsRefusedNotGuessed() async throws {
        let pipeline = try Pipeline()
        _ = try await pipeline.plan("2027-01-01", "2027-01-01", modes: [.bible])
        try await pipeline.database.write { try $0.execute(sql: "PRAGMA ignore_check_constraints = ON; UPDATE daily_content SET status = 'archived'") }
        do {
            _ = try await pipeline.service.get(.with { $0.id = 1 }, context: pipeline.context)
            Issue.record("an unknown status was read")
        } catch let error as StoredRowError {
            #expect(error.status.code == .dataLoss)
            #expect(error.status.message.contains("row 1 of daily_content cannot be read (unknown status 'archived')"))
        }
    }
}

@Suite("Listing content")
struct ListContentTests {
    @Test func aRangeThatEndsBeforeItStartsIsRefused() async throws {
        let pipeline = try Pipeline()
        do {
            _ = try await pipeline.service.list(.with { $0.fromDate = "2029-02-05"; $0.toDate = "2029-02-01" }, context: pipeline.context)
            Issue.record("an inverted range was accepted")
        } catch let error as RPCError {
            #expect(error == RPCError.invalidArgument("from_date 2029-02-05 is after to_date 2029-02-01", field: "from_date"))
        }
    }
}

@Suite("Reassigning a rejected item")
struct ReassignTests {
    /// Its creator was deleted (SET NULL): the rejected item goes to another creator.
    @Test func aRejectedItemWhoseCreatorWasDeletedCanBeReassigned() async throws {
        let pipeline = try Pipeline()
        pipeline.creators.add(1)
        pipeline.creators.add(2)
        _ = try await pipeline.plan("2027-01-01", "2027-01-01", modes: [.positivity])
        let id = try await pipeline.item("2027-01-01", .positivity).id
        _ = try await pipeline.generate(id)
        _ = try await pipeline.assign(id, to: 1)
        _ = try await pipeline.submit(id)
        _ = try await pipeline.service.reject(.with { $0.id = id; $0.note = "too dark" }, context: pipeline.context)
        _ = try await pipeline.service.creatorDeleted(.with { $0.creatorID = 1 }, context: pipeline.context)
        let orphaned = try await pipeline.service.get(.with { $0.id = id }, context: pipeline.context)
        #expect(orphaned.status == .rejected && orphaned.creatorID == 0)
        let reassigned = try await pipeline.assign(id, to: 2)
        #expect(reassigned.status == .assigned && reassigned.creatorID == 2)
    }
}

@Suite("Review history")
struct ReviewHistoryTests {
    @Test func rejectionNotesBecomeHistoryOnceTheVideoIsResubmittedAndApproved() async throws {
        let pipeline = try Pipeline()
        pipeline.creators.add(1)
        _ = try await pipeline.plan("2027-01-01", "2027-01-01", modes: [.positivity])
        let id = try await pipeline.item("2027-01-01", .positivity).id
        _ = try await pipeline.generate(id)
        _ = try await pipeline.assign(id, to: 1)
        _ = try await pipeline.submit(id)
        let rejected = try await pipeline.service.reject(.with { $0.id = id; $0.note = "Audio is too quiet" }, context: pipeline.context)
        #expect(rejected.rejectionNote == "Audio is too quiet")
        let resubmitted = try await pipeline.submit(id)
        #expect(resubmitted.rejectionNote.isEmpty)
        let approved = try await pipeline.service.approve(.with { $0.id = id }, context: pipeline.context)
        #expect(approved.rejectionNote.isEmpty)
        let history = try await pipeline.service.get(.with { $0.id = id }, context: pipeline.context).history
        #expect(history.map(\.action) == ["generated", "assigned", "submitted", "rejected", "submitted", "approved"])
        let review = Array(history.dropFirst(2))
        #expect(review[1].note == "Audio is too quiet" && review[1].creatorID == 1)
        #expect(review[0].videoURL == "https://cdn.example.com/v/\(id).mp4")
    }
}
