import ContentAPI
import Foundation
import LumaRPC
import LumaTestSupport
import Testing
@testable import ContentPipeline

@Suite("Languages, wording and published items")
struct LanguageTests {
    static let categories = ["hope", "peace", "forgiveness", "faith", "love", "joy", "strength", "anxiety",
                             "gratitude", "patience", "comfort", "wisdom", "kindness"]

    /// Every pack names every default category and theme, and its templates use only the
    /// placeholders the generator fills.
    @Test func everyPackIsComplete() throws {
        #expect(Set(LanguagePack.bundled.keys) == ["en", "es"])
        for pack in LanguagePack.bundled.values {
            #expect(Set(pack.categories.keys) == Set(Self.categories + ChurchYear.seasons), "\(pack.language)")
            #expect(Set(pack.themes.keys) == Set(TemplateScriptGenerator.positivityThemes), "\(pack.language)")
            #expect(pack.positivity.cameraScript == nil, "positivity reads the library's scripts")
            for templates in [pack.bible, pack.positivity] {
                let all = (templates.cameraScript ?? []) + templates.devotionalReflection + templates.meditationScript + templates.backgroundPrompt
                #expect(templates.devotionalReflection.count * templates.meditationScript.count * templates.backgroundPrompt.count > 0)
                for template in all + [pack.noteFallback] {
                    let placeholders = template.matches(of: /\{[a-z_]+\}/).map { String($0.output) }
                    #expect(Set(placeholders).isSubset(of: ["{reference}", "{text}", "{topic}", "{note}"]), "\(template)")
                }
            }
            #expect(pack.noteFallback.contains("{topic}"))
        }
    }

    /// The complaint: "Where in your life does anxiety need to take root today?". Each
    /// category now reads through its phrase, never its slug (a passage without an editors'
    /// note speaks about the category's phrase).
    @Test func bibleReflectionsReadWellForEveryCategory() async throws {
        for category in Self.categories {
            for day in 1...28 {
                let scripts = try await TemplateScriptGenerator().scripts(for: GenerationInput(
                    postDate: "2026-02-\(day < 10 ? "0" : "")\(day)", mode: .bible, language: "en",
                    verseReference: "Psalms 23:1", verseText: "The LORD is my shepherd; I shall not want.", topic: category))
                #expect(!scripts.devotionalReflection.contains("take root"))
                #expect(scripts.devotionalReflection.contains(LanguagePack.bundled["en"]!.categories[category]!))
            }
        }
    }

    /// No English word in a Spanish script: not the category, not the theme, not the
    /// reference's book.
    @Test func spanishScriptsHaveNoEnglishWords() async throws {
        let english = Set(["the", "and", "of", "to", "you", "your", "today", "with", "in", "is", "for", "read", "camera",
                           "psalms", "john", "light", "morning"] + Self.categories + TemplateScriptGenerator.positivityThemes
            .flatMap { $0.split(separator: " ").map(String.init) }).subtracting(["rest"])
        for (mode, topics) in [(ContentMode.bible, Self.categories), (.positivity, TemplateScriptGenerator.positivityThemes)] {
            for topic in topics {
                for day in 10...17 {
                    let scripts = try await TemplateScriptGenerator().scripts(for: GenerationInput(
                        postDate: "2026-03-\(day)", mode: mode, language: "es",
                        verseReference: mode == .bible ? "Juan 3:16" : nil,
                        verseText: mode == .bible ? "Porque de tal manera amó Dios al mundo." : nil, topic: topic))
                    for script in [scripts.cameraScript, scripts.devotionalReflection, scripts.meditationScript, scripts.backgroundPrompt] {
                        let words = script.lowercased().split { !$0.isLetter }.map(String.init)
                        let leaked = words.filter { english.contains($0) }
                        #expect(leaked.isEmpty, "\(topic): \(leaked) in \(script)")
                    }
                }
            }
        }
    }

