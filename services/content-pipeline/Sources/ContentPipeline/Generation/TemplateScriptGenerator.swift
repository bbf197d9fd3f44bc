import LumaRPC

/// Fills the language pack's templates with the verse (or theme). Deterministic: the same seed,
/// date, mode and language always give the same scripts, so tests and re-runs agree.
public struct TemplateScriptGenerator: ScriptGenerator {
    public let seed: UInt64
    let packs: [String: LanguagePack]

    public init(seed: UInt64 = 0, packs: [String: LanguagePack] = LanguagePack.bundled) {
        self.seed = seed
        self.packs = packs
    }

    /// The built-in positivity themes, rotated by date (every language pack names each).
    public static let positivityThemes = [
        "gratitude", "small wins", "kindness", "rest", "courage", "friendship", "patience",
        "fresh starts", "generosity", "joy in ordinary things", "perseverance", "self-compassion",
    ]

    public func scripts(for input: GenerationInput) async throws -> GeneratedScripts {
        guard let pack = packs[input.language] else {
            throw RPCError.failedPrecondition(
                "no language pack for '\(input.language)' (have \(packs.keys.sorted().joined(separator: ", ")))", field: "language")
        }
        let templates = input.mode == .bible ? pack.bible : pack.positivity
        let values = [
            "{reference}": input.verseReference ?? "",
            "{text}": input.verseText ?? "",
            "{topic}": pack.phrase(for: input.topic, mode: input.mode),
        ]
        let pick = variant(input)
        func fill(_ choices: [String]) -> String {
            var text = choices[pick % choices.count]
            for (placeholder, value) in values { text = text.replacingOccurrences(of: placeholder, with: value) }
            return text
        }
        return GeneratedScripts(
            cameraScript: fill(templates.cameraScript),
            devotionalReflection: fill(templates.devotionalReflection),
            meditationScript: fill(templates.meditationScript),
            backgroundPrompt: fill(templates.backgroundPrompt))
    }

    /// A stable small number from seed, date, mode and language (FNV-1a).
    private func variant(_ input: GenerationInput) -> Int {
        var hash: UInt64 = 0xcbf29ce484222325 ^ seed
        for byte in "\(input.postDate)|\(input.mode.rawValue)|\(input.language)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100000001b3
        }
        return Int(hash % 1_000_003)
    }

    /// The theme of a positivity item on a date.
    public func theme(for date: String) -> String {
        var hash: UInt64 = 0xcbf29ce484222325 ^ seed
        for byte in date.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        return Self.positivityThemes[Int(hash % UInt64(Self.positivityThemes.count))]
    }
}
