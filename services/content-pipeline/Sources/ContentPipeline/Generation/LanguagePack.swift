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
    /// The channel's time zone (IANA name): its items are published at midnight there.
    public let timeZone: String
    /// Used in place of a category this pack has no phrase for (an editor's own category).
    public let genericTopic: String
    /// Category slug -> a phrase that reads in the templates ("casting your cares on God").
    public let categories: [String: String]
    /// Theme slug -> phrase.
    public let themes: [String: String]
    /// Said in place of a passage's note when the editors wrote none (an editor's own pin): one
    /// sentence about `{topic}`.
    public let noteFallback: String
    /// The church year's wording, by `ChurchYear` slug: an opening sentence for the camera
    /// script and one for the reflection on the season's dates.
    public let seasons: [String: Season]
    /// Words of old spelling that shown text must not contain (Spanish: "á", "fué"; the verse
    /// text is shown in modern spelling by verse-registry, and the generator's answers are
    /// checked for them too). Whole words, compared case-insensitively.
    public let oldSpellings: [String]
    public let bible: Templates
    /// Positivity items read a script of the positivity library as their camera script, so
    /// these templates have no `camera_script`.
    public let positivity: Templates

    /// The skeletons of each script kind. The generator rotates through each by date with a
    /// step prime to its length, so a skeleton comes back only after as many days as there
    /// are skeletons (at least 8: none repeats within a week; LanguagePackTests check).
    public struct Templates: Sendable, Decodable {
        public let cameraScript: [String]?
        public let devotionalReflection: [String]
        public let meditationScript: [String]
        public let backgroundPrompt: [String]
    }

    public struct Season: Sendable, Decodable {
        public let name: String
        public let cameraOpening: [String]
        public let reflectionOpening: [String]
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
