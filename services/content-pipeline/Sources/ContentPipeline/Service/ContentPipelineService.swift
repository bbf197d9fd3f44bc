import ContentAPI
import CreatorsAPI
import Foundation
import GRDB
import LumaRPC
import LumaValues
import LumaServiceKit
import MediaAPI
import VersesAPI

/// `luma.content.v1.ContentPipeline`: daily content, its state machine, and the pipeline's
/// side of the cross-service foreign keys.
public struct ContentPipelineService: Luma_Content_V1_ContentPipelineProvider {
    let database: DatabasePool
    let verses: any VerseSource
    let creators: any CreatorDirectory
    let media: any MediaLibrary
    let generator: any ScriptGenerator
    let themes: TemplateScriptGenerator
    let rendering: RenderingSetup
    /// Called after a commit that wrote to the outbox, to deliver at once.
    let outboxWritten: @Sendable () -> Void
    let pausePoints: PausePoints

    public init(database: DatabasePool, verses: any VerseSource, creators: any CreatorDirectory, media: any MediaLibrary = NoMediaLibrary(),
                generator: any ScriptGenerator = TemplateScriptGenerator(), seed: UInt64 = 0, rendering: RenderingSetup = .none,
                pausePoints: PausePoints = .none, outboxWritten: @escaping @Sendable () -> Void = {}) {
        self.pausePoints = pausePoints
        self.rendering = rendering
        self.media = media
        self.database = database
        self.verses = verses
        self.creators = creators
        self.generator = generator
        self.themes = TemplateScriptGenerator(seed: seed)
        self.outboxWritten = outboxWritten
    }

    static let maxPlanDays = 3660

    // MARK: Plan and generate

    public func plan(_ request: Luma_Content_V1_PlanRequest, context: RPCServerContext) async throws -> Luma_Content_V1_PlanResponse {
        let dates = try Self.dateRange(request.fromDate, request.toDate)
        let modes = try Self.modes(request.modes)
        let languages = try Self.languages(request.languages)
        let (created, existing) = try await database.measured.write { try ContentStore.plan($0, dates: dates, modes: modes, languages: languages) }
        return .with {
            $0.created = UInt32(created)
            $0.existing = UInt32(existing)
        }
    }

