import Foundation

/// What a generator is given for one item.
public struct GenerationInput: Sendable {
    public let postDate: String
    public let mode: ContentMode
    public let language: String
    /// Bible mode: the claimed passage, as shown in the item's language ("Juan 3:16").
    public let verseReference: String?
    public let verseText: String?
    /// Bible mode: the verse category; positivity mode: the theme (slugs: "anxiety", "small wins").
    public let topic: String
    /// Bible mode: the editors' note on the passage in the item's language; nil when none.
    public let note: String?
    /// Bible mode: the church year's season or feast of the date (`ChurchYear`), nil in
    /// ordinary time.
    public let season: String?
    /// The opening sentences of the same language and mode's scripts on the days before
    /// (newest first), so a generator that writes freely does not repeat them.
    public let recentOpenings: [String]
    /// How many times the item was regenerated: 0 for its first generation. A generator
    /// gives a higher revision other words than the last.
    public let revision: Int

    public init(postDate: String, mode: ContentMode, language: String, verseReference: String?, verseText: String?, topic: String,
                note: String? = nil, season: String? = nil, recentOpenings: [String] = [], revision: Int = 0) {
        self.revision = revision
        self.postDate = postDate
        self.mode = mode
        self.language = language
        self.verseReference = verseReference
        self.verseText = verseText
        self.topic = topic
        self.note = note
        self.season = season
        self.recentOpenings = recentOpenings
    }
}

/// The four scripts of an item.
public struct GeneratedScripts: Sendable, Equatable, Codable {
    public let cameraScript: String
    public let devotionalReflection: String
    public let meditationScript: String
    public let backgroundPrompt: String

    public init(cameraScript: String, devotionalReflection: String, meditationScript: String, backgroundPrompt: String) {
        self.cameraScript = cameraScript
        self.devotionalReflection = devotionalReflection
        self.meditationScript = meditationScript
        self.backgroundPrompt = backgroundPrompt
    }
}

/// Writes an item's scripts. The template generator is the embedded default;
/// `OpenAIScriptGenerator` calls an OpenAI-compatible chat-completions service.
public protocol ScriptGenerator: Sendable {
    func scripts(for input: GenerationInput) async throws -> GeneratedScripts
}
