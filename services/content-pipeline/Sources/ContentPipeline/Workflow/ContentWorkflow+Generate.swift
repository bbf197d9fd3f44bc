import ContentAPI
import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import LumaValues
import VersesAPI

/// Planning and writing items: plan, generate (one or a range), regenerate.
extension ContentWorkflow {
    /// Creates the missing `empty` items. Every language must have a language pack with a
    /// Bible translation: checked before anything is created.
    func plan(dates: [CalendarDate], modes: [ContentMode], languages: [String]) async throws -> (created: Int, existing: Int) {
        for language in languages where LanguagePack.bundled[language]?.translation.isEmpty ?? true {
            throw RPCError.invalidArgument(
                "language '\(language)' has no language pack here (have \(LanguagePack.bundled.keys.sorted().joined(separator: ", "))); "
                    + "nothing was planned", field: "languages")
        }
        return try await database.measured.write { try ContentStore.plan($0, dates: dates, modes: modes, languages: languages) }
    }

    /// One item's result in a range generation. (A struct, not a tuple: a tuple of a String and
    /// a Result as a task group's child result type crashes the Swift 6.3 runtime in optimised
    /// builds.)
    struct GenerateOutcome: Sendable {
        let id: Int64
        let postDate: String
        let item: ContentRecord?
        let error: (any Error)?
    }

    /// Every empty item of the range. A peer that is down for every item fails the whole
    /// request (nothing half-reported).
    func generateRange(_ dates: [CalendarDate], category: String?, translation: String, by actor: WorkflowActor) async throws -> [GenerateOutcome] {
        let filter = ContentStore.Filter(from: dates.first!.description, to: dates.last!.description, statuses: [.empty])
        let empty = try await database.measured.read { try ContentStore.list($0, filter, limit: 100_000, offset: 0) }
        let outcomes = try await generateAll(empty, category: category, translation: translation, by: actor)
        if outcomes.allSatisfy({ $0.item == nil }),
           let down = outcomes.compactMap({ $0.error as? RPCError }).first(where: { $0.code == .unavailable }) {
            throw down
        }
        return outcomes
    }

    /// Generates items eight at a time (each bible item is a round trip to verse-registry),
    /// in date order. The bible items' verses are claimed first, one at a time in date order:
    /// days that share a category (a season's) then get its passages in the editors' order
    /// whatever order the concurrent script writing finishes in, and a re-run gives the same
    /// year. (A claim that failed here is tried again, and reported, by the item's generation.)
    func generateAll(_ items: [ContentRecord], category: String?, translation: String, by actor: WorkflowActor) async throws -> [GenerateOutcome] {
        let items = items.sorted { ($0.postDate, $0.language, $0.id) < ($1.postDate, $1.language, $1.id) }
        var claimed: [Int64: Claim] = [:]
        // The registry's categories once for the range (ListCategories counts every category's
        // unused picks: asked per item it was most of a year's generation time).
        let available = items.contains { $0.mode == .bible } ? try? await verses.categories() : nil
        for item in items where item.mode == .bible && item.status == .empty {
            claimed[item.id] = try? await claimVerse(for: item, category: category, translation: translation, available: available)
        }
        let claims = claimed
        let actor = await named(actor)
        return try await withThrowingTaskGroup(of: GenerateOutcome.self) { group in
            var queue = items.makeIterator()
            var outcomes: [GenerateOutcome] = []
            func start(_ item: ContentRecord) {
                group.addTask { await generateOutcome(item, category: category, translation: translation, claimed: claims[item.id], by: actor) }
            }
            for _ in 0..<8 {
                guard let item = queue.next() else { break }
                start(item)
            }
            while let outcome = try await group.next() {
                outcomes.append(outcome)
                if let item = queue.next() { start(item) }
            }
            return outcomes.sorted { ($0.postDate, $0.id) < ($1.postDate, $1.id) }
        }
    }

