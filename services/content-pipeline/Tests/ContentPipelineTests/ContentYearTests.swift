import LumaValues
import Testing
@testable import ContentPipeline

/// A whole year of the template generator's scripts, in every shipped language, read by the
/// rules an editor set (issue 24; docs/content.md "What every script keeps").
@Suite("A year of generated scripts")
struct ContentYearTests {
    static let languages = ["en", "es"]
    nonisolated(unsafe) static let kinds: [(String, KeyPath<LanguagePack.Templates, [String]>)] = [
        ("devotional_reflection", \.devotionalReflection), ("meditation_script", \.meditationScript), ("background_prompt", \.backgroundPrompt),
    ]

    func days(_ from: String, _ count: Int) -> [String] {
        (0..<count).map { CalendarDate(from)!.adding(days: $0).description }
    }

    func bible(_ date: String, _ language: String, verse: String, note: String?) -> GenerationInput {
        let choice = DailyTopic.choose(on: CalendarDate(date)!, available: LanguageTests.categories + ChurchYear.seasons)!
        return GenerationInput(postDate: date, mode: .bible, language: language,
                               verseReference: language == "es" ? "Salmos 23:1" : "Psalms 23:1", verseText: verse,
                               topic: choice.category, note: note, season: choice.season)
    }

    static let verses = [
        "en": "The LORD is my shepherd; I shall not want.",
        "es": "Jehová es mi pastor; nada me faltará.",
    ]
    static let notes = [
        "en": "David sings of a God who leads, feeds and guards his people like a shepherd.",
        "es": "David canta a un Dios que guía, alimenta y cuida a su pueblo como un pastor.",
    ]

    /// At least 8 skeletons of every kind (none can repeat within a week), an opening for every
    /// season of the church year, and only placeholders the generator fills.
    @Test func everyPackHasEnoughSkeletonsAndEverySeason() throws {
        for language in Self.languages {
            let pack = try #require(LanguagePack.bundled[language])
            #expect((pack.bible.cameraScript ?? []).count >= 8, "\(language) camera_script")
            for (name, kind) in Self.kinds {
                #expect(pack.bible[keyPath: kind].count >= 8, "\(language) bible \(name)")
                #expect(pack.positivity[keyPath: kind].count >= 8, "\(language) positivity \(name)")
            }
            for season in ChurchYear.seasons {
                let wording = try #require(pack.seasons[season], "\(language) has no wording for \(season)")
                #expect(!wording.cameraOpening.isEmpty && !wording.reflectionOpening.isEmpty, "\(language) \(season)")
            }
            for skeleton in pack.bible.cameraScript ?? [] {
                #expect(skeleton.components(separatedBy: "{text}").count == 2, "camera script reads the verse once: \(skeleton)")
            }
            for skeleton in pack.bible.devotionalReflection + pack.bible.meditationScript {
                #expect(!skeleton.contains("{text}"), "only the camera script reads the verse: \(skeleton)")
            }
            for skeleton in pack.bible.devotionalReflection {
                #expect(skeleton.contains("{note}"), "a reflection speaks about its passage: \(skeleton)")
            }
        }
    }

    /// Any `count` consecutive days get `count` different skeletons, whatever the step.
    @Test func theRotationNeverRepeatsWithinItsLength() {
        for count in 8...16 {
            for step in [1, 3, 7, 9] {
                for start in [0, 20_000, 20_454] {
                    let picked = (start..<start + count).map { TemplateScriptGenerator.rotation(day: $0, count: count, step: step, offset: 5) }
                    #expect(Set(picked).count == count, "count \(count) step \(step)")
                }
            }
        }
    }

