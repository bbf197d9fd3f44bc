import ContentAPI
import CreatorsAPI
import Foundation
import GRDB
import LumaAuth
import LumaRPC
import LumaValues
import LumaServiceKit
import MediaAPI
import VersesAPI

/// `luma.content.v1.ContentPipeline`: the RPC face of the content workflow. Each method checks
/// its request's fields, asks `ContentWorkflow` (which owns every rule of the workflow) and
/// translates the answer into messages; reads add what the caller may do to each item.
public struct ContentPipelineService: Luma_Content_V1_ContentPipelineProvider {
    public let workflow: ContentWorkflow
    var database: DatabasePool { workflow.database }

    public init(database: DatabasePool, verses: any VerseSource, creators: any CreatorDirectory, media: any MediaLibrary = NoMediaLibrary(),
                generator: any ScriptGenerator = TemplateScriptGenerator(), seed: UInt64 = 0, rendering: RenderingSetup = .none,
                publication: PublicationCalendar = PublicationCalendar(),
                pausePoints: PausePoints = .none, outboxWritten: @escaping @Sendable () -> Void = {}) {
        workflow = ContentWorkflow(database: database, verses: verses, creators: creators, media: media, generator: generator, seed: seed,
                                   rendering: rendering, publication: publication, pausePoints: pausePoints, outboxWritten: outboxWritten)
    }

    static let maxPlanDays = 3660

    /// The item as the caller sees it: with its render job and the actions they may take.
    func view(_ item: ContentRecord) async throws -> Luma_Content_V1_ContentItem {
        try await workflow.views([item], caller: Principal.current)[0]
    }

    // MARK: Plan and generate

    public func plan(_ request: Luma_Content_V1_PlanRequest, context: RPCServerContext) async throws -> Luma_Content_V1_PlanResponse {
        let dates = try Self.dateRange(request.fromDate, request.toDate)
        let modes = try Self.modes(request.modes)
        let languages = try Self.languages(request.languages)
        let (created, existing) = try await workflow.plan(dates: dates, modes: modes, languages: languages)
        return .with {
            $0.created = UInt32(created)
            $0.existing = UInt32(existing)
        }
    }

    public func generate(_ request: Luma_Content_V1_GenerateRequest, context: RPCServerContext) async throws -> Luma_Content_V1_GenerateResponse {
        let category = request.category.isEmpty ? nil : request.category
        let actor = WorkflowActor.caller()
        switch request.target {
        case .id(let rawID):
            let id = try Validate.id(rawID, field: "id")
            let item = try await workflow.generate(id: id, category: category, translation: request.translation, by: actor)
            let message = try await view(item)
            return .with {
                $0.items = [message]
                $0.generated = 1
            }
        case .range(let range):
            let dates = try Self.dateRange(range.fromDate, range.toDate, field: "range")
            let outcomes = try await workflow.generateRange(dates, category: category, translation: request.translation, by: actor)
            let items = try await workflow.views(outcomes.compactMap(\.item), caller: Principal.current)
            return .with {
                $0.items = items
                $0.generated = UInt32(items.count)
                $0.failures = outcomes.compactMap { outcome in
                    guard let error = outcome.error else { return nil }
                    let status = (error as? RPCError) ?? RPCError.internalError("internal error")
                    return .with {
                        $0.id = outcome.id
                        $0.postDate = outcome.postDate
                        $0.reason = status.description
                        $0.code = UInt32(status.code.rawValue)
                        $0.message = status.message
                        $0.field = status.field
                        $0.origin = status.origin
                    }
                }
            }
        case .none:
            throw RPCError.invalidArgument("target is required: an item id or a date range", field: "target")
        }
    }

