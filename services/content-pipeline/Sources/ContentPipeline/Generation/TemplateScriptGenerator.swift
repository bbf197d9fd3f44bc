import LumaRPC
import LumaValues

/// Writes an item's scripts from its language pack and the positivity library. Deterministic:
/// the same seed, date, mode and language always give the same scripts, so tests and re-runs
/// agree, and generating days in any order gives the same year.
///
/// Bible items: the camera script reads the verse once (the only script that quotes it); the
/// reflection and the meditation speak about the passage through its editors' note; on the
/// church year's dates the camera script and the reflection open with the season's wording.
/// Positivity items read the library's script of the day as their camera script.
/// Each script kind rotates through its skeletons by day number, with a step prime to their
/// count: a skeleton comes back after exactly as many days as there are skeletons.
public struct TemplateScriptGenerator: ScriptGenerator {
    public let seed: UInt64
    let packs: [String: LanguagePack]
    let library: PositivityLibrary

    public init(seed: UInt64 = 0, packs: [String: LanguagePack] = LanguagePack.bundled, library: PositivityLibrary = .bundled) {
        self.seed = seed
        self.packs = packs
        self.library = library
    }

    /// The positivity themes (every language pack names each; every library script has one).
    public static let positivityThemes = [
        "gratitude", "small wins", "kindness", "rest", "courage", "friendship", "patience",
        "fresh starts", "generosity", "joy in ordinary things", "perseverance", "self-compassion",
    ]

    public func scripts(for input: GenerationInput) async throws -> GeneratedScripts {
        guard let pack = packs[input.language] else {
            throw RPCError.failedPrecondition(
                "no language pack for '\(input.language)' (have \(packs.keys.sorted().joined(separator: ", ")))", field: "language")
        }
        let day = CalendarDate(input.postDate)?.dayNumber ?? 0
        let topic = pack.phrase(for: input.topic, mode: input.mode)
        let values = [
            "{reference}": input.verseReference ?? "",
            "{text}": input.verseText ?? "",
            "{note}": input.note ?? pack.noteFallback.replacingOccurrences(of: "{topic}", with: topic),
            "{topic}": topic,
        ]
        func fill(_ skeletons: [String], step: Int) -> String {
            guard !skeletons.isEmpty else { return "" }
            // A regenerated item (revision n) takes the skeleton n places on: other words.
            var text = skeletons[Self.rotation(day: day, count: skeletons.count, step: step, offset: Int(seed % 1_000_003) + input.revision)]
            for (placeholder, value) in values { text = text.replacingOccurrences(of: placeholder, with: value) }
            return text
        }
        func opened(_ openings: [String]?, _ text: String) -> String {
            guard let openings, !openings.isEmpty else { return text }
            return openings[Self.rotation(day: day, count: openings.count, step: 1, offset: 0)] + " " + text
        }
        switch input.mode {
        case .bible:
            let season = input.season.flatMap { pack.seasons[$0] }
            return GeneratedScripts(
                cameraScript: opened(season?.cameraOpening, fill(pack.bible.cameraScript ?? [], step: 1)),
                devotionalReflection: opened(season?.reflectionOpening, fill(pack.bible.devotionalReflection, step: 3)),
                meditationScript: fill(pack.bible.meditationScript, step: 7),
                backgroundPrompt: fill(pack.bible.backgroundPrompt, step: 9))
        case .positivity:
            guard let entry = positivity(on: input.postDate, language: input.language, revision: input.revision) else {
                throw RPCError.failedPrecondition("no positivity library for '\(input.language)'", field: "language")
            }
            return GeneratedScripts(
                cameraScript: entry.script,
                devotionalReflection: fill(pack.positivity.devotionalReflection, step: 3),
                meditationScript: fill(pack.positivity.meditationScript, step: 7),
                backgroundPrompt: fill(pack.positivity.backgroundPrompt, step: 9))
        }
    }

    /// The positivity script of a date, whose theme is the item's topic (the service asks it
    /// whichever generator writes the scripts). A regenerated item (`revision` n) takes the
    /// script half the library away per revision: the farthest from the neighbouring days'
    /// (with 156 scripts no other choice keeps the 90-day rule either; an editor asked for it).
    public func positivity(on date: String, language: String, revision: Int = 0) -> PositivityLibrary.Entry? {
        let half = max(1, (library.entries[language]?.count ?? 2) / 2)
        return library.entry(on: date, language: language, offset: Int(seed % 1_000_003) + revision * half)
    }

    /// The skeleton of `day` among `count`: `(day * step' + offset) mod count`, where step' is
    /// the first number from `step` up that is prime to `count`. Two days less than `count`
    /// apart never get the same skeleton.
    static func rotation(day: Int, count: Int, step: Int, offset: Int) -> Int {
        var step = max(1, step)
        while gcd(step, count) != 1 { step += 1 }
        let index = (day % count) * step % count + offset % count
        return ((index % count) + count) % count
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}