    /// The same verse and note on eight ordinary days: eight different camera scripts,
    /// reflections and meditations (so no skeleton repeats within a week), each reading the
    /// verse once, in the camera script only, and speaking through the note.
    @Test func aWeekNeverRepeatsASkeletonAndReadsTheVerseOnce() async throws {
        for language in Self.languages {
            var camera = Set<String>(), reflection = Set<String>(), meditation = Set<String>()
            for date in days("2027-07-05", 8) {
                let scripts = try await TemplateScriptGenerator().scripts(for: bible(date, language, verse: Self.verses[language]!, note: Self.notes[language]))
                camera.insert(scripts.cameraScript)
                reflection.insert(scripts.devotionalReflection)
                meditation.insert(scripts.meditationScript)
                let verse = Self.verses[language]!
                #expect(ScriptRules.quotations(of: verse, in: scripts.cameraScript) == 1, "\(language) \(date): \(scripts.cameraScript)")
                #expect(ScriptRules.quotations(of: verse, in: scripts.devotionalReflection + " " + scripts.meditationScript) == 0)
                #expect(scripts.devotionalReflection.contains(Self.notes[language]!))
            }
            #expect(camera.count == 8 && reflection.count == 8 && meditation.count == 8, "\(language)")
        }
    }

    /// Every day of 2027 in every language: nothing left unfilled, no old spelling, seasons
    /// opened with their wording, the generator's own validator satisfied.
    @Test func aWholeYearKeepsEveryRule() async throws {
        for language in Self.languages {
            let pack = LanguagePack.bundled[language]!
            for date in days("2027-01-01", 365) {
                let input = bible(date, language, verse: Self.verses[language]!, note: date.hasSuffix("5") ? nil : Self.notes[language])
                let scripts = try await TemplateScriptGenerator().scripts(for: input)
                let all = [scripts.cameraScript, scripts.devotionalReflection, scripts.meditationScript, scripts.backgroundPrompt]
                #expect(!all.joined().contains("{"), "\(language) \(date): a placeholder is left")
                #expect(ScriptValidator.problem(scripts, for: input, pack: pack) == nil,
                        "\(language) \(date): \(ScriptValidator.problem(scripts, for: input, pack: pack) ?? "")")
                if let season = input.season {
                    let openings = pack.seasons[season]!.cameraOpening
                    #expect(openings.contains { scripts.cameraScript.hasPrefix($0) }, "\(language) \(date) \(season)")
                }
                for script in all {
                    #expect(ScriptRules.oldSpellings(in: script, list: pack.oldSpellings).isEmpty, "\(language) \(date): \(script)")
                }
            }
        }
    }

    /// A year of positivity: scripts a person or an avatar reads as they are, none repeated
    /// within 90 days, never the same theme on consecutive days.
    @Test func aYearOfPositivityNeverRepeatsWithinNinetyDays() async throws {
        for language in Self.languages {
            let library = try #require(PositivityLibrary.bundled.entries[language])
            #expect(Set(library.map(\.script)).count >= 150, "\(language): \(Set(library.map(\.script)).count) distinct scripts")
            #expect(Set(library.map(\.theme)).isSubset(of: TemplateScriptGenerator.positivityThemes), "\(language)")
            var lastSeen: [String: Int] = [:]
            var previousTheme: String?
            for (index, date) in days("2027-01-01", 365 * 2).enumerated() {
                let input = GenerationInput(postDate: date, mode: .positivity, language: language, verseReference: nil, verseText: nil,
                                            topic: TemplateScriptGenerator().positivity(on: date, language: language)!.theme)
                let scripts = try await TemplateScriptGenerator().scripts(for: input)
                if let seen = lastSeen[scripts.cameraScript] { #expect(index - seen >= 90, "\(language) \(date) repeats day \(seen)") }
                lastSeen[scripts.cameraScript] = index
                #expect(input.topic != previousTheme, "\(language) \(date): \(input.topic) twice")
                previousTheme = input.topic
                #expect(!scripts.cameraScript.lowercased().contains("viewers"), "\(language) \(date): a brief, not a script")
            }
        }
    }

    @Test func theLibraryInterleavesThemesAndKeepsEachThemesOrder() throws {
        let text = ["a\tone", "a\ttwo", "a\tthree", "b\tfour", "c\tfive", "b\tsix"].joined(separator: "\n")
        let library = try PositivityLibrary(files: ["xx": text])
        let order = library.entries["xx"]!
        #expect(order.map(\.script) == ["one", "four", "two", "six", "three", "five"])   // ties: the theme seen first
        for (a, b) in zip(order, order.dropFirst()) { #expect(a.theme != b.theme) }
        #expect(throws: (any Error).self) { try PositivityLibrary(files: ["xx": "only a theme"]) }
    }
}