    @Test func aLanguageWithoutAPackIsAPreciseError() async throws {
        let error = await #expect(throws: RPCError.self) {
            try await TemplateScriptGenerator().scripts(for: GenerationInput(
                postDate: "2026-03-01", mode: .positivity, language: "fr", verseReference: nil, verseText: nil, topic: "rest"))
        }
        #expect(error?.code == .failedPrecondition)
        #expect(error?.message.contains("no language pack for 'fr'") == true)
    }

    /// A Spanish week on the three real services: Spanish references, RV1909 text.
    @Test func aSpanishWeekIsSpanishThroughout() async throws {
        let stack = try await InProcessStack()
        let clients = Clients(stack)
        _ = try await clients.content.plan(.with { $0.fromDate = "2027-01-04"; $0.toDate = "2027-01-10"; $0.languages = ["es"] })
        let generated = try await clients.content.generate(.with { $0.range = .with { $0.fromDate = "2027-01-04"; $0.toDate = "2027-01-10" } })
        #expect(generated.failures.isEmpty, "\(generated.failures)")
        let bible = generated.items.filter { $0.mode == .bible }
        #expect(bible.count == 7)
        let englishBooks = ["Psalms", "John", "Isaiah", "Matthew", "Romans", "Philippians", "Proverbs", "Jeremiah", "Revelation", "James"]
        for item in bible {
            #expect(!englishBooks.contains { item.verseReference.hasPrefix($0 + " ") }, "\(item.verseReference)")
            #expect(item.cameraScript.contains(item.verseReference))
            #expect(item.verseText.range(of: #"\b(el|la|de|que|y|en|los|tu|mi)\b"#, options: .regularExpression) != nil, "\(item.verseText)")
        }
        await stack.stop()
    }

    /// Christmas Day read Luke 12:23 before the church year; now it reads the nativity in every
    /// language, opened with the feast's wording, and Christmas Eve is still Advent.
    @Test func christmasDayReadsTheNativityInEveryLanguage() async throws {
        let stack = try await InProcessStack()
        let clients = Clients(stack)
        _ = try await clients.content.plan(.with {
            $0.fromDate = "2027-12-24"; $0.toDate = "2027-12-25"; $0.modes = [.bible]; $0.languages = ["en", "es"]
        })
        let generated = try await clients.content.generate(.with { $0.range = .with { $0.fromDate = "2027-12-24"; $0.toDate = "2027-12-25" } })
        #expect(generated.failures.isEmpty, "\(generated.failures)")
        #expect(generated.items.count == 4)
        for item in generated.items {
            guard item.postDate == "2027-12-25" else {
                #expect(item.category == "advent")
                continue
            }
            #expect(item.category == "christmas-day")
            #expect(item.verseReference == (item.language == "es" ? "Lucas 2:10-11" : "Luke 2:10-11"))
            let openings = try #require(LanguagePack.bundled[item.language]?.seasons["christmas-day"]?.cameraOpening)
            #expect(openings.contains { item.cameraScript.hasPrefix($0) }, "\(item.cameraScript)")
        }
        await stack.stop()
    }

    /// "A Bible verse is never used twice" holds for what was published: an approved item
    /// cannot be deleted, so its verse never returns to the pool.
    @Test func anApprovedItemIsKeptAndKeepsItsVerse() async throws {
        let pipeline = try Pipeline()
        pipeline.creators.add(1)
        _ = try await pipeline.plan("2026-12-01", "2026-12-01", modes: [.bible])
        let item = try await pipeline.item("2026-12-01", .bible)
        _ = try await pipeline.generate(item.id)
        _ = try await pipeline.assign(item.id, to: 1)
        _ = try await pipeline.submit(item.id)
        _ = try await pipeline.service.approve(.with { $0.id = item.id }, context: pipeline.context)
        let error = await #expect(throws: RPCError.self) {
            try await pipeline.service.delete(.with { $0.id = item.id }, context: pipeline.context)
        }
        #expect(error?.code == .failedPrecondition)
        #expect(error?.field == "id")
        #expect(error?.message.contains("approved (published)") == true)
        #expect(try await pipeline.service.get(.with { $0.id = item.id }, context: pipeline.context).status == .approved)
        #expect(pipeline.verses.released.withLockedValue { $0 }.isEmpty)
    }
}
