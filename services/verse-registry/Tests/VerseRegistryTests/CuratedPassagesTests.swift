import Foundation
import GRDB
import LumaRPC
import Testing
import VersesAPI
@testable import VerseRegistry

/// The curated lists an editor publishes a year from (issue 24): enough passages for a year per
/// language with no fallback, each standing alone in both shipped translations, none overlapping
/// another or the deny list, each with the editors' note in every shipped language.
/// `scripts/check-curated-passages.py` runs the same rules for writers before a change.
@Suite("Curated passages and their notes")
struct CuratedPassagesTests {
    static let languages = ["en", "es"]

    /// Every curated passage with its category, parsed.
    static func passages() throws -> [(category: String, text: String, reference: Reference)] {
        let parser = ReferenceParser()
        return try CuratedVerses.bundled.sorted(by: { $0.key < $1.key }).flatMap { category, references in
            try references.map { (category, $0, try parser.parse($0)) }
        }
    }

    @Test func enoughDistinctPassagesForAYearPerLanguage() throws {
        let all = try Self.passages()
        #expect(Set(all.map { $0.reference.first...$0.reference.last }).count >= 400, "\(all.count) passages")
        // An ordinary day rotates through the 13 categories: 365 days need at most 22 of each
        // (fewer, since the church year takes ~95 days); every season its longest span.
        let needs = ["advent": 28, "christmas": 11, "lent": 38, "easter": 6, "holy-week": 3]
        for definition in DefaultCategories.all {
            let count = CuratedVerses.bundled[definition.name]?.count ?? 0
            let need = DefaultCategories.seasonal.contains { $0.name == definition.name } ? needs[definition.name] ?? 1 : 22
            #expect(count >= need, "\(definition.name) has \(count) curated passages (needs \(need))")
        }
    }