    func generateOutcome(_ item: ContentRecord, category: String?, translation: String, claimed: Claim?, by actor: WorkflowActor) async -> GenerateOutcome {
        do {
            let generated = try await generate(id: item.id, category: category, translation: translation, claimed: claimed, by: actor)
            return GenerateOutcome(id: item.id, postDate: item.postDate, item: generated, error: nil)
        } catch {
            return GenerateOutcome(id: item.id, postDate: item.postDate, item: nil, error: error)
        }
    }

    /// empty -> generated for one item: claim a verse (bible), write scripts, compare-and-set.
    func generate(id: Int64, category: String?, translation requested: String, claimed: Claim? = nil, by actor: WorkflowActor) async throws -> ContentRecord {
        let item = try await database.measured.read { try ContentStore.existing($0, id: id) }
        try Self.require(.generate, item)
        let claim: Claim
        if let claimed { claim = claimed } else { claim = try await claimVerse(for: item, category: category, translation: requested) }
        if claim.verse != nil {
            // If the item is deleted from here on, the transition below finds it gone, and the
            // delete's queued release frees the verse just claimed.
            await pausePoints.reached(ContentPipelinePausePoints.generateAfterClaim)
        }
        let changes = try await written(item, claim, revision: 0)
        let actor = await named(actor)
        return try await database.measured.write { db in
            let generated = try ContentStore.transition(db, id: id, from: .empty, to: ContentTransition.generate.to, set: changes)
            try HistoryStore.record(db, item: generated, .generated, by: actor)
            return generated
        }
    }

    /// generated -> generated, keeping the id: a bible item claims a new verse beside the one
    /// it holds, gets new scripts, and in the same transaction as the rewrite the old verse's
    /// release is queued in the outbox (as a delete's is). If the item moved meanwhile the new
    /// verse is released instead and the call is ABORTED.
    func regenerate(id: Int64, category: String?, translation requested: String, by actor: WorkflowActor) async throws -> ContentRecord {
        let (item, pending) = try await database.measured.read { db in
            (try ContentStore.existing(db, id: id), try Self.pendingReleases(db, item: id))
        }
        guard Self.regenerable.contains(item.status) else {
            throw RPCError.failedPrecondition(
                "item \(id) is \(item.status.rawValue), so it cannot be regenerated (only generated items can: nobody is filming them yet)",
                field: "id")
        }
        let held = item.verseReference.map { [$0] } ?? []
        let revision = item.revision + 1
        let claim = try await claimVerse(for: item, category: category, translation: requested, replacing: held + pending, revision: revision)
        var written = try await written(item, claim, revision: revision)
        written["revision"] = revision.databaseValue
        let changes = written
        let actor = await named(actor)
        let newVerse = claim.verse?.reference
        let oldVerse = item.verseReference
        do {
            let rewritten = try await database.measured.write { db -> ContentRecord in
                let current = try ContentStore.existing(db, id: id)
                guard Self.regenerable.contains(current.status), current.verseReference == oldVerse else {
                    throw RPCError(.aborted, "item \(id) changed while it was regenerated (it is now \(current.status.rawValue)); reload and retry")
                }
                let rewritten = try ContentStore.transition(db, id: id, from: current.status, to: current.status, set: changes)
                if let oldVerse, item.mode == .bible, oldVerse != newVerse {
                    try Self.queueRelease(db, item: id, references: [oldVerse])
                }
                try HistoryStore.record(db, item: rewritten, .regenerated, by: actor)
                return rewritten
            }
            outboxWritten()
            return rewritten
        } catch {
            // The new verse is held by an item that does not show it: give it back (the item
            // being gone is covered by its delete, which releases every verse it held).
            if let newVerse, newVerse != oldVerse {
                try? await database.measured.write { db in
                    if try ContentStore.item(db, id: id) != nil { try Self.queueRelease(db, item: id, references: [newVerse]) }
                }
                outboxWritten()
            }
            throw error
        }
    }

