import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import Testing
import VersesAPI
@testable import VerseRegistry

@Suite("Verse ranking, fallback and editors' overrides")
struct RankingTests {
    let context = testContext()

    func claim(_ service: VerseRegistryService, _ content: Int64, _ category: String, translation: String = "") async throws -> Luma_Verses_V1_ClaimNextUnusedResponse {
        try await service.claimNextUnused(.with {
            $0.dailyContentID = content; $0.category = category; $0.usedDate = "2026-12-01"; $0.translation = translation
        }, context: context)
    }

    @Test func curatedPassagesComeFirstInTheirOrder() async throws {
        let (service, _) = try await makeService()
        let curated = CuratedVerses.bundled["anxiety"]!
        let parser = ReferenceParser()
        for (index, reference) in curated.prefix(5).enumerated() {
            let claimed = try await claim(service, Int64(index + 1), "anxiety")
            #expect(claimed.reference == (try parser.parse(reference)).canonical)
            #expect(claimed.fallbackNote.isEmpty)
        }
    }

    /// Every pick of every default category: a whole passage ending a sentence, short enough
    /// for a video, and scored picks never from law, history or Acts.
    @Test func everyPickIsAShortWholeSentenceFromATeachingBook() async throws {
        let (_, pool) = try await makeService()
        let canon = Canon.kjv
        try await pool.read { db in
            let picks = try Row.fetchAll(db, sql: "SELECT first_ordinal, last_ordinal, source FROM category_picks")
            #expect(picks.count > 1000)
            for pick in picks {
                let first: Int = pick[0], last: Int = pick[1], source: String = pick[2]
                let texts = try TranslationStore.texts(db, translation: "kjv", first: first, last: last)
                let name = canon.reference(first: first, last: last).canonical
                #expect(PassageScorer.endsSentence(texts[last] ?? ""), "\(name) does not end a sentence")
                guard source == "scored" else { continue }
                let book = canon.location(ofOrdinal: first).book
                #expect(PassageScorer.bookWeight(book) != nil, "\(name) is from \(book.name)")
                #expect(last - first < PassageScorer.maxVerses, "\(name) is too long")
                let length = texts.values.map(\.count).reduce(0, +) + (last - first)
                #expect(PassageScorer.lengthBounds.contains(length), "\(name) has \(length) characters")
            }
        }
    }

