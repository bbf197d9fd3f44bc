import GRDB
import LumaRPC
import LumaValues
import VersesAPI

/// Editors' control of a category's ranking: list its picks, pin, exclude, undo.
extension VerseRegistryService {
    public func listCategoryPicks(_ request: Luma_Verses_V1_ListCategoryPicksRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_ListCategoryPicksResponse {
        let category = try Self.categoryName(request.category, field: "category")
        let pageSize = try Validate.pageSize(request.pageSize, default: 50)
        let offset = try Validate.pageOffset(request.pageToken)
        let unusedOnly = request.unusedOnly
        let (picks, texts) = try await database.measured.read { db in
            let id = try requireCategory(db, category)
            let picks = try PickStore.list(db, categoryID: id, limit: pageSize + 1, offset: offset, unusedOnly: unusedOnly)
            return (picks, try pickTexts(db, picks.prefix(pageSize)))
        }
        return .with {
            $0.picks = picks.prefix(pageSize).map { pickMessage($0, texts: texts) }
            if picks.count > pageSize { $0.nextPageToken = Validate.pageToken(offset: offset + pageSize) }
        }
    }

    public func pinVerse(_ request: Luma_Verses_V1_PinVerseRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_CategoryPicksChanged {
        let category = try Self.categoryName(request.category, field: "category")
        let reference = try overrideReference(request.reference)
        let position = request.position == 0 ? nil : Int(request.position)
        return try await changePicks(category) { db, id in
            try PickStore.pin(db, categoryID: id, reference: reference, position: position)
        }
    }

    public func excludeVerse(_ request: Luma_Verses_V1_ExcludeVerseRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_CategoryPicksChanged {
        let category = try Self.categoryName(request.category, field: "category")
        let reference = try overrideReference(request.reference)
        return try await changePicks(category) { db, id in
            try PickStore.exclude(db, categoryID: id, reference: reference)
        }
    }

    public func clearVerseOverride(_ request: Luma_Verses_V1_ClearVerseOverrideRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_CategoryPicksChanged {
        let category = try Self.categoryName(request.category, field: "category")
        let reference = try overrideReference(request.reference)
        return try await changePicks(category) { db, id in
            guard try PickStore.clearOverride(db, categoryID: id, reference: reference) else {
                throw RPCError.notFound("'\(category)' has no pin or exclusion of exactly \(reference.canonical)", field: "reference")
            }
        }
    }

    // MARK: Helpers

    /// A pin or exclusion covers a short passage: what a video can read.
    func overrideReference(_ text: String) throws -> Reference {
        let reference = try reference(text)
        guard reference.verseCount <= 10 else {
            throw RPCError.invalidArgument("pin or exclude at most 10 verses at once; \(reference.canonical) has \(reference.verseCount)", field: "reference")
        }
        return reference
    }

    func requireCategory(_ db: Database, _ name: String) throws -> Int64 {
        guard let id = try CategoryStore.id(db, name: name) else {
            throw RPCError.notFound("unknown category '\(name)'", field: "category")
        }
        return id
    }

    /// Applies an override and re-ranks the category, in one transaction.
    func changePicks(_ category: String, _ change: @escaping @Sendable (Database, Int64) throws -> Void) async throws -> Luma_Verses_V1_CategoryPicksChanged {
        let canon = self.canon
        let (row, picks, texts) = try await database.measured.write { db in
            let id = try requireCategory(db, category)
            try change(db, id)
            try PickStore.rebuild(db, categoryID: id, canon: canon, context: RankingContext.load(db, canon: canon))
            let picks = try PickStore.list(db, categoryID: id, limit: 10, offset: 0, unusedOnly: true)
            return (try CategoryStore.all(db, named: category).first!, picks, try pickTexts(db, picks[...]))
        }
        return .with {
            $0.category = Self.categoryMessage(row)
            $0.firstPicks = picks.map { pickMessage($0, texts: texts) }
        }
    }

    func pickTexts(_ db: Database, _ picks: ArraySlice<PickStore.ListedPick>) throws -> [Int: String] {
        var texts: [Int: String] = [:]
        for pick in picks {
            texts.merge(try TranslationStore.texts(db, translation: TranslationStore.canonTranslation, first: pick.first, last: pick.last)) { a, _ in a }
        }
        return texts
    }

    func pickMessage(_ pick: PickStore.ListedPick, texts: [Int: String]) -> Luma_Verses_V1_CategoryPick {
        .with {
            $0.rank = UInt32(pick.rank)
            $0.reference = canon.reference(first: pick.first, last: pick.last).canonical
            $0.source = switch pick.source {
            case .pinned: .pinned
            case .curated: .curated
            case .scored: .scored
            }
            $0.score = pick.score ?? 0
            $0.usedBy = pick.usedBy ?? 0
            $0.text = (pick.first...pick.last).compactMap { texts[$0] }.joined(separator: " ")
        }
    }
}