    public func regenerate(_ request: Luma_Content_V1_RegenerateRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentItem {
        let id = try Validate.id(request.id, field: "id")
        let category = request.category.isEmpty ? nil : request.category
        return try await view(try await workflow.regenerate(id: id, category: category, translation: request.translation, by: .caller()))
    }

    // MARK: Assignment

    public func assign(_ request: Luma_Content_V1_AssignRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentItem {
        let id = try Validate.id(request.id, field: "id")
        let assignee: ContentWorkflow.Assignee
        switch request.creator {
        case .creatorID(let rawCreator): assignee = .creator(try Validate.id(rawCreator, field: "creator_id"))
        case .auto(true): assignee = .leastLoaded
        case .auto(false), .none: throw RPCError.invalidArgument("name a creator_id or set auto", field: "creator")
        }
        return try await view(try await workflow.assign(id: id, to: assignee, by: .caller()))
    }

    public func listAssignableCreators(_ request: Luma_Content_V1_ListAssignableCreatorsRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ListAssignableCreatorsResponse {
        let id = try Validate.id(request.id, field: "id")
        let item = try await database.measured.read { try ContentStore.existing($0, id: id) }
        let (month, candidates) = try await workflow.assignableCreators(for: id)
        return .with {
            $0.month = month
            $0.creators = candidates.map { candidate in .with {
                $0.creatorID = candidate.creator.id
                $0.displayName = candidate.creator.displayName
                $0.isAi = candidate.creator.isAi
                $0.monthlyCapacity = UInt32(max(0, candidate.creator.monthlyCapacity))
                $0.assigned = UInt32(candidate.assigned)
                $0.remaining = UInt32(candidate.remaining)
                $0.assignable = candidate.refusal == nil
                $0.reason = candidate.refusal ?? ""
                $0.current = item.creatorID == candidate.creator.id
            } }
        }
    }

    public func unassign(_ request: Luma_Content_V1_UnassignRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentItem {
        let id = try Validate.id(request.id, field: "id")
        return try await view(try await workflow.unassign(id: id, by: .caller()))
    }

    // MARK: Review

    public func submit(_ request: Luma_Content_V1_SubmitRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentItem {
        let id = try Validate.id(request.id, field: "id")
        let usesMedia = request.videoMediaID != 0 || request.thumbnailMediaID != 0
        let usesURLs = !request.videoURL.trimmingCharacters(in: .whitespaces).isEmpty
            || !request.thumbnailURL.trimmingCharacters(in: .whitespaces).isEmpty
        if usesMedia && usesURLs {
            throw RPCError.invalidArgument("submit either video_media_id (an upload) or video_url and thumbnail_url, not both", field: "video_media_id")
        }
        let submission: ContentWorkflow.Submission
        if usesMedia {
            guard request.videoMediaID != 0 else {
                throw RPCError.invalidArgument("video_media_id is required with thumbnail_media_id", field: "video_media_id")
            }
            let video = try Validate.id(request.videoMediaID, field: "video_media_id")
            let thumbnail = request.thumbnailMediaID != 0 ? try Validate.id(request.thumbnailMediaID, field: "thumbnail_media_id") : nil
            submission = .media(video: video, thumbnail: thumbnail)
        } else {
            submission = .urls(video: try Self.httpsURL(request.videoURL, field: "video_url"),
                               thumbnail: try Self.httpsURL(request.thumbnailURL, field: "thumbnail_url"))
        }
        // A creator submits only for items assigned to them (checked in the transaction).
        return try await view(try await workflow.submit(id: id, submission, scope: CreatorScope.creatorID, by: .caller()))
    }

    public func approve(_ request: Luma_Content_V1_ApproveRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentItem {
        let id = try Validate.id(request.id, field: "id")
        return try await view(try await workflow.approve(id: id, by: .caller()))
    }

    public func reject(_ request: Luma_Content_V1_RejectRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentItem {
        let id = try Validate.id(request.id, field: "id")
        let note = try Validate.text(request.note, field: "note", max: 2000)
        return try await view(try await workflow.reject(id: id, note: note, by: .caller()))
    }

    // MARK: Publishing

    public func unpublish(_ request: Luma_Content_V1_UnpublishRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentItem {
        let id = try Validate.id(request.id, field: "id")
        let note = try Validate.text(request.note, field: "note", max: 2000)
        return try await view(try await workflow.unpublish(id: id, note: note, by: .caller()))
    }

    public func republish(_ request: Luma_Content_V1_RepublishRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentItem {
        let id = try Validate.id(request.id, field: "id")
        return try await view(try await workflow.republish(id: id, by: .caller()))
    }

    public func getPublished(_ request: Luma_Content_V1_GetPublishedRequest, context: RPCServerContext) async throws -> Luma_Content_V1_PublishedDay {
        let language = try Self.channel(request.language)
        let date = request.date.isEmpty ? nil : try Validate.date(request.date, field: "date")
        return try await workflow.publishedDay(language: language, date: date)
    }

    public func listPublished(_ request: Luma_Content_V1_ListPublishedRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ListPublishedResponse {
        let language = try Self.channel(request.language)
        let from = try Validate.date(request.fromDate, field: "from_date")
        let to = try Validate.date(request.toDate, field: "to_date")
        guard from <= to else { throw RPCError.invalidArgument("from_date \(from) is after to_date \(to)", field: "from_date") }
        guard to.dayNumber - from.dayNumber < 366 else {
            throw RPCError.invalidArgument("a range covers at most 366 days, not \(to.dayNumber - from.dayNumber + 1)", field: "to_date")
        }
        let size = try Validate.pageSize(request.pageSize)
        let offset = try Validate.pageOffset(request.pageToken)
        let items = try await workflow.published(language: language, from: from, to: to, limit: size + 1, offset: offset)
        return .with {
            $0.items = Array(items.prefix(size))
            if items.count > size { $0.nextPageToken = Validate.pageToken(offset: offset + size) }
            $0.timeZone = workflow.publication.zone(language).identifier
        }
    }

    /// A channel: a language with a language pack.
    static func channel(_ raw: String) throws -> String {
        let language = raw.lowercased()
        guard !language.isEmpty else { throw RPCError.invalidArgument("language is required (the channel, e.g. en)", field: "language") }
        guard LanguagePack.bundled[language] != nil else {
            throw RPCError.notFound("there is no '\(language.prefix(20))' channel (channels: \(LanguagePack.bundled.keys.sorted().joined(separator: ", ")))",
                                   field: "language")
        }
        return language
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
        return try await workflow.view(id, caller: Principal.current)
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
        let query = request.query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard query.count <= 100 else { throw RPCError.invalidArgument("query is at most 100 characters, not \(query.count)", field: "query") }
        filter.query = query.isEmpty ? nil : query
        switch request.order {
        case .postDate: filter.order = .postDate
        case .waiting: filter.order = .waiting
        case .UNRECOGNIZED(let value): throw RPCError.invalidArgument("unknown order \(value)", field: "order")
        }
        if let creator = CreatorScope.creatorID {
            guard filter.creatorID == nil || filter.creatorID == creator else {
                throw RPCError(.permissionDenied, "a creator token lists only its own items (creator \(creator))", field: "creator_id")
            }
            filter.creatorID = creator
        }
        let size = try Validate.pageSize(request.pageSize)
        let offset = try Validate.pageOffset(request.pageToken)
        let caller = Principal.current
        let (page, more) = try await database.measured.read { [filter] db in
            let items = try ContentStore.list(db, filter, limit: size + 1, offset: offset)
            return (try workflow.views(db, Array(items.prefix(size)), caller: caller), items.count > size)
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
        let caller = Principal.current
        let (counts, items) = try await database.measured.read { [filter] db in
            (try ContentStore.counts(db, filter),
             countsOnly ? [] : try workflow.views(db, try ContentStore.list(db, filter, limit: 100_000, offset: 0), caller: caller))
        }
        return .with {
            $0.counts = counts.map { count in .with {
                $0.status = count.status.message
                $0.mode = count.mode.message
                $0.count = UInt32(count.count)
            } }
            $0.items = items
        }
    }

    // MARK: Deleting, and the foreign keys that point here

    /// Deletes the item; its verses' release reaches verse-registry through the outbox.
    public func delete(_ request: Luma_Content_V1_DeleteContentRequest, context: RPCServerContext) async throws -> Luma_Content_V1_DeleteContentResponse {
        let id = try Validate.id(request.id, field: "id")
        let deleted = try await workflow.delete(id: id)
        return .with { $0.deleted = deleted }
    }

    public func creatorDeleted(_ request: Luma_Content_V1_CreatorDeletedRequest, context: RPCServerContext) async throws -> Luma_Content_V1_CreatorDeletedResponse {
        let creator = try Validate.id(request.creatorID, field: "creator_id")
        let (unassigned, detached) = try await workflow.creatorDeleted(creator, by: .caller())
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
        try await IntegrityChecker(database: database, verses: workflow.verses, creators: workflow.creators, media: workflow.media)
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
}

/// What content-pipeline's outbox delivers, and how.
public enum ContentPipelineOutbox {
    public static let releaseVerses = "verses.release_for_content"

    public static func handlers(verses: any VerseSource) -> [String: OutboxDeliverer.Handler] {
        [releaseVerses: { entry in
            let request = try Luma_Verses_V1_ReleaseForContentRequest(serializedBytes: entry.payload)
            try await verses.release(content: request.dailyContentID, references: request.references)
        }]
    }
}