    /// The picks a content editor complained about are gone.
    @Test func fragmentsNarrativeAndListsAreNotPicked() async throws {
        let (_, pool) = try await makeService()
        let parser = ReferenceParser()
        let unwanted = ["John 12:4", "Jas 1:2", "Gen 26:20", "1 Chr 17:22", "Judg 4:20", "Neh 9:36", "Matt 1:2", "Luke 3:23"]
        try await pool.read { db in
            for text in unwanted {
                let reference = try parser.parse(text)
                let picked = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM category_picks WHERE first_ordinal = ? AND last_ordinal = ?",
                                              arguments: [reference.first, reference.last]) ?? 0
                #expect(picked == 0, "\(text) is a pick")
            }
        }
        let scorer = try await pool.read { try RankingContext.load($0, canon: .kjv).scorer }
        // A verse that does not end a sentence is extended to one that does.
        let extended = try #require(scorer.passage(startingAt: try parser.parse("Ps 46:1").first))
        #expect(extended.first == extended.last)
        #expect(scorer.passage(startingAt: try parser.parse("Matt 1:2").first) == nil)      // begat
        #expect(scorer.passage(startingAt: try parser.parse("Phil 4:7").first) == nil)      // opens with "And"
    }

    /// Issue 24: the picks an editor reported, each a regression test. None is a pick of any
    /// category (an editor's pin would still be one; these databases have none).
    @Test func reportedPicksThatLeakedAreNotPicked() async throws {
        let (_, pool) = try await makeService()
        let parser = ReferenceParser()
        let reported = [
            "1 Tim 1:1-2",      // salutation: "Paul, an apostle ... unto Timothy ...: Grace, mercy, and peace"
            "Job 31:28",        // hope: "an iniquity to be punished by the judge"
            "Titus 2:9-10",     // patience: "Exhort servants to be obedient unto their own masters"
            "Luke 18:11",       // gratitude: the Pharisee's prayer
            "Matt 5:43",        // forgiveness: "hate thine enemy", quoted to be refuted
            "Isa 45:7",         // peace: "I make peace, and create evil"
            "Matt 10:34",       // peace / paz: "I came not to send peace, but a sword"
        ]
        try await pool.read { db in
            for text in reported {
                let reference = try parser.parse(text)
                let picked = try String.fetchAll(db, sql: """
                    SELECT c.name FROM category_picks p JOIN categories c ON c.id = p.category_id
                    WHERE p.first_ordinal <= ? AND p.last_ordinal >= ?
                    """, arguments: [reference.last, reference.first])
                #expect(picked.isEmpty, "\(text) is a pick of \(picked)")
            }
        }
        let scorer = try await pool.read { try RankingContext.load($0, canon: .kjv).scorer }
        for text in reported {
            #expect(scorer.passage(startingAt: try parser.parse(text).first) == nil, "\(text) scores")
        }
    }

    @Test func openingsThatDoNotStandAloneAreRefused() {
        let refused: [(String, String)] = [
            ("(For the grace of God that bringeth salvation hath appeared to all men.)", "en"),
            ("\u{201C}And the peace of God shall keep your hearts.", "en"),
            ("Be ye therefore followers of God, as dear children;", "en"),
            ("Let us therefore come boldly unto the throne of grace.", "en"),
            ("Ye are then my friends.", "en"),
            ("Wherefore comfort one another with these words.", "en"),
            ("Paul, an apostle of Jesus Christ by the commandment of God our Saviour, and Lord Jesus Christ, which is our hope; Unto Timothy, my own son in the faith: Grace, mercy, and peace, from God our Father and Jesus Christ our Lord.", "en"),
            ("Paul, a servant of Jesus Christ, called to be an apostle, separated unto the gospel of God,", "en"),
            ("The elder unto the wellbeloved Gaius, whom I love in the truth.", "en"),
            ("Y la paz de Dios guardará vuestros corazones.", "es"),
            ("Porque Dios es amor.", "es"),
            ("Pues el Señor es bueno.", "es"),
            ("Por tanto, no temáis.", "es"),
            ("Mas los que esperan á Jehová tendrán nuevas fuerzas.", "es"),
            ("Entonces dijo Jesús: Venid.", "es"),
            ("(Y el Señor es fiel.)", "es"),
            ("Sed, pues, imitadores de Dios como hijos amados:", "es"),
            ("Pablo, apóstol de Jesucristo por la voluntad de Dios, á los santos.", "es"),
            ("A Timoteo, amado hijo: Gracia, misericordia, y paz de Dios el Padre.", "es"),
        ]
        for (text, language) in refused {
            #expect(!PassageScorer.standsAlone(text, language: language), "\(text)")
        }
        let kept: [(String, String)] = [
            ("The LORD is my shepherd; I shall not want.", "en"),
            ("O LORD, thou hast searched me, and known me.", "en"),
            ("Grace be unto you, and peace, from God our Father.", "en"),
            ("Jehová es mi pastor; nada me faltará.", "es"),
            ("Más vale lo poco del justo.", "es"),
        ]
        for (text, language) in kept {
            #expect(PassageScorer.standsAlone(text, language: language), "\(text)")
        }
    }

    /// Each curated passage is listed once in the whole file (a verse is used once, so a
    /// second listing never picks), and none is on the deny list.
    @Test func theCuratedFileListsEachPassageOnceAndNoneDenied() throws {
        let parser = ReferenceParser()
        var seen: [ClosedRange<Int>: String] = [:]
        var lines = Set<String>()
        for (category, references) in CuratedVerses.bundled.sorted(by: { $0.key < $1.key }) {
            for text in references {
                #expect(lines.insert("\(category)\t\(text)").inserted, "duplicate line \(category) \(text)")
                let reference = try parser.parse(text)
                let range = reference.first...reference.last
                #expect(seen[range] == nil, "\(text) is listed under \(seen[range] ?? "") and \(category)")
                seen[range] = category
                #expect(!DeniedVerses.ranges.contains { $0.overlaps(range) }, "\(text) is denied")
            }
        }
        #expect(seen.count >= 400)
    }

    @Test func aDryCategoryFallsBackToItsNeighbourThenTheCuratedListAndSaysSo() async throws {
        let (service, _) = try await makeService()
        _ = try await service.upsertCategory(.with { $0.category = .with {
            $0.name = "thin"; $0.references = ["John 11:35"]; $0.fallbacks = ["peace"]
        } }, context: context)
        _ = try await service.upsertCategory(.with { $0.category = .with {
            $0.name = "lonely"; $0.references = ["John 11:35"]
        } }, context: context)
        let first = try await claim(service, 1, "thin")
        #expect(first.reference == "John 11:35")
        #expect(first.category == "thin")
        let second = try await claim(service, 2, "thin")
        #expect(second.category == "peace")
        #expect(second.reference == "John 14:27")
        #expect(second.fallbackNote == "'thin' has no unused verse with kjv text left; picked from its neighbour 'peace'")
        let third = try await claim(service, 3, "lonely")
        #expect(third.fallbackNote.hasPrefix("'lonely' has no unused verse with kjv text left; picked from the general curated list"))
        #expect(!third.reference.isEmpty)
    }

    @Test func editorsPinExcludeAndUndo() async throws {
        let (service, _) = try await makeService()
        let pinned = try await service.pinVerse(.with { $0.category = "hope"; $0.reference = "Ps 23:1"; $0.position = 1 }, context: context)
        #expect(pinned.firstPicks.first?.reference == "Psalms 23:1")
        #expect(pinned.firstPicks.first?.source == .pinned)
        let second = try await service.pinVerse(.with { $0.category = "hope"; $0.reference = "Isa 41:10"; $0.position = 1 }, context: context)
        #expect(second.firstPicks.prefix(2).map(\.reference) == ["Isaiah 41:10", "Psalms 23:1"])
        _ = try await service.clearVerseOverride(.with { $0.category = "hope"; $0.reference = "Isa 41:10" }, context: context)
        _ = try await service.clearVerseOverride(.with { $0.category = "hope"; $0.reference = "Ps 23:1" }, context: context)
        let excluded = try await service.excludeVerse(.with { $0.category = "hope"; $0.reference = "Jer 29:11" }, context: context)
        #expect(excluded.firstPicks.first?.reference == "Romans 15:13")
        #expect(!excluded.firstPicks.map(\.reference).contains("Jeremiah 29:11"))
        let claimed = try await claim(service, 1, "hope")
        #expect(claimed.reference == "Romans 15:13")
        _ = try await service.clearVerseOverride(.with { $0.category = "hope"; $0.reference = "Jer 29:11" }, context: context)
        let listed = try await service.listCategoryPicks(.with { $0.category = "hope"; $0.pageSize = 3 }, context: context)
        #expect(listed.picks.map(\.reference) == ["Jeremiah 29:11", "Romans 15:13", "Lamentations 3:22-23"])
        #expect(listed.picks[1].usedBy == 1)
        #expect(!listed.nextPageToken.isEmpty)
        let unused = try await service.listCategoryPicks(.with { $0.category = "hope"; $0.unusedOnly = true; $0.pageSize = 2 }, context: context)
        #expect(unused.picks.map(\.reference) == ["Jeremiah 29:11", "Lamentations 3:22-23"])
    }

    @Test func badOverridesAreRefusedNamingTheField() async throws {
        let (service, _) = try await makeService()
        let none = await #expect(throws: RPCError.self) {
            try await service.clearVerseOverride(.with { $0.category = "hope"; $0.reference = "Ps 1:1" }, context: context)
        }
        #expect(none?.code == .notFound)
        #expect(none?.field == "reference")
        let unknown = await #expect(throws: RPCError.self) {
            try await service.pinVerse(.with { $0.category = "nope"; $0.reference = "Ps 1:1" }, context: context)
        }
        #expect(unknown?.code == .notFound)
        #expect(unknown?.field == "category")
        let bad = await #expect(throws: RPCError.self) {
            try await service.excludeVerse(.with { $0.category = "hope"; $0.reference = "Ps 151:1" }, context: context)
        }
        #expect(bad?.code == .invalidArgument)
        #expect(bad?.field == "reference")
        let long = await #expect(throws: RPCError.self) {
            try await service.pinVerse(.with { $0.category = "hope"; $0.reference = "Ps 119" }, context: context)
        }
        #expect(long?.field == "reference")
    }

    @Test func spanishItemsGetASpanishReferenceAndText() async throws {
        let (service, _) = try await makeService()
        let claimed = try await claim(service, 1, "love", translation: "rv1909")
        #expect(claimed.reference == "John 3:16")
        #expect(claimed.displayReference == "Juan 3:16")
        #expect(claimed.text.hasPrefix("Porque de tal manera amó Dios al mundo"))
        let passage = try await service.getPassage(.with { $0.reference = "1 Corintios 13:4-7"; $0.translation = "rv1909" }, context: context)
        #expect(passage.displayReference == "1 Corintios 13:4-7")
        #expect(passage.reference == "1 Corinthians 13:4-7")
    }
}

