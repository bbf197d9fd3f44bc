import Foundation
import GRDB
import LumaRPC
import LumaValues
import LumaServiceKit
import VersesAPI

/// `luma.verses.v1.VerseRegistry`: validates input, checks the ledger's foreign key through
/// `ContentDirectory`, and runs each operation in one database transaction.
public struct VerseRegistryService: Luma_Verses_V1_VerseRegistryProvider {
    let database: DatabasePool
    let content: any ContentDirectory
    let canon: Canon
    let parser: ReferenceParser
    let pausePoints: PausePoints

    public init(database: DatabasePool, content: any ContentDirectory, canon: Canon = .kjv, pausePoints: PausePoints = .none) {
        self.database = database
        self.content = content
        self.canon = canon
        self.parser = ReferenceParser(canon: canon)
        self.pausePoints = pausePoints
    }

    // MARK: References and text

    func reference(_ text: String, field: String = "reference") throws -> Reference {
        do {
            return try parser.parse(text)
        } catch {
            throw RPCError.invalidArgument(error.message, field: field)
        }
    }

    public func validateReference(_ request: Luma_Verses_V1_ValidateReferenceRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_ValidateReferenceResponse {
        let reference = try reference(request.reference)
        return .with {
            $0.canonical = reference.canonical
            $0.osis = reference.osis
            $0.range = reference.message
            $0.verseCount = UInt32(reference.verseCount)
        }
    }

    public func getPassage(_ request: Luma_Verses_V1_GetPassageRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_Passage {
        let reference = try reference(request.reference)
        guard reference.verseCount <= 2000 else {
            throw RPCError.invalidArgument("passages are limited to 2000 verses; \(reference.canonical) has \(reference.verseCount)", field: "reference")
        }
        let translation = try Self.translationID(request.translation)
        let (texts, language) = try await database.measured.read { db in
            guard let language = try TranslationStore.language(db, translation) else {
                throw RPCError.notFound("unknown translation '\(translation)'", field: "translation")
            }
            return (try TranslationStore.texts(db, translation: translation, first: reference.first, last: reference.last), language)
        }
        return passage(reference, translation: translation, language: language, texts: texts)
    }

    func passage(_ reference: Reference, translation: String, language: String, texts: [Int: String]) -> Luma_Verses_V1_Passage {
        var passage = Luma_Verses_V1_Passage()
        passage.reference = reference.canonical
        passage.displayReference = reference.canonical(in: language, canon: canon)
        passage.translation = translation
        for ordinal in reference.first...reference.last {
            let location = canon.location(ofOrdinal: ordinal)
            passage.verses.append(.with {
                $0.book = location.book.osis
                $0.chapter = UInt32(location.chapter)
                $0.verse = UInt32(location.verse)
                if let text = texts[ordinal] { $0.text = text } else { $0.missing = true }
            })
        }
        passage.text = passage.verses.filter { !$0.missing }.map(\.text).joined(separator: " ")
        passage.missingCount = UInt32(passage.verses.filter(\.missing).count)
        return passage
    }

    public func listTranslations(_ request: Luma_Verses_V1_ListTranslationsRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_ListTranslationsResponse {
        let rows = try await database.measured.read { try TranslationStore.all($0) }
        return .with { $0.translations = rows.map { translationMessage($0) } }
    }

    func translationMessage(_ row: TranslationStore.TranslationRow) -> Luma_Verses_V1_Translation {
        .with {
            $0.id = row.id
            $0.name = row.name
            $0.language = row.language
            $0.verseCount = UInt32(row.verseCount)
            $0.missingCount = UInt32(canon.verseCount - row.verseCount)
        }
    }

    public func importTranslation(_ request: Luma_Verses_V1_ImportTranslationRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_ImportTranslationResponse {
        let id = try Self.translationID(request.id, field: "id")
        let name = try Validate.text(request.name, field: "name", max: 100)
        let language = try Self.languageCode(request.language)
        guard request.lines.count <= 10_000 else {
            throw RPCError.invalidArgument("at most 10000 lines per batch; send the file in batches", field: "lines")
        }
        let rows: [(ordinal: Int, text: String)]
        do {
            rows = try TranslationTSV.parse(lines: request.lines, canon: canon, firstLineNumber: max(1, Int(request.firstLine)))
        } catch {
            // All or nothing: a bad line discards what earlier batches staged.
            try await database.measured.write { try TranslationStore.discardStaged($0, translation: id) }
            throw error
        }
        // A file's first batch starts afresh: whatever an import cut short (a dropped
        // connection) left staged is not part of this file.
        let firstBatch = request.firstLine <= 1
        if request.more {
            let staged = try await database.measured.write { db in
                if firstBatch { try TranslationStore.discardStaged(db, translation: id) }
                return try TranslationStore.stage(db, translation: id, rows: rows)
            }
            return .with {
                $0.imported = UInt32(rows.count)
                $0.staged = UInt32(staged)
            }
        }
        let translation = try await database.measured.write { db in
            if firstBatch { try TranslationStore.discardStaged(db, translation: id) }
            try TranslationStore.upsertTranslation(db, id: id, name: name, language: language)
            try TranslationStore.replace(db, translation: id, rows: rows)
            return try TranslationStore.all(db).first { $0.id == id }!
        }
        return .with {
            $0.imported = UInt32(rows.count)
            $0.translation = translationMessage(translation)
        }
    }

    public func deleteTranslation(_ request: Luma_Verses_V1_DeleteTranslationRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_DeleteTranslationResponse {
        let id = try Self.translationID(request.id, field: "id")
        guard id != TranslationStore.canonTranslation else {
            throw RPCError.failedPrecondition("kjv is the canon's own text (references and claims use it); it cannot be deleted", field: "id")
        }
        let deleted = try await database.measured.write { try TranslationStore.delete($0, translation: id) }
        return .with { $0.deleted = deleted }
    }

    /// An ISO 639 code such as "en"; empty is `empty` (nil: required).
    static func languageCode(_ text: String, empty: String? = nil) throws -> String {
        if text.isEmpty, let empty { return empty }
        let language = text.lowercased()
        guard language.count >= 2, language.count <= 3, language.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw RPCError.invalidArgument("language '\(text.prefix(20))' is not an ISO 639 code such as 'en' or 'es'", field: "language")
        }
        return language
    }

    static func translationID(_ text: String, field: String = "translation") throws -> String {
        if text.isEmpty && field == "translation" { return TranslationStore.canonTranslation }
        let id = text.lowercased()
        guard (2...16).contains(id.count), id.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }) else {
            throw RPCError.invalidArgument("\(field) '\(text.prefix(20))' must be 2-16 letters, digits or '-'", field: field)
        }
        return id
    }

    // MARK: Topics and categories

    public func searchTopics(_ request: Luma_Verses_V1_SearchTopicsRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_SearchTopicsResponse {
        let query = try Validate.text(request.query, field: "query", max: 100)
        let limit = request.limit == 0 ? 20 : Int(min(request.limit, 200))
        let rows = try await database.measured.read { try TopicStore.search($0, query: query, limit: limit) }
        let topics = rows.map { row in Luma_Verses_V1_Topic.with {
            $0.name = row.name
            $0.referenceCount = UInt32(row.references)
            $0.verseCount = UInt32(row.verses)
        } }
        return .with { $0.topics = topics }
    }

    public func listCategories(_ request: Luma_Verses_V1_ListCategoriesRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_ListCategoriesResponse {
        let rows = try await database.measured.read { try CategoryStore.all($0) }
        return .with { $0.categories = rows.map(Self.categoryMessage) }
    }

    static func categoryMessage(_ row: CategoryStore.CategoryRow) -> Luma_Verses_V1_Category {
        .with {
            $0.name = row.name
            $0.description_p = row.description
            $0.naveTopics = row.topics
            $0.references = row.references
            $0.verseCount = UInt32(row.verseCount)
            $0.unusedCount = UInt32(row.unusedCount)
            $0.fallbacks = row.fallbacks
            $0.pickCount = UInt32(row.pickCount)
            $0.unusedPickCount = UInt32(row.unusedPickCount)
        }
    }

    public func upsertCategory(_ request: Luma_Verses_V1_UpsertCategoryRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_Category {
        let category = request.category
        let name = try Self.categoryName(category.name, field: "category.name")
        let description = try Validate.text(category.description_p, field: "category.description", max: 500, required: false)
        guard !category.naveTopics.isEmpty || !category.references.isEmpty else {
            throw RPCError.invalidArgument("a category needs at least one Nave topic or reference", field: "category.nave_topics")
        }
        guard category.naveTopics.count + category.references.count <= 200 else {
            throw RPCError.invalidArgument("at most 200 topics and references per category", field: "category.references")
        }
        let fallbacks = try category.fallbacks.map { try Self.categoryName($0, field: "category.fallbacks") }
        guard !fallbacks.contains(name), Set(fallbacks).count == fallbacks.count, fallbacks.count <= 10 else {
            throw RPCError.invalidArgument("fallbacks must be at most 10 distinct categories other than '\(name)' itself", field: "category.fallbacks")
        }
        let definition = DefaultCategories.Definition(
            name: name, description: description, topics: category.naveTopics, references: category.references, fallbacks: fallbacks)
        let row = try await database.measured.write { db in
            try CategoryStore.upsert(db, definition, canon: canon)
            return try CategoryStore.all(db, named: name).first!
        }
        return Self.categoryMessage(row)
    }

    public func deleteCategory(_ request: Luma_Verses_V1_DeleteCategoryRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_DeleteCategoryResponse {
        let name = try Self.categoryName(request.name, field: "name")
        let deleted = try await database.measured.write { try CategoryStore.delete($0, name: name) }
        return .with { $0.deleted = deleted }
    }

    static func categoryName(_ text: String, field: String) throws -> String {
        let name = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard (1...40).contains(name.count), name.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }) else {
            throw RPCError.invalidArgument("\(field) '\(text.prefix(40))' must be 1-40 lower-case letters, digits or '-'", field: field)
        }
        return name
    }

    // MARK: The ledger

    /// The foreign-key check: nothing is written for content that does not exist. The item
    /// may be deleted right after this answer; the claim's transaction then finds the release's
    /// tombstone (`LedgerStore.requireNotReleased`), or the release, arriving later, deletes
    /// what the claim wrote. docs/integrity.md walks through both orders.
    func requireContent(_ id: Int64) async throws {
        guard try await content.contentExists(id) else {
            throw RPCError.failedPrecondition("daily content \(id) does not exist", field: "daily_content_id")
        }
        await pausePoints.reached(VerseRegistryPausePoints.claimAfterContentCheck)
    }

    public func claimVerse(_ request: Luma_Verses_V1_ClaimVerseRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_ClaimVerseResponse {
        let contentID = try Validate.id(request.dailyContentID, field: "daily_content_id")
        let reference = try reference(request.reference)
        let usedDate = try Validate.date(request.usedDate, field: "used_date").description
        let language = try Self.languageCode(request.language, empty: "en")
        guard reference.verseCount <= 200 else {
            throw RPCError.invalidArgument("claim at most 200 verses at once; \(reference.canonical) has \(reference.verseCount)", field: "reference")
        }
        try await requireContent(contentID)
        let rows = try await database.measured.write { db in
            try LedgerStore.claim(db, reference: reference, content: contentID, language: language, usedDate: usedDate, canon: canon)
        }
        return .with {
            $0.reference = reference.canonical
            $0.claimed = rows.map(Self.usedVerse)
        }
    }

    public func claimNextUnused(_ request: Luma_Verses_V1_ClaimNextUnusedRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_ClaimNextUnusedResponse {
        let contentID = try Validate.id(request.dailyContentID, field: "daily_content_id")
        let category = try Self.categoryName(request.category, field: "category")
        let usedDate = try Validate.date(request.usedDate, field: "used_date").description
        let translation = try Self.translationID(request.translation)
        let requestedLanguage = request.language.isEmpty ? nil : try Self.languageCode(request.language)
        guard request.replacing.count <= 100 else {
            throw RPCError.invalidArgument("at most 100 replaced passages, not \(request.replacing.count)", field: "replacing")
        }
        let replaced = try request.replacing.map { try self.reference($0, field: "replacing") }
        try await requireContent(contentID)
        let claim = try await database.measured.write { db -> (rows: [LedgerRow], texts: [Int: String], category: String, note: String, language: String) in
            guard let categoryID = try CategoryStore.id(db, name: category) else {
                throw RPCError.notFound("unknown category '\(category)'", field: "category")
            }
            guard let language = try TranslationStore.language(db, translation) else {
                throw RPCError.notFound("unknown translation '\(translation)'", field: "translation")
            }
            // The ledger's channel is the item's language, which is its translation's: the
            // picks' "wholly unused" check reads the translation's language.
            if let requestedLanguage, requestedLanguage != language {
                throw RPCError.invalidArgument(
                    "translation \(translation) is '\(language)', not the item's language '\(requestedLanguage)'", field: "language")
            }
            // Retried or repeated: the item keeps the verse it already holds, apart from the
            // passages a regeneration gives up (`replacing`), which stay held until released.
            let held = try LedgerStore.rows(db, content: contentID).filter { row in
                !replaced.contains { row.ordinal >= $0.first && row.ordinal <= $0.last }
            }
            var chosen = (category: category, note: "")
            let rows: [LedgerRow]
            if held.isEmpty {
                try LedgerStore.requireNotReleased(db, content: contentID)
                guard let choice = try VerseChooser(translation: translation)
                    .choose(db, categoryID: categoryID, categoryName: category) else {
                    throw RPCError(.resourceExhausted,
                        "no unused verse with \(translation) text is left in any category (asked for '\(category)')", field: "category")
                }
                chosen = (choice.category, choice.note)
                rows = try LedgerStore.claim(db, reference: canon.reference(first: choice.first, last: choice.last),
                                             content: contentID, language: language, usedDate: usedDate, canon: canon)
            } else {
                rows = held
            }
            let texts = try TranslationStore.texts(db, translation: translation, first: rows.first!.ordinal, last: rows.last!.ordinal)
            return (rows, texts, chosen.category, chosen.note, language)
        }
        let reference = canon.reference(first: claim.rows.first!.ordinal, last: claim.rows.last!.ordinal)
        return .with {
            $0.reference = reference.canonical
            $0.displayReference = reference.canonical(in: claim.language, canon: canon)
            $0.claimed = claim.rows.map(Self.usedVerse)
            $0.text = claim.rows.compactMap { claim.texts[$0.ordinal] }.joined(separator: " ")
            $0.translation = translation
            $0.category = claim.category
            $0.fallbackNote = claim.note
            $0.passageNote = PassageNotes.bundled.note(first: reference.first, last: reference.last, language: claim.language) ?? ""
        }
    }

    public func releaseForContent(_ request: Luma_Verses_V1_ReleaseForContentRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_ReleaseForContentResponse {
        let contentID = try Validate.id(request.dailyContentID, field: "daily_content_id")
        guard request.references.count <= 100 else {
            throw RPCError.invalidArgument("at most 100 references, not \(request.references.count)", field: "references")
        }
        let passages = try request.references.map { try self.reference($0, field: "references") }
        let released = try await database.measured.write { db in
            passages.isEmpty ? try LedgerStore.release(db, content: contentID)
                : try LedgerStore.release(db, content: contentID, passages: passages.map { ($0.first, $0.last) })
        }
        if released > 0 {
            context.logger.info("released verses", metadata: ["daily_content_id": "\(contentID)", "count": "\(released)"])
        }
        return .with { $0.released = UInt32(released) }
    }

    public func isUsed(_ request: Luma_Verses_V1_IsUsedRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_IsUsedResponse {
        let reference = try reference(request.reference)
        let rows = try await database.measured.read { try LedgerStore.rows($0, first: reference.first, last: reference.last, language: nil) }
        return .with {
            $0.used = !rows.isEmpty
            $0.usages = rows.map(Self.usedVerse)
        }
    }

    public func listUsed(_ request: Luma_Verses_V1_ListUsedRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_ListUsedResponse {
        let from = request.fromDate.isEmpty ? nil : try Validate.date(request.fromDate, field: "from_date").description
        let to = request.toDate.isEmpty ? nil : try Validate.date(request.toDate, field: "to_date").description
        if let from, let to, from > to {
            throw RPCError.invalidArgument("from_date \(from) is after to_date \(to)", field: "from_date")
        }
        let pageSize = try Validate.pageSize(request.pageSize)
        let offset = try Validate.pageOffset(request.pageToken)
        let rows = try await database.measured.read { try LedgerStore.list($0, from: from, to: to, limit: pageSize + 1, offset: offset) }
        return .with {
            $0.verses = rows.prefix(pageSize).map(Self.usedVerse)
            if rows.count > pageSize { $0.nextPageToken = Validate.pageToken(offset: offset + pageSize) }
        }
    }

    public func usageStats(_ request: Luma_Verses_V1_UsageStatsRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_UsageStatsResponse {
        let (summary, usedByBook) = try await database.measured.read { db in
            (try LedgerStore.summary(db), try LedgerStore.usedByBook(db))
        }
        return .with {
            $0.totalVerses = UInt32(canon.verseCount)
            $0.usedVerses = UInt32(summary.used)
            $0.contentItems = UInt32(summary.items)
            $0.firstUsedDate = summary.first
            $0.lastUsedDate = summary.last
            $0.byBook = canon.books.compactMap { book in
                guard let used = usedByBook[book.osis] else { return nil }
                return .with {
                    $0.book = book.osis
                    $0.used = UInt32(used)
                    $0.total = UInt32(book.verseCounts.reduce(0, +))
                }
            }
        }
    }

    public func listContentIds(_ request: Luma_Verses_V1_ListContentIDsRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_ListContentIDsResponse {
        let ids = try await database.measured.read { try LedgerStore.contentIDs($0) }
        return .with { $0.dailyContentIds = ids }
    }

    public func verifyClaims(_ request: Luma_Verses_V1_VerifyClaimsRequest, context: RPCServerContext) async throws -> Luma_Verses_V1_VerifyClaimsResponse {
        guard request.claims.count <= 1000 else {
            throw RPCError.invalidArgument("at most 1000 claims per call, not \(request.claims.count)", field: "claims")
        }
        let claims = request.claims
        let verdicts = try await database.measured.read { db in
            try claims.map { claim in try verdict(db, claim) }
        }
        return .with { $0.verdicts = verdicts }
    }

    func verdict(_ db: Database, _ claim: Luma_Verses_V1_ClaimToVerify) throws -> Luma_Verses_V1_ClaimVerdict {
        var verdict = Luma_Verses_V1_ClaimVerdict()
        verdict.dailyContentID = claim.dailyContentID
        guard let reference = try? parser.parse(claim.reference) else {
            verdict.outcome = .invalidReference
            verdict.detail = "'\(claim.reference.prefix(60))' is not a valid reference"
            return verdict
        }
        guard let language = try? Self.languageCode(claim.language, empty: "en") else {
            verdict.outcome = .invalidReference
            verdict.detail = "'\(claim.language.prefix(20))' is not a language code"
            return verdict
        }
        // Held by another item in the same language channel: the other languages' rows are theirs.
        let rows = try LedgerStore.rows(db, first: reference.first, last: reference.last, language: language)
        let holders = Array(Set(rows.map(\.dailyContentID)).subtracting([claim.dailyContentID])).sorted()
        verdict.holders = holders
        if !holders.isEmpty {
            verdict.outcome = .heldByOther
            verdict.detail = "\(reference.canonical) is held by daily content \(holders.map(String.init).joined(separator: ", ")) in '\(language)'"
        } else if rows.count < reference.verseCount {
            verdict.outcome = .missing
            verdict.detail = "\(reference.canonical): \(reference.verseCount - rows.count) of \(reference.verseCount) verses have no ledger row in '\(language)'"
        } else {
            verdict.outcome = .held
        }
        // The item's other rows, as passages (runs of consecutive verses).
        let others = try LedgerStore.rows(db, content: claim.dailyContentID)
            .filter { $0.language == language && ($0.ordinal < reference.first || $0.ordinal > reference.last) }
            .map(\.ordinal).sorted()
        var runs: [(first: Int, last: Int)] = []
        for ordinal in others {
            if let last = runs.last, ordinal == last.last + 1 { runs[runs.count - 1].last = ordinal } else { runs.append((ordinal, ordinal)) }
        }
        verdict.alsoHeld = runs.map { canon.reference(first: $0.first, last: $0.last).canonical }
        return verdict
    }

    static func usedVerse(_ row: LedgerRow) -> Luma_Verses_V1_UsedVerse {
        .with {
            $0.book = row.book
            $0.chapter = UInt32(row.chapter)
            $0.verse = UInt32(row.verse)
            $0.dailyContentID = row.dailyContentID
            $0.usedDate = row.usedDate
            $0.createdAt = row.createdAt
            $0.language = row.language
        }
    }
}

extension Reference {
    var message: Luma_Verses_V1_VerseRange {
        .with {
            $0.book = book.osis
            $0.startChapter = UInt32(startChapter)
            $0.startVerse = UInt32(startVerse)
            $0.endChapter = UInt32(endChapter)
            $0.endVerse = UInt32(endVerse)
        }
    }
}
