import Foundation

/// What the pipeline needs to write content in one language, as data
/// (`Resources/languages/<code>.json`): the default Bible translation, how each verse category
/// and positivity theme reads in a sentence, and the template generator's wording. Adding a
/// language is adding such a file (plus its book names in verse-registry); docs/content.md.
public struct LanguagePack: Sendable, Decodable {
    public let language: String
    public let name: String
    /// The translation bible items use unless the caller names one.
    public let translation: String
    /// Used in place of a category this pack has no phrase for (an editor's own category).
    public let genericTopic: String
    /// Category slug -> a phrase that reads in the templates ("casting your cares on God").
    public let categories: [String: String]
    /// Theme slug -> phrase.
    public let themes: [String: String]
    public let bible: Templates
    public let positivity: Templates

    public struct Templates: Sendable, Decodable {
        public let cameraScript: [String]
        public let devotionalReflection: [String]
        public let meditationScript: [String]
        public let backgroundPrompt: [String]
    }

    /// How `topic` (a category or theme slug) reads in this language.
    public func phrase(for topic: String, mode: ContentMode) -> String {
        switch mode {
        case .bible: categories[topic] ?? genericTopic
        case .positivity: themes[topic] ?? genericTopic
        }
    }

    static func decode(_ data: Data) throws -> LanguagePack {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(LanguagePack.self, from: data)
    }

    /// Every pack in the resource bundle, by language code.
    public static let bundled: [String: LanguagePack] = {
        guard let directory = Bundle.module.url(forResource: "languages", withExtension: nil),
              let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            fatalError("the languages directory is missing from the ContentPipeline resource bundle")
        }
        var packs: [String: LanguagePack] = [:]
        for file in files where file.hasSuffix(".json") {
            do {
                let pack = try decode(Data(contentsOf: directory.appendingPathComponent(file)))
                packs[pack.language] = pack
            } catch {
                fatalError("languages/\(file): \(error)")   // shipped data; LanguagePackTests load every file
            }
        }
        return packs
    }()
}