@Suite("Upgrading to ranked picks")
struct RankedPicksMigrationTests {
    /// 007 gives unchanged default categories the curated list and fallbacks, keeps an
    /// editor's own references, and ranks every category.
    @Test func anEditorsChangesSurviveTheUpgrade() throws {
        let (pool, _) = try ServiceDatabase.temporary(name: "verses-upgrade")
        try VerseRegistryMigrations.migrator.migrate(pool, upTo: "006_translation_staging")
        try pool.write { db in
            try CategoryStore.writeSources(db, .init(name: "hope", description: "edited", topics: ["HOPE"], references: ["Ps 71:5"]), canon: .kjv)
            try CategoryStore.writeSources(db, .init(name: "mine", description: "own", topics: [], references: ["John 11:35"]), canon: .kjv)
        }
        try VerseRegistryMigrations.migrator.migrate(pool)
        let categories = try pool.read { try CategoryStore.all($0) }
        let hope = try #require(categories.first { $0.name == "hope" })
        #expect(hope.references == ["Ps 71:5"])
        #expect(hope.fallbacks.isEmpty)
        #expect(hope.pickCount > 1)
        let peace = try #require(categories.first { $0.name == "peace" })
        #expect(peace.references == CuratedVerses.bundled["peace"])
        #expect(peace.fallbacks == ["anxiety", "comfort"])
        #expect(categories.first { $0.name == "mine" }?.pickCount == 1)
        let first = try pool.read { db in
            try Int.fetchOne(db, sql: "SELECT first_ordinal FROM category_picks WHERE category_id = ? AND rank = 1", arguments: [hope.id])
        }
        #expect(first == (try ReferenceParser().parse("Ps 71:5")).first)
    }