    public func generate(_ request: Luma_Content_V1_GenerateRequest, context: RPCServerContext) async throws -> Luma_Content_V1_GenerateResponse {
        let category = request.category.isEmpty ? nil : request.category
        switch request.target {
        case .id(let rawID):
            let id = try Validate.id(rawID, field: "id")
            let item = try await generateOne(id: id, category: category, translation: request.translation)
            return .with {
                $0.items = [item.message]
                $0.generated = 1
            }
        case .range(let range):
            let dates = try Self.dateRange(range.fromDate, range.toDate, field: "range")
            let filter = ContentStore.Filter(from: dates.first!.description, to: dates.last!.description, statuses: [.empty])
            let empty = try await database.measured.read { try ContentStore.list($0, filter, limit: 100_000, offset: 0) }
            let outcomes = try await generateAll(empty, category: category, translation: request.translation)
            // A peer that is down fails the whole request: nothing half-reported.
            if outcomes.allSatisfy({ $0.item == nil }),
               let down = outcomes.compactMap({ $0.error as? RPCError }).first(where: { $0.code == .unavailable }) {
                throw down
            }
            return .with {
                $0.items = outcomes.compactMap { $0.item?.message }
                $0.generated = UInt32($0.items.count)
                $0.failures = outcomes.compactMap { outcome in
                    guard let error = outcome.error else { return nil }
                    let status = (error as? RPCError) ?? RPCError.internalError("internal error")
                    return .with {
                        $0.id = outcome.id
                        $0.postDate = outcome.postDate
                        $0.reason = status.description
                        $0.code = UInt32(status.code.rawValue)
                    }
                }
            }
        case .none:
            throw RPCError.invalidArgument("target is required: an item id or a date range", field: "target")
        }
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

    /// Generates items eight at a time (each bible item is a round trip to verse-registry),
    /// in date order. The bible items' verses are claimed first, one at a time in date order:
    /// days that share a category (a season's) then get its passages in the editors' order
    /// whatever order the concurrent script writing finishes in, and a re-run gives the same
    /// year. (A claim that failed here is tried again, and reported, by the item's generation.)
    func generateAll(_ items: [ContentRecord], category: String?, translation: String) async throws -> [GenerateOutcome] {
        let items = items.sorted { ($0.postDate, $0.language, $0.id) < ($1.postDate, $1.language, $1.id) }
        var claimed: [Int64: Claim] = [:]
        // The registry's categories once for the range (ListCategories counts every category's
        // unused picks: asked per item it was most of a year's generation time).
        let available = items.contains { $0.mode == .bible } ? try? await verses.categories() : nil
        for item in items where item.mode == .bible && item.status == .empty {
            claimed[item.id] = try? await claimVerse(for: item, category: category, translation: translation, available: available)
        }
        let claims = claimed
        return try await withThrowingTaskGroup(of: GenerateOutcome.self) { group in
            var queue = items.makeIterator()
            var outcomes: [GenerateOutcome] = []
            for _ in 0..<8 {
                guard let item = queue.next() else { break }
                group.addTask { await generateOutcome(item, category: category, translation: translation, claimed: claims[item.id]) }
            }
            while let outcome = try await group.next() {
                outcomes.append(outcome)
                if let item = queue.next() {
                    group.addTask { await generateOutcome(item, category: category, translation: translation, claimed: claims[item.id]) }
                }
            }
            return outcomes.sorted { ($0.postDate, $0.id) < ($1.postDate, $1.id) }
        }
    }

    func generateOutcome(_ item: ContentRecord, category: String?, translation: String, claimed: Claim? = nil) async -> GenerateOutcome {
        do {
            let generated = try await generateOne(id: item.id, category: category, translation: translation, claimed: claimed)
            return GenerateOutcome(id: item.id, postDate: item.postDate, item: generated, error: nil)
        } catch {
            return GenerateOutcome(id: item.id, postDate: item.postDate, item: nil, error: error)
        }
    }

    /// empty -> generated for one item: claim a verse (bible), write scripts, compare-and-set.
    func generateOne(id: Int64, category: String?, translation requested: String, claimed: Claim? = nil) async throws -> ContentRecord {
        let item = try await database.measured.read { try ContentStore.existing($0, id: id) }
        if let refusal = ContentTransition.generate.refusal(item: id, from: item.status) {
            throw RPCError.failedPrecondition(refusal, field: "id")
        }
        let date = CalendarDate(item.postDate) ?? .today
        let claim: Claim
        if let claimed { claim = claimed } else { claim = try await claimVerse(for: item, category: category, translation: requested) }
        let (verse, topic, season) = claim
        if verse != nil {
            // If the item is deleted from here on, the transition below finds it gone, and the
            // delete's queued release frees the verse just claimed.
            await pausePoints.reached(ContentPipelinePausePoints.generateAfterClaim)
        }
        let recent = try await database.measured.read {
            try ContentStore.recentOpenings($0, before: date, days: ScriptRules.openingWindow, language: item.language, mode: item.mode)
        }
        let scripts = try await generator.scripts(for: GenerationInput(
            postDate: item.postDate, mode: item.mode, language: item.language,
            verseReference: verse?.reference, verseText: verse?.text, topic: topic,
            note: verse.flatMap { $0.passageNote.isEmpty ? nil : $0.passageNote }, season: season, recentOpenings: recent))
        let changes = columns([
            "category": topic,
            "verse_reference": verse?.reference,
            "verse_text": verse?.text,
            "verse_note": verse?.note.isEmpty == false ? verse?.note : nil,
            "camera_script": scripts.cameraScript,
            "devotional_reflection": scripts.devotionalReflection,
            "meditation_script": scripts.meditationScript,
            "background_prompt": scripts.backgroundPrompt,
        ])
        return try await database.measured.write { db in
            try ContentStore.transition(db, id: id, from: .empty, to: ContentTransition.generate.to, set: changes)
        }
    }

    /// The item's topic and, for a bible item, the verse it claims (or already holds): the
    /// category asked for, else the date's (`DailyTopic`: the church year's season, else the
    /// ordinary rotation); positivity items take the theme of the library's script of the date.
    typealias Claim = (verse: ClaimedVerse?, topic: String, season: String?)

    func claimVerse(for item: ContentRecord, category: String?, translation requested: String, available known: [String]? = nil) async throws -> Claim {
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
                                                           translation: translation, language: item.language)
            return (claimed, claimed.category.isEmpty ? topic : claimed.category, choice.season)
        case .positivity:
            guard let entry = themes.positivity(on: item.postDate, language: item.language) else {
                throw RPCError.failedPrecondition("no positivity library for '\(item.language)'", field: "language")
            }
            return (nil, entry.theme, nil)
        }
    }

    // MARK: Assignment

    public func assign(_ request: Luma_Content_V1_AssignRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentItem {
        let id = try Validate.id(request.id, field: "id")
        let item = try await database.measured.read { try ContentStore.existing($0, id: id) }
        if let refusal = ContentTransition.assign.refusal(item: id, from: item.status) {
            throw RPCError.failedPrecondition(refusal, field: "id")
        }
        let month = String(item.postDate.prefix(7))
        let creator: Luma_Creators_V1_Creator
        switch request.creator {
        case .creatorID(let rawCreator):
            let creatorID = try Validate.id(rawCreator, field: "creator_id")
            guard let found = try await creators.check(creatorID) else {
                throw RPCError.notFound("creator \(creatorID) does not exist", field: "creator_id")
            }
            try Self.requireEligible(found, for: item)
            creator = found
        case .auto(true):
            creator = try await leastLoaded(for: item, month: month)
        case .auto(false), .none:
            throw RPCError.invalidArgument("name a creator_id or set auto", field: "creator")
        }
        // An AI creator's video is rendered: refused here, before anything is written, when it
        // cannot be.
        let renderer = creator.isAi ? try rendering.renderer(for: creator, language: item.language) : nil
        await pausePoints.reached(ContentPipelinePausePoints.assignAfterCreatorCheck)
        let script = item.cameraScript ?? ""
        let now = Date().timeIntervalSince1970
        let updated = try await database.measured.write { db -> ContentRecord in
            // The creator may have been deleted since the check: if its SET NULL already arrived,
            // its tombstone refuses the write; if it arrives later, it undoes this one.
            try ContentStore.requireCreatorNotDeleted(db, creator: creator.id)
            // Capacity is re-counted inside the write transaction, which SQLite serialises, so
            // two concurrent assignments cannot both take the last slot.
            let used = try ContentStore.assignedCount(db, creator: creator.id, month: month)
            guard used < Int(creator.monthlyCapacity) else {
                throw RPCError.failedPrecondition(
                    "creator \(creator.id) capacity \(used) of \(creator.monthlyCapacity) used in \(month)", field: "creator_id")
            }
            let assigned = try ContentStore.transition(db, id: id, from: item.status, to: ContentTransition.assign.to, set: columns(["creator_id": creator.id]))
            if let renderer {
                _ = try RenderJobStore.ensure(db, item: id, creator: creator.id, vendor: renderer.vendor, avatar: renderer.avatar,
                                              voice: renderer.voice, script: script, now: now)
            } else {
                try RenderJobStore.cancel(db, item: id, reason: "the item was assigned to a person")
            }
            return assigned
        }
        if renderer != nil { rendering.wake() }
        return try await withRender(updated.message)
    }

    static func requireEligible(_ creator: Luma_Creators_V1_Creator, for item: ContentRecord) throws {
        guard creator.active else {
            throw RPCError.failedPrecondition("creator \(creator.id) is inactive", field: "creator_id")
        }
        let canFilm = item.mode == .bible ? creator.canBible : creator.canPositivity
        guard canFilm else {
            throw RPCError.failedPrecondition("creator \(creator.id) cannot film \(item.mode.rawValue)", field: "creator_id")
        }
        guard creator.languages.contains(item.language) else {
            throw RPCError.failedPrecondition(
                "creator \(creator.id) does not speak \(item.language) (speaks \(creator.languages.joined(separator: ", ")))", field: "creator_id")
        }
    }

    /// The eligible creator with the fewest assignments that month and room left.
    func leastLoaded(for item: ContentRecord, month: String) async throws -> Luma_Creators_V1_Creator {
        // Without a vendor an AI creator cannot make the video: not a candidate.
        let eligible = try await creators.eligible(mode: item.mode, language: item.language)
            .filter { !$0.isAi || rendering.vendor != nil }
        // A creator whose deletion already reached us is no candidate, even if the registry
        // listed it a moment before.
        let loads = try await database.measured.read { db in
            try eligible.filter { try !ContentStore.creatorIsDeleted(db, creator: $0.id) }
                .map { (creator: $0, used: try ContentStore.assignedCount(db, creator: $0.id, month: month)) }
        }
        guard let pick = loads.filter({ $0.used < Int($0.creator.monthlyCapacity) })
            .min(by: { ($0.used, $0.creator.id) < ($1.used, $1.creator.id) }) else {
            throw RPCError.failedPrecondition(
                "no eligible creator with capacity left for \(item.mode.rawValue)/\(item.language) in \(month) (\(eligible.count) eligible)",
                field: "creator")
        }
        return pick.creator
    }

    public func unassign(_ request: Luma_Content_V1_UnassignRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentItem {
        // The render job is cancelled in the same transaction: a late result is not submitted.
        try await withRender(try await move(request.id, .unassign, set: columns(["creator_id": nil])) { db, item in
            try RenderJobStore.cancel(db, item: item.id, reason: "the item was unassigned")
        })
    }

    // MARK: Review

    public func submit(_ request: Luma_Content_V1_SubmitRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentItem {
        let usesMedia = request.videoMediaID != 0 || request.thumbnailMediaID != 0
        let usesURLs = !request.videoURL.trimmingCharacters(in: .whitespaces).isEmpty
            || !request.thumbnailURL.trimmingCharacters(in: .whitespaces).isEmpty
        if usesMedia && usesURLs {
            throw RPCError.invalidArgument("submit either video_media_id (an upload) or video_url and thumbnail_url, not both", field: "video_media_id")
        }
        if usesMedia { return try await submitMedia(request) }
        let video = try Self.httpsURL(request.videoURL, field: "video_url")
        let thumbnail = try Self.httpsURL(request.thumbnailURL, field: "thumbnail_url")
        // A creator submits only for items assigned to them (checked in the transaction).
        return try await move(request.id, .submit, scope: CreatorScope.creatorID, set: columns([
            "creator_video_url": video, "creator_video_thumbnail": thumbnail, "rejection_note": nil,
            "video_media_id": nil, "thumbnail_media_id": nil, "video_duration_ms": nil, "video_width": nil, "video_height": nil,
            "video_codecs": nil,
        ]), review: "submitted")
    }

    /// A submission of media held by media-store: the reference is checked there (exists, is a
    /// checked video, belongs to the item's creator), then written in a transaction that
    /// refuses media media-store has since been allowed to remove (docs/integrity.md).
    func submitMedia(_ request: Luma_Content_V1_SubmitRequest) async throws -> Luma_Content_V1_ContentItem {
        let id = try Validate.id(request.id, field: "id")
        guard request.videoMediaID != 0 else {
            throw RPCError.invalidArgument("video_media_id is required with thumbnail_media_id", field: "video_media_id")
        }
        let videoID = try Validate.id(request.videoMediaID, field: "video_media_id")
        let scope = CreatorScope.creatorID
        let item = try await database.measured.read { try ContentStore.existing($0, id: id) }
        if let scope, item.creatorID != scope {
            throw RPCError(.permissionDenied, "item \(id) is not assigned to creator \(scope)", field: "id")
        }
        if let refusal = ContentTransition.submit.refusal(item: id, from: item.status) {
            throw RPCError.failedPrecondition(refusal, field: "id")
        }
        let video = try await checkedMedia(videoID, kind: .video, for: item, field: "video_media_id")
        let thumbnailID = request.thumbnailMediaID != 0 ? try Validate.id(request.thumbnailMediaID, field: "thumbnail_media_id") : video.thumbnailID
        if request.thumbnailMediaID != 0 {
            _ = try await checkedMedia(thumbnailID, kind: .image, for: item, field: "thumbnail_media_id")
        }
        await pausePoints.reached(ContentPipelinePausePoints.submitAfterMediaCheck)
        let checkedCreator = item.creatorID
        return try await move(id, .submit, scope: scope, set: columns([
            "video_media_id": videoID, "thumbnail_media_id": thumbnailID == 0 ? nil : thumbnailID,
            "video_duration_ms": Int(video.durationMs), "video_width": Int(video.width), "video_height": Int(video.height),
            "video_codecs": video.audioCodec.isEmpty ? video.videoCodec : "\(video.videoCodec)/\(video.audioCodec)",
            "creator_video_url": nil, "creator_video_thumbnail": nil, "rejection_note": nil,
        ]), review: "submitted") { db, current in
            // Reassigned since the ownership check: the media may be another creator's.
            guard current.creatorID == checkedCreator else {
                throw RPCError(.aborted, "item \(id) was reassigned while its video was checked; submit again")
            }
            try ContentStore.requireMediaNotReleased(db, media: videoID, field: "video_media_id")
            if thumbnailID != 0 { try ContentStore.requireMediaNotReleased(db, media: thumbnailID, field: "thumbnail_media_id") }
        }
    }

    /// The media, if media-store has it, of the right kind, and the item's creator's (or an
    /// admin's upload).
    func checkedMedia(_ id: Int64, kind: Luma_Media_V1_MediaKind, for item: ContentRecord, field: String) async throws -> Luma_Media_V1_Media {
        guard let found = try await media.media(id) else {
            throw RPCError.notFound("media \(id) does not exist in media-store", field: field)
        }
        guard found.kind == kind else {
            throw RPCError.failedPrecondition(
                "media \(id) is \(found.kind == .image ? "an image" : "a video"), not \(kind == .image ? "an image" : "a video")", field: field)
        }
        guard found.ownerCreatorID == 0 || found.ownerCreatorID == item.creatorID else {
            throw RPCError(.permissionDenied, "media \(id) was uploaded by another creator, not item \(item.id)'s", field: field)
        }
        return found
    }

    public func approve(_ request: Luma_Content_V1_ApproveRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentItem {
        try await move(request.id, .approve, set: columns(["rejection_note": nil]), review: "approved")
    }

    public func reject(_ request: Luma_Content_V1_RejectRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentItem {
        let note = try Validate.text(request.note, field: "note", max: 2000)
        return try await move(request.id, .reject, set: columns(["rejection_note": note]), review: "rejected", note: note)
    }

    /// A local transition: check it is allowed from the current state, then compare-and-set.
    func move(_ rawID: Int64, _ transition: ContentTransition, scope creator: Int64? = nil,
              set changes: [String: DatabaseValue], review: String? = nil, note: String? = nil,
              check: (@Sendable (Database, ContentRecord) throws -> Void)? = nil) async throws -> Luma_Content_V1_ContentItem {
        let id = try Validate.id(rawID, field: "id")
        let updated = try await database.measured.write { db -> ContentRecord in
            let item = try ContentStore.existing(db, id: id)
            if let creator, item.creatorID != creator {
                throw RPCError(.permissionDenied, "item \(id) is not assigned to creator \(creator)", field: "id")
            }
            if let refusal = transition.refusal(item: id, from: item.status) {
                throw RPCError.failedPrecondition(refusal, field: "id")
            }
            try check?(db, item)
            let moved = try ContentStore.transition(db, id: id, from: item.status, to: transition.to, set: changes)
            if let review { try ContentStore.recordReview(db, item: moved, action: review, note: note) }
            return moved
        }
        return updated.message
    }

    static func httpsURL(_ text: String, field: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw RPCError.invalidArgument("\(field) is required", field: field) }
        guard trimmed.count <= 2048 else { throw RPCError.invalidArgument("\(field) is too long (at most 2048 characters)", field: field) }
        guard let url = URL(string: trimmed), url.scheme?.lowercased() == "https", let host = url.host, host.contains("."),
              !trimmed.contains(" ") else {
            throw RPCError.invalidArgument("\(field) '\(trimmed.prefix(60))' is not an https URL", field: field)
        }
        return trimmed
    }

    // MARK: Reading

    public func get(_ request: Luma_Content_V1_GetContentRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentItem {
        let id = try Validate.id(request.id, field: "id")
        // One read: the item, its history and its render job.
        let (item, message) = try await database.measured.read { db in
            let item = try ContentStore.existing(db, id: id)
            var message = item.message
            message.history = try ContentStore.history(db, item: id)
            return (item, try Self.withRenders(db, [message])[0])
        }
        try CreatorScope.requireOwn(item)
        return message
    }

    public func contentExists(_ request: Luma_Content_V1_ContentExistsRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentExistsResponse {
        let id = try Validate.id(request.id, field: "id")
        let item = try await database.measured.read { try ContentStore.item($0, id: id) }
        return .with {
            $0.exists = item != nil
            $0.postDate = item?.postDate ?? ""
        }
    }

    public func list(_ request: Luma_Content_V1_ListContentRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ListContentResponse {
        var filter = ContentStore.Filter()
        filter.from = request.fromDate.isEmpty ? nil : try Validate.date(request.fromDate, field: "from_date").description
        filter.to = request.toDate.isEmpty ? nil : try Validate.date(request.toDate, field: "to_date").description
        if let from = filter.from, let to = filter.to, from > to {
            throw RPCError.invalidArgument("from_date \(from) is after to_date \(to)", field: "from_date")
        }
        if !request.statuses.isEmpty {
            filter.statuses = try request.statuses.map { status in
                guard let known = ContentStatus(status) else { throw RPCError.invalidArgument("unknown status \(status)", field: "statuses") }
                return known
            }
        }
        if request.mode != .unspecified { filter.modes = try Self.modes([request.mode]) }
        if !request.language.isEmpty { filter.languages = try Self.languages([request.language]) }
        if request.creatorID != 0 { filter.creatorID = try Validate.id(request.creatorID, field: "creator_id") }
        if let creator = CreatorScope.creatorID {
            guard filter.creatorID == nil || filter.creatorID == creator else {
                throw RPCError(.permissionDenied, "a creator token lists only its own items (creator \(creator))", field: "creator_id")
            }
            filter.creatorID = creator
        }
        let size = try Validate.pageSize(request.pageSize)
        let offset = try Validate.pageOffset(request.pageToken)
        let (page, more) = try await database.measured.read { [filter] db in
            let items = try ContentStore.list(db, filter, limit: size + 1, offset: offset)
            return (try Self.withRenders(db, items.prefix(size).map(\.message)), items.count > size)
        }
        return .with {
            $0.items = page
            if more { $0.nextPageToken = Validate.pageToken(offset: offset + size) }
        }
    }

    public func board(_ request: Luma_Content_V1_BoardRequest, context: RPCServerContext) async throws -> Luma_Content_V1_BoardResponse {
        let dates = try Self.dateRange(request.fromDate, request.toDate)
        var filter = ContentStore.Filter(from: dates.first!.description, to: dates.last!.description)
        filter.modes = try Self.modes(request.modes)
        if !request.languages.isEmpty { filter.languages = try Self.languages(request.languages) }
        filter.creatorID = CreatorScope.creatorID
        let countsOnly = request.countsOnly
        let (counts, items) = try await database.measured.read { [filter] db in
            (try ContentStore.counts(db, filter), countsOnly ? [] : try ContentStore.list(db, filter, limit: 100_000, offset: 0))
        }
        return .with {
            $0.counts = counts.map { count in .with {
                $0.status = count.status.message
                $0.mode = count.mode.message
                $0.count = UInt32(count.count)
            } }
            $0.items = items.map(\.message)
        }
    }

    // MARK: Deleting, and the foreign keys that point here

    /// Deletes the item and, in the same transaction, queues the CASCADE to verse-registry's
    /// ledger; the outbox delivers it however long verse-registry is down.
    public func delete(_ request: Luma_Content_V1_DeleteContentRequest, context: RPCServerContext) async throws -> Luma_Content_V1_DeleteContentResponse {
        let id = try Validate.id(request.id, field: "id")
        let payload = try Luma_Verses_V1_ReleaseForContentRequest.with { $0.dailyContentID = id }.serializedData()
        let deleted = try await database.measured.write { db -> Bool in
            if let item = try ContentStore.item(db, id: id), item.status == .approved {
                throw RPCError.failedPrecondition(
                    "daily content \(id) is approved (published) and is kept, so its verse is never used again", field: "id")
            }
            guard let item = try ContentStore.delete(db, id: id) else { return false }
            try RenderJobStore.cancel(db, item: id, reason: "the item was deleted")
            if item.mode == .bible {
                try Outbox.enqueue(db, kind: ContentPipelineOutbox.releaseVerses, target: "daily content \(id)", payload: payload)
            }
            return true
        }
        if deleted { outboxWritten() }
        return .with { $0.deleted = deleted }
    }

    public func creatorDeleted(_ request: Luma_Content_V1_CreatorDeletedRequest, context: RPCServerContext) async throws -> Luma_Content_V1_CreatorDeletedResponse {
        let creator = try Validate.id(request.creatorID, field: "creator_id")
        let (unassigned, detached) = try await database.measured.write { try ContentStore.detachCreator($0, creator: creator) }
        if detached > 0 {
            context.logger.info("creator deleted: SET NULL applied", metadata: [
                "creator_id": "\(creator)", "unassigned": "\(unassigned)", "detached": "\(detached)"])
        }
        return .with {
            $0.unassigned = UInt32(unassigned)
            $0.detached = UInt32(detached)
        }
    }

    public func releaseUnheldMedia(_ request: Luma_Content_V1_ReleaseUnheldMediaRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ReleaseUnheldMediaResponse {
        guard request.mediaIds.count <= 1000 else { throw RPCError.invalidArgument("at most 1000 media ids per call", field: "media_ids") }
        if let bad = request.mediaIds.first(where: { $0 <= 0 }) {
            throw RPCError.invalidArgument("media ids are positive; got \(bad)", field: "media_ids")
        }
        let ids = request.mediaIds
        let (released, held) = try await database.measured.write { try ContentStore.releaseUnheldMedia($0, ids: ids) }
        return .with {
            $0.released = released
            $0.held = held
        }
    }

    public func checkIntegrity(_ request: Luma_Content_V1_CheckIntegrityRequest, context: RPCServerContext) async throws -> Luma_Content_V1_IntegrityReport {
        try await IntegrityChecker(database: database, verses: verses, creators: creators, media: media)
            .run(repair: request.repair, logger: context.logger)
    }

    // MARK: Input rules

    static func dateRange(_ from: String, _ to: String, field: String = "") throws -> [CalendarDate] {
        let prefix = field.isEmpty ? "" : field + "."
        let start = try Validate.date(from, field: prefix + "from_date")
        let end = try Validate.date(to, field: prefix + "to_date")
        guard start <= end else {
            throw RPCError.invalidArgument("\(prefix)from_date \(start) is after \(prefix)to_date \(end)", field: prefix + "from_date")
        }
        let days = end.dayNumber - start.dayNumber + 1
        guard days <= maxPlanDays else {
            throw RPCError.invalidArgument("a range covers at most \(maxPlanDays) days, not \(days)", field: prefix + "to_date")
        }
        return (0..<days).map { start.adding(days: $0) }
    }

    static func modes(_ values: [Luma_Content_V1_Mode]) throws -> [ContentMode] {
        if values.isEmpty { return ContentMode.allCases }
        var modes: [ContentMode] = []
        for value in values {
            guard let mode = ContentMode(value) else {
                throw RPCError.invalidArgument("mode must be MODE_BIBLE or MODE_POSITIVITY", field: "modes")
            }
            if !modes.contains(mode) { modes.append(mode) }
        }
        return modes
    }

    static func languages(_ values: [String]) throws -> [String] {
        if values.isEmpty { return ["en"] }
        return try values.map { raw in
            let code = raw.lowercased()
            guard code.count == 2, code.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw RPCError.invalidArgument("language '\(raw.prefix(20))' is not a two-letter ISO 639-1 code", field: "languages")
            }
            return code
        }
    }

    static func translation(_ requested: String, language: String) throws -> String {
        if !requested.isEmpty { return requested.lowercased() }
        guard let pack = LanguagePack.bundled[language] else {
            throw RPCError.failedPrecondition("no default Bible translation for language '\(language)'; pass translation", field: "translation")
        }
        return pack.translation
    }
}

/// What content-pipeline's outbox delivers, and how.
public enum ContentPipelineOutbox {
    public static let releaseVerses = "verses.release_for_content"

    public static func handlers(verses: any VerseSource) -> [String: OutboxDeliverer.Handler] {
        [releaseVerses: { entry in
            let request = try Luma_Verses_V1_ReleaseForContentRequest(serializedBytes: entry.payload)
            try await verses.release(content: request.dailyContentID)
        }]
    }
}
