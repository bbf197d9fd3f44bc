/// What a generator is given for one item.
public struct GenerationInput: Sendable {
    public let postDate: String
    public let mode: ContentMode
    public let language: String
    /// Bible mode: the claimed passage.
    public let verseReference: String?
    public let verseText: String?
    /// Bible mode: the verse category; positivity mode: the theme.
    public let topic: String
}

/// The four scripts of an item.
public struct GeneratedScripts: Sendable, Equatable {
    public let cameraScript: String
    public let devotionalReflection: String
    public let meditationScript: String
    public let backgroundPrompt: String
}

/// Writes an item's scripts. The template generator is the embedded default; a real text
/// generator (an LLM service, say) implements this and is passed to `ContentPipelineService`.
public protocol ScriptGenerator: Sendable {
    func scripts(for input: GenerationInput) async throws -> GeneratedScripts
}