    /// 009 re-ranks every category under the stricter rules (issue 24), gives a default category
    /// whose curated list an editor left as shipped the list without duplicates, and keeps an
    /// editor's own references, pins and exclusions.
    @Test func stricterRulesApplyOnUpgradeKeepingEditorsOverrides() throws {
        let (pool, _) = try ServiceDatabase.temporary(name: "verses-upgrade-009")
        try VerseRegistryMigrations.migrator.migrate(pool, upTo: "008_rv1909_text")
        let parser = ReferenceParser()
        let isaiah = try parser.parse("Isa 45:7"), titus = try parser.parse("Titus 2:9-10")
        let psalm = try parser.parse("Ps 71:5"), jeremiah = try parser.parse("Jer 29:11")
        try pool.write { db in
            // The database as 007 left it before this change: lists with duplicates, a denied pick.
            for name in ["hope", "anxiety"] {
                let current = try #require(DefaultCategories.all.first { $0.name == name })
                try CategoryStore.writeSources(db, .init(name: name, description: current.description, topics: current.topics,
                                                         references: DefaultCategories.curatedBeforeDeduplication(name)!), canon: .kjv)
            }
            try CategoryStore.writeSources(db, .init(name: "patience", description: "edited", topics: ["PATIENCE"],
                                                     references: ["Ps 27:14", "Isa 40:31"]), canon: .kjv)
            let peace = try #require(try CategoryStore.id(db, name: "peace"))
            try db.execute(sql: "INSERT INTO category_picks (category_id, rank, first_ordinal, last_ordinal, source, score) VALUES (?, 9999, ?, ?, 'scored', 99)",
                           arguments: [peace, isaiah.first, isaiah.last])
            let hope = try #require(try CategoryStore.id(db, name: "hope"))
            try PickStore.pin(db, categoryID: hope, reference: psalm, position: 1)
            try PickStore.exclude(db, categoryID: hope, reference: jeremiah)
            let patience = try #require(try CategoryStore.id(db, name: "patience"))
            try PickStore.pin(db, categoryID: patience, reference: titus, position: 1)
        }
        try VerseRegistryMigrations.migrator.migrate(pool)
        let categories = try pool.read { try CategoryStore.all($0) }
        #expect(categories.first { $0.name == "hope" }?.references == CuratedVerses.bundled["hope"])
        #expect(categories.first { $0.name == "anxiety" }?.references == CuratedVerses.bundled["anxiety"])
        #expect(categories.first { $0.name == "anxiety" }?.fallbacks == ["peace", "comfort"])
        #expect(categories.first { $0.name == "patience" }?.references == ["Ps 27:14", "Isa 40:31"])
        try pool.read { db in
            func picks(_ name: String) throws -> [[Int]] {
                try Row.fetchAll(db, sql: """
                    SELECT first_ordinal, last_ordinal FROM category_picks p JOIN categories c ON c.id = p.category_id
                    WHERE c.name = ? ORDER BY rank
                    """, arguments: [name]).map { [$0[0], $0[1]] }
            }
            let hope = try picks("hope"), patience = try picks("patience"), peace = try picks("peace")
            #expect(hope.first == [psalm.first, psalm.last])
            #expect(!hope.contains([jeremiah.first, jeremiah.last]))
            #expect(patience.first == [titus.first, titus.last])     // an editor's pin is deliberate
            #expect(!peace.contains([isaiah.first, isaiah.last]))
        }
    }
}