    /// The columns a generation writes: topic, verse and scripts.
    func written(_ item: ContentRecord, _ claim: Claim, revision: Int) async throws -> [String: DatabaseValue] {
        let date = CalendarDate(item.postDate) ?? .today
        let recent = try await database.measured.read {
            try ContentStore.recentOpenings($0, before: date, days: ScriptRules.openingWindow, language: item.language, mode: item.mode)
        }
        let verse = claim.verse
        let scripts = try await generator.scripts(for: GenerationInput(
            postDate: item.postDate, mode: item.mode, language: item.language,
            verseReference: verse?.reference, verseText: verse?.text, topic: claim.topic,
            note: verse.flatMap { $0.passageNote.isEmpty ? nil : $0.passageNote }, season: claim.season, recentOpenings: recent,
            revision: revision))
        return columns([
            "category": claim.topic,
            "verse_reference": verse?.reference,
            "verse_text": verse?.text,
            "verse_note": verse?.note.isEmpty == false ? verse?.note : nil,
            "camera_script": scripts.cameraScript,
            "devotional_reflection": scripts.devotionalReflection,
            "meditation_script": scripts.meditationScript,
            "background_prompt": scripts.backgroundPrompt,
        ])
    }

    /// The item's topic and, for a bible item, the verse it claims (or already holds): the
    /// category asked for, else the date's (`DailyTopic`: the church year's season, else the
    /// ordinary rotation); positivity items take the theme of the library's script of the date.
    typealias Claim = (verse: ClaimedVerse?, topic: String, season: String?)

    func claimVerse(for item: ContentRecord, category: String?, translation requested: String, available known: [String]? = nil,
                    replacing: [String] = [], revision: Int = 0) async throws -> Claim {
        switch item.mode {
        case .bible:
            let translation = try Self.translation(requested, language: item.language)
            let available: [String]
            if let known { available = known } else { available = try await verses.categories() }
            guard let choice = DailyTopic.choose(on: CalendarDate(item.postDate) ?? .today, available: available) else {
                throw RPCError.failedPrecondition("verse-registry has no categories", field: "category")
            }
            var topic = choice.category
            if let category {
                guard available.contains(category) else {
                    throw RPCError.notFound("unknown category '\(category.prefix(40))'; known: \(available.joined(separator: ", "))", field: "category")
                }
                topic = category
            }
            let claimed = try await verses.claimNextUnused(content: item.id, category: topic, date: item.postDate,
                                                           translation: translation, language: item.language, replacing: replacing)
            return (claimed, claimed.category.isEmpty ? topic : claimed.category, choice.season)
        case .positivity:
            guard let entry = themes.positivity(on: item.postDate, language: item.language, revision: revision) else {
                throw RPCError.failedPrecondition("no positivity library for '\(item.language)'", field: "language")
            }
            return (nil, entry.theme, nil)
        }
    }

    static func translation(_ requested: String, language: String) throws -> String {
        if !requested.isEmpty { return requested.lowercased() }
        guard let pack = LanguagePack.bundled[language] else {
            throw RPCError.failedPrecondition("no default Bible translation for language '\(language)'; pass translation", field: "translation")
        }
        return pack.translation
    }

    // MARK: Releasing verses (the CASCADE to verse-registry's ledger, through the outbox)

    /// Queues verse-registry's release of the item's rows: every one (its delete), or only
    /// `references` (a regenerated item's old verse).
    static func queueRelease(_ db: Database, item: Int64, references: [String] = []) throws {
        let payload = try Luma_Verses_V1_ReleaseForContentRequest.with {
            $0.dailyContentID = item
            $0.references = references
        }.serializedData()
        try Outbox.enqueue(db, kind: ContentPipelineOutbox.releaseVerses, target: "daily content \(item)", payload: payload)
    }

    /// The references of the item's releases still waiting in the outbox: a regeneration
    /// gives them up too, so verse-registry does not hand one back as the item's.
    static func pendingReleases(_ db: Database, item: Int64) throws -> [String] {
        try Data.fetchAll(db, sql: "SELECT payload FROM outbox WHERE kind = ? AND target = ?",
                          arguments: [ContentPipelineOutbox.releaseVerses, "daily content \(item)"])
            .compactMap { try? Luma_Verses_V1_ReleaseForContentRequest(serializedBytes: $0) }
            .flatMap(\.references)
    }
}