    /// Each passage starts a sentence (or a clause: the KJV's ':' and ';', a quotation's
    /// "saying,") and ends one in the KJV, ends one in the Reina-Valera, is short enough to
    /// read in a video, and shares no verse with another passage or the deny list.
    @Test func everyPassageStandsAloneAndIsListedOnce() async throws {
        let (_, pool) = try await makeService()
        let all = try Self.passages()
        try await pool.read { db in
            var taken: [Int: String] = [:]
            for (category, text, reference) in all {
                let kjv = try TranslationStore.texts(db, translation: "kjv", first: reference.first - 1, last: reference.last)
                let rv = try TranslationStore.texts(db, translation: "rv1909", first: reference.first, last: reference.last)
                #expect(rv.count == reference.verseCount, "\(text) is missing in the RV1909")
                #expect(PassageScorer.endsSentence(kjv[reference.last] ?? ""), "\(text) ends mid-sentence in the KJV")
                #expect(PassageScorer.endsSentence(rv[reference.last] ?? ""), "\(text) ends mid-sentence in the RV1909")
                let sameChapter = reference.startVerse > 1
                if sameChapter, let before = kjv[reference.first - 1] {
                    #expect(before.range(of: #"([.?!:;]['"’)]*|\b(saying|said|spake|answered)( unto (them|him))?,)\s*$"#, options: .regularExpression) != nil,
                            "\(text) starts mid-sentence (\(before.suffix(30)))")
                }
                let words = (reference.first...reference.last).compactMap { kjv[$0] }.joined(separator: " ").split(separator: " ").count
                #expect(words <= 110, "\(text) has \(words) words")
                #expect(!DeniedVerses.ranges.contains { $0.overlaps(reference.first...reference.last) }, "\(text) is denied")
                for ordinal in reference.first...reference.last {
                    #expect(taken[ordinal] == nil, "\(category) \(text) overlaps \(taken[ordinal] ?? "")")
                    taken[ordinal] = "\(category) \(text)"
                }
            }
        }
    }

    /// The editors' note, in every language, for every curated passage: one or two sentences.
    @Test func everyPassageHasANoteInEveryLanguage() throws {
        for language in Self.languages {
            for (category, text, reference) in try Self.passages() {
                let note = PassageNotes.bundled.note(first: reference.first, last: reference.last, language: language)
                #expect(note != nil, "\(category) \(text) has no \(language) note")
                guard let note else { continue }
                #expect((40...240).contains(note.count), "\(text) \(language) note has \(note.count) characters")
                #expect(note.hasSuffix(".") || note.hasSuffix("!") || note.hasSuffix("?"), "\(text) \(language)")
            }
            #expect(PassageNotes.bundled.count(language: language) == (try Self.passages()).count, "\(language): a note for a passage not listed")
        }
        #expect(throws: (any Error).self) { try PassageNotes(files: ["xx": "John 3:16 without a tab"]) }
        #expect(throws: (any Error).self) { try PassageNotes(files: ["xx": "Nowhere 3:16\tA note."]) }
    }

    /// A note says what the passage means in the editors' words: the video reads the verse once
    /// and then the note, so a note that quotes the verse (its first six words, or any seven in
    /// a row) would read it twice.
    @Test func noNoteQuotesItsPassage() async throws {
        let (_, pool) = try await makeService()
        let words = Self.words, contains = Self.contains
        let passages = try Self.passages()
        try await pool.read { db in
            for (language, translation) in [("en", "kjv"), ("es", "rv1909")] {
                for (_, text, reference) in passages {
                    guard let note = PassageNotes.bundled.note(first: reference.first, last: reference.last, language: language) else { continue }
                    let verse = words(try TranslationStore.texts(db, translation: translation, first: reference.first, last: reference.last)
                        .sorted { $0.key < $1.key }.map(\.value).joined(separator: " "))
                    let said = words(note)
                    #expect(!contains(said, verse.prefix(6)), "\(language) \(text): the note opens like the verse")
                    let quoted = verse.count >= 7 && (0...(verse.count - 7)).contains { contains(said, verse[$0..<$0 + 7]) }
                    #expect(!quoted, "\(language) \(text): the note quotes seven words of the verse")
                }
            }
        }
    }

    @Sendable static func words(_ text: String) -> [String] {
        text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
            .split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
    }

    @Sendable static func contains(_ haystack: [String], _ needle: ArraySlice<String>) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
    }

    /// A claim carries the note in the item's language; an editor's own pin has none.
    @Test func aClaimCarriesTheNoteInTheItemsLanguage() async throws {
        let (service, _) = try await makeService()
        let context = testContext()
        let first = try #require(CuratedVerses.bundled["hope"]?.first)
        let reference = try ReferenceParser().parse(first)
        for (id, translation, language) in [(Int64(1), "kjv", "en"), (2, "rv1909", "es")] {
            let claimed = try await service.claimNextUnused(.with {
                $0.dailyContentID = id; $0.category = "hope"; $0.usedDate = "2027-01-02"; $0.translation = translation; $0.language = language
            }, context: context)
            #expect(claimed.reference == reference.canonical)
            #expect(claimed.passageNote == PassageNotes.bundled.note(first: reference.first, last: reference.last, language: language))
            #expect(!claimed.passageNote.isEmpty)
        }
        _ = try await service.pinVerse(.with { $0.category = "hope"; $0.reference = "Ps 119:1"; $0.position = 1 }, context: context)
        let pinned = try await service.claimNextUnused(.with {
            $0.dailyContentID = 3; $0.category = "hope"; $0.usedDate = "2027-01-03"; $0.translation = "kjv"
        }, context: context)
        #expect(pinned.reference == "Psalms 119:1")
        #expect(pinned.passageNote.isEmpty)
    }

    /// Every season of the church year is a category with its curated passages, falling back to
    /// an ordinary category when it runs dry.
    @Test func theChurchYearsCategoriesShipWithTheirPassages() async throws {
        let (service, _) = try await makeService()
        let categories = try await service.listCategories(.init(), context: testContext()).categories
        for season in DefaultCategories.seasonal {
            let category = try #require(categories.first { $0.name == season.name }, "\(season.name) missing")
            #expect(category.references == CuratedVerses.bundled[season.name] ?? [], "\(season.name)")
            #expect(!category.references.isEmpty, "\(season.name)")
            #expect(category.fallbacks == season.fallbacks)
        }
    }
}
